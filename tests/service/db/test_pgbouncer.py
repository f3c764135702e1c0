"""Behind a real PgBouncer in transaction pooling mode (Debian's ``pgbouncer``): the
migrations, ingest, sealing and the scheduler's leader lease, with several server
connections serving each client's transactions in turn.

Each test runs on a fresh database reached through a private PgBouncer
(:mod:`tests.support.pgbouncer`) with ``ANCHOR_DB_TRANSACTION_POOLING`` set; under
``CI=true`` these tests must run (a missing ``pgbouncer`` fails them).
"""

from __future__ import annotations

import asyncio
import itertools
import re
import secrets
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError

from anchor_service import merkle
from anchor_service.api import create_app
from anchor_service.db import migrate
from anchor_service.db.engine import create_database_engine, normalize_database_url
from anchor_service.db.models import Role
from anchor_service.db.repositories.api_keys import ApiKeyRepository
from anchor_service.db.repositories.proof_connections import AsyncProofConnections
from anchor_service.db.repositories.proofs import ProofRowSource
from anchor_service.db.session import Database, unit_of_work
from anchor_service.services.sealing import seal_pending
from anchor_service.settings import Settings
from tests.support.pgbouncer import PgBouncer, pgbouncer_binary
from tests.support.postgres import admin_engine
from tests.support.processes import ChildProcess, service_command, service_env
from tests.support.waiting import wait_until

pytestmark = pytest.mark.postgres


@dataclass(frozen=True)
class Bounced:
    """A database, and the same database through a PgBouncer."""

    bouncer: PgBouncer
    name: str
    direct_url: str
    pooled_url: str

    def settings(self, **values: object) -> Settings:
        options: dict[str, object] = {
            "database_url": self.pooled_url,
            "db_transaction_pooling": True,
            "api_key_cache_seconds": 0,
            **values,
        }
        return Settings(_env_file=None, **options)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def bounced() -> Iterator[Bounced]:
    """A fresh, empty database (migrated by the first test) behind a PgBouncer with
    three server connections."""
    pgbouncer_binary()
    admin = admin_engine()
    name = f"anchor_pgbouncer_{secrets.token_hex(5)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    direct = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        with PgBouncer(pool_size=3) as bouncer:
            yield Bounced(bouncer, name, direct, bouncer.url(name))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def transactions_through(bouncer: PgBouncer, database: str) -> int:
    """How many transactions PgBouncer has passed to ``database`` so far."""
    rows = [row for row in bouncer.show("STATS") if row["database"] == database]
    return sum(int(str(row["total_xact_count"])) for row in rows)


def test_migrations_run_through_pgbouncer(bounced: Bounced) -> None:
    before = transactions_through(bounced.bouncer, bounced.name)
    migrate.upgrade(bounced.settings())
    assert migrate.current_revision(bounced.settings()) == migrate.head_revision()
    assert transactions_through(bounced.bouncer, bounced.name) > before


def test_server_side_prepared_statements_are_off_behind_a_transaction_pooler(
    bounced: Bounced,
) -> None:
    """psycopg prepares a statement run 5 times on the server connection it ran on; the
    pooler then hands a transaction another server connection, where it does not exist.
    ``ANCHOR_DB_TRANSACTION_POOLING`` turns that off."""

    def repeat_while_another_client_holds_the_server_connection(pooling: bool) -> None:
        engine = create_database_engine(
            bounced.settings(db_transaction_pooling=pooling), pool_size=1, max_overflow=0
        )
        other = create_engine(normalize_database_url(bounced.pooled_url))
        try:
            with engine.connect() as connection:
                for number in range(7):  # prepared from the 5th on (if allowed)
                    connection.execute(text("SELECT CAST(:n AS integer)"), {"n": number})
                    connection.commit()
                with other.connect() as holder:  # takes the idle server connection used
                    holder.execute(text("SELECT 1"))
                    connection.execute(text("SELECT CAST(:n AS integer)"), {"n": 8})
                    connection.commit()
        finally:
            engine.dispose()
            other.dispose()

    with pytest.raises(DBAPIError, match=r"prepared statement .* does not exist"):
        repeat_while_another_client_holds_the_server_connection(pooling=False)
    repeat_while_another_client_holds_the_server_connection(pooling=True)


@contextmanager
def _own_pgbouncer(bounced: Bounced, pooling: bool) -> Iterator[tuple[Database, Engine]]:
    """The database through a PgBouncer of its own (server connections holding another
    test's ``_pg3_0`` would run that statement instead of failing), and a second client
    of it."""
    with PgBouncer(pool_size=3) as bouncer:
        url = bouncer.url(bounced.name)
        database = Database.from_settings(
            bounced.settings(database_url=url, db_transaction_pooling=pooling)
        )
        other = create_engine(normalize_database_url(url))
        try:
            yield database, other
        finally:
            database.dispose()
            other.dispose()


