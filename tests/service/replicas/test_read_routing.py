"""How reads pick a replica (no server needed): ``ANCHOR_DATABASE_READ_URL`` parsing and
checks, round robin, a replica left out while down, and the names answers use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import ValidationError
from sqlalchemy import create_engine

from anchor_service.db.replicas import ReadDatabases, Replica, lsn_to_int, replica_name
from anchor_service.db.session import Database
from anchor_service.settings import Settings

_PRIMARY = "postgresql://anchor@db.internal/anchor"


def _settings(**values: str) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_read_urls_are_a_comma_separated_list_of_postgresql_urls() -> None:
    settings = _settings(
        database_url=_PRIMARY,
        database_read_url=" postgresql://ro:pw@r1/anchor , postgres://ro@r2:5433/anchor,",
    )
    assert settings.database_read_urls == (
        "postgresql://ro:pw@r1/anchor",
        "postgres://ro@r2:5433/anchor",
    )
    assert _settings(database_url=_PRIMARY).database_read_urls == ()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"database_read_url": "sqlite:///replica.db"}, "must be a postgresql:// URL"),
        (
            {"database_url": "sqlite:///x.db", "database_read_url": "postgresql://r1/anchor"},
            "needs a PostgreSQL database_url",
        ),
    ],
)
def test_read_urls_are_refused_unless_replicas_of_postgresql(
    values: dict[str, str], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        _settings(**{"database_url": _PRIMARY, **values})


def test_a_replica_is_named_without_its_credentials() -> None:
    assert replica_name("postgresql://ro:secret@r1.internal:5433/anchor") == (
        "r1.internal:5433/anchor"
    )
    assert replica_name("postgresql://ro@r2/anchor") == "r2:5432/anchor"
    assert lsn_to_int("16/B374D848") == (0x16 << 32) + 0xB374D848


@pytest.fixture
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Database]]:
    folder = tmp_path_factory.mktemp("routing")
    found = [Database.from_engine(create_engine(f"sqlite:///{folder}/{n}.db")) for n in range(3)]
    yield found
    for database in found:
        database.dispose()


def test_reads_go_round_robin_and_skip_a_replica_while_it_is_down(
    databases: list[Database],
) -> None:
    now = [100.0]
    primary, first, second = databases
    one, two = Replica("r1:5432/anchor", first), Replica("r2:5432/anchor", second)
    reads = ReadDatabases(primary, [one, two], down_seconds=5, clock=lambda: now[0])
    assert [reads.choose() for _ in range(4)] == [one, two, one, two]
    reads.mark_down(one)
    assert {reads.choose() for _ in range(4)} == {two}
    assert reads.choose(exclude=[two]) is None  # none left: the primary answers
    now[0] += 5.1
    assert {reads.choose() for _ in range(4)} == {one, two}
    assert reads.current() is primary
    with reads.reading_from(first):
        assert reads.current() is first
    assert reads.current() is primary
    assert ReadDatabases(primary).choose() is None and not ReadDatabases(primary).configured
