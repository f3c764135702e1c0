"""Fixtures: a private PostgreSQL primary with a streaming replica (one pair per test
module), the API reading from the replica (``ANCHOR_DATABASE_READ_URL``), and a real
anchored log on the shared ganache (``tests/service/anchored_log``).

The pair is started once per module (initdb, a base backup, two servers: a few
seconds); each test gets the primary's database emptied, and the replica with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from anchored_log.builder import LogBuilder
from anchored_log.fixtures import chain, chain_view, headers, log, rpc, settings
from sqlalchemy import create_engine, text

from anchor_service.db import migrate
from anchor_service.settings import Settings
from tests.service.reliability.stack import postgres_bin_dir
from tests.support.ci import skip_or_fail

from .servers import LoggedPostgres, StandbyPostgres, wait_replayed

__all__ = [
    "LogBuilder",
    "Pair",
    "chain",
    "chain_view",
    "headers",
    "log",
    "rpc",
    "settings",
]

_DATABASE = "anchor"
_TABLES = (
    "SELECT string_agg(format('%I', tablename), ', ') FROM pg_tables"
    " WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
)


@dataclass(frozen=True)
class Pair:
    """The primary and its replica; ``url``/``read_url``: the service's database on each."""

    primary: LoggedPostgres
    replica: StandbyPostgres

    @property
    def url(self) -> str:
        return self.primary.url(_DATABASE)

    @property
    def read_url(self) -> str:
        return self.replica.url(_DATABASE)

    def replayed(self) -> None:
        wait_replayed(self.primary, self.replica)


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        reason = "initdb, pg_ctl and pg_basebackup (the PostgreSQL server package) are missing"
        skip_or_fail(reason, must_run="PostgreSQL tests")
    primary = LoggedPostgres(bin_dir)
    replica: StandbyPostgres | None = None
    try:
        primary.start()
        admin = create_engine(primary.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{_DATABASE}"'))
        admin.dispose()
        url = primary.url(_DATABASE)
        migrate.upgrade(Settings(_env_file=None, database_url=url))
        replica = StandbyPostgres(primary)
        replica.start()
        yield Pair(primary, replica)
    finally:
        if replica is not None:
            replica.destroy()
        primary.destroy()


@pytest.fixture
def database_url(pair: Pair) -> str:
    """The primary's database, emptied (and so the replica's, once it replays that)."""
    engine = create_engine(pair.url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            tables = connection.execute(text(_TABLES)).scalar_one()
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            connection.execute(text("INSERT INTO log_state (id, next_index) VALUES (1, 0)"))
    finally:
        engine.dispose()
    pair.replayed()
    return pair.url


@pytest.fixture
def make_settings(database_url: str, pair: Pair) -> Callable[..., Settings]:
    """Test settings: the primary, and the replica as the one read replica."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "database_read_url": pair.read_url,
            "api_key_cache_seconds": 0,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return build