def test_proof_reads_prepare_no_statements_behind_a_transaction_pooler(bounced: Bounced) -> None:
    """The proof endpoint's own psycopg pool follows ``ANCHOR_DB_TRANSACTION_POOLING`` too."""
    migrate.upgrade(bounced.settings())

    def repeat_while_another_client_holds_the_server_connection(pooling: bool) -> None:
        with _own_pgbouncer(bounced, pooling) as (database, other):
            source = ProofRowSource(database, 1)
            try:
                with source.rows() as rows:
                    rows.checkpoint_size(0)
                    with other.connect() as holder:  # takes the idle server connection used
                        holder.execute(text("SELECT 1"))
                        rows.checkpoint_size(1)
            finally:
                source.close()

    with pytest.raises(psycopg.Error, match=r"prepared statement .* does not exist"):
        repeat_while_another_client_holds_the_server_connection(pooling=False)
    repeat_while_another_client_holds_the_server_connection(pooling=True)


def test_event_loop_proof_reads_prepare_no_statements_behind_a_transaction_pooler(
    bounced: Bounced,
) -> None:
    """The proof route's event-loop connections (``AsyncProofConnections``) too."""
    migrate.upgrade(bounced.settings())

    def repeat_while_another_client_holds_the_server_connection(pooling: bool) -> None:
        with _own_pgbouncer(bounced, pooling) as (database, other):
            connections = AsyncProofConnections(database.engine, 1, wait_seconds=5)

            async def ask() -> None:
                try:
                    assert await connections.entry_with_checkpoint("pgb-0", None) == (None, None)
                    with other.connect() as holder:  # takes the idle server connection used
                        holder.execute(text("SELECT 1"))
                        await connections.entry_with_checkpoint("pgb-1", None)
                finally:
                    await connections.close()

            asyncio.run(ask())

    with pytest.raises(psycopg.Error, match=r"prepared statement .* does not exist"):
        repeat_while_another_client_holds_the_server_connection(pooling=False)
    repeat_while_another_client_holds_the_server_connection(pooling=True)


def entry(number: int) -> dict[str, object]:
    return {
        "external_id": f"pgb-{number}",
        "occurred_at": "2026-11-21T08:15:00+07:00",
        "description": "through PgBouncer",
        "postings": [
            {"account": "wallet:user:1", "amount": str(-number - 1), "currency": "IDR"},
            {"account": "escrow:project:1", "amount": str(number + 1), "currency": "IDR"},
        ],
    }


def test_ingest_and_seal_run_through_pgbouncer(bounced: Bounced) -> None:
    settings = bounced.settings()
    migrate.upgrade(settings)
    database = Database.from_settings(settings)
    try:
        with unit_of_work(database.writer) as session:
            token = ApiKeyRepository(session).create(Role.WRITER, name="pgbouncer").token
        headers = {"Authorization": f"Bearer {token}"}
        statuses: list[int] = []
        with TestClient(create_app(settings, database)) as client:

            def post(numbers: range) -> None:
                for number in numbers:
                    response = client.post("/v1/entries", json=entry(number), headers=headers)
                    statuses.append(response.status_code)

            threads = [threading.Thread(target=post, args=(range(i, 60, 4),)) for i in range(4)]
            for thread in threads:
                thread.start()
            bulk = client.post(
                "/v1/entries/bulk",
                json={"entries": [entry(n) for n in range(60, 260)]},
                headers=headers,
            )
            for thread in threads:
                thread.join(60)
        assert bulk.status_code in (200, 201), bulk.text
        assert statuses == [201] * 60
        sealed = seal_pending(database, settings, max_batch_entries=100)
    finally:
        database.dispose()
    assert sum(batch.entry_count for batch in sealed) == 260
    direct = create_engine(normalize_database_url(bounced.direct_url))
    try:
        with direct.connect() as connection:
            leaves = connection.execute(
                text("SELECT leaf_hash FROM entries ORDER BY leaf_index")
            ).scalars()
            batches = connection.execute(
                text("SELECT start_index, end_index, root FROM batches ORDER BY seq")
            ).all()
            expected_root = merkle.root(list(leaves))
    finally:
        direct.dispose()
    assert [(start, end) for start, end, _ in batches] == [(0, 100), (100, 200), (200, 260)]
    assert bytes(batches[-1][2]) == expected_root


# --- the scheduler's leader lease ------------------------------------------------------


def start_scheduler(url: str, cwd: Path) -> ChildProcess:
    """``anchor-service scheduler`` through a PgBouncer: seals as soon as an entry waits,
    renews its lease every 0.5 s, a lease of 3 s."""
    env = service_env(
        ANCHOR_DATABASE_URL=url,
        ANCHOR_DB_TRANSACTION_POOLING="true",
        ANCHOR_LEADER_RETRY_SECONDS="0.5",
        ANCHOR_LEADER_LEASE_SECONDS="3",
        ANCHOR_SEAL_WHEN_PENDING="1",
        ANCHOR_SEAL_CHECK_SECONDS="0.3",
        ANCHOR_SEAL_CRON="0 0 1 1 *",
        ANCHOR_AUDIT_CRON="",
        ANCHOR_LOG_LEVEL="INFO",
        ANCHOR_RPC_URL="http://127.0.0.1:9",  # nothing to anchor to; sealing still runs
    )
    return ChildProcess(service_command("scheduler"), env=env, cwd=cwd, output="stderr")


def add_entries(bounced: Bounced, numbers: range) -> None:
    database = Database.from_settings(bounced.settings())
    try:
        with unit_of_work(database.writer) as session:
            token = ApiKeyRepository(session).create(Role.WRITER, name="scheduler test").token
        with TestClient(create_app(bounced.settings(), database)) as client:
            response = client.post(
                "/v1/entries/bulk",
                json={"entries": [entry(n) for n in numbers]},
                headers={"Authorization": f"Bearer {token}"},
            )
        assert response.status_code in (200, 201), response.text
    finally:
        database.dispose()


def sealed_ranges(bounced: Bounced) -> list[tuple[int, int]]:
    direct = create_engine(normalize_database_url(bounced.direct_url))
    try:
        with direct.connect() as connection:
            rows = connection.execute(
                text("SELECT start_index, end_index FROM batches ORDER BY seq")
            ).all()
    finally:
        direct.dispose()
    return [(int(start), int(end)) for start, end in rows]


def sealed_until(bounced: Bounced) -> int:
    ranges = sealed_ranges(bounced)
    return ranges[-1][1] if ranges else 0


def test_a_leader_cut_off_from_its_pgbouncer_stops_and_the_other_takes_over_after_expiry(
    bounced: Bounced, tmp_path: Path
) -> None:
    """Two schedulers, each behind a PgBouncer of its own: one leads and seals. Its
    PgBouncer stalls (SIGSTOP): its renewals get no answer, so it stops acting before its
    lease expires; the other takes the lease once it has expired (next fencing token)
    and seals what comes next. No range is sealed twice."""
    migrate.upgrade(bounced.settings())
    start = sealed_until(bounced)
    with PgBouncer(pool_size=2) as other_bouncer:
        first = start_scheduler(bounced.pooled_url, tmp_path)
        second: ChildProcess | None = None
        try:
            wait_until(lambda: first.has("leader lock acquired"), 60, "the first one leads")
            second = start_scheduler(other_bouncer.url(bounced.name), tmp_path)
            waiting = second
            wait_until(lambda: waiting.has("another scheduler holds the lock"), 60, "waits")
            add_entries(bounced, range(1000, 1040))
            wait_until(lambda: sealed_until(bounced) == start + 40, 30, "first seals")

            bounced.bouncer.pause()  # the leader's connections stall: no error, no answer
            try:
                wait_until(lambda: waiting.has("leader lock acquired"), 30, "second takes over")
                # the first stopped acting before its lease expired, hence before this
                assert first.has("the leader lock was lost")
                assert first.has(r"lease 'scheduler' \(token \d+\) lost: renewal failed")
                assert waiting.has(r"PostgreSQL lease 'scheduler', fencing token \d+")
            finally:
                bounced.bouncer.resume()
            add_entries(bounced, range(1040, 1070))
            wait_until(lambda: sealed_until(bounced) == start + 70, 30, "second seals")
            wait_until(
                lambda: first.has("no longer the leader; waiting"), 30, "the first one waits"
            )
        finally:
            for process in (first, second):
                if process is not None and process.alive():
                    process.send_signal(signal.SIGTERM)
            for process in (first, second):
                if process is not None:
                    assert process.wait(timeout=30) == 0, "".join(process.lines[-30:])
    tokens = [int(t) for t in _tokens(first) + _tokens(second)]
    assert tokens == sorted(tokens) and len(set(tokens)) == len(tokens)
    ranges = sealed_ranges(bounced)
    assert all(end == following for (_, end), (following, _) in itertools.pairwise(ranges))
    assert ranges[-1][1] == start + 70  # every entry sealed once: no gap, no overlap


def _tokens(process: ChildProcess | None) -> list[str]:
    if process is None:
        return []
    found = re.findall(r"leader lock acquired \(PostgreSQL lease 'scheduler', fencing token (\d+)",
                       "".join(process.lines))  # fmt: skip
    return list(found)
