"""Bundles started on the event loop (``ProofReads.run_prefetched``) and the asynchronous
connections behind them (``AsyncProofConnections``), on the real databases.

On PostgreSQL a bundle whose reads the worker's caches cover is built on the event loop
from its one asynchronous query; one needing more is built again, from the start, on a
proof thread; both give the same bytes. The connections survive a killed backend and
report an unreachable database as ``DatabaseUnavailableError``, like the threads' pool.
"""

from __future__ import annotations

import asyncio
import threading

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from anchor_service.db.repositories.proof_connections import AsyncProofConnections
from anchor_service.db.session import Database
from anchor_service.errors import DatabaseUnavailableError, NotFoundError
from anchor_service.services.proofs.bundles import BundleService
from anchor_service.services.proofs.reads import ProofReads
from anchor_service.services.proofs.store import ProofStore
from anchor_service.verifier import dump_bundle

from .conftest import LogBuilder


def _bundles(reads: ProofReads, external_id: str) -> list[tuple[bytes, str]]:
    """The bundle of ``external_id`` three times: (bytes, the thread that built it)."""

    def work(store: ProofStore) -> tuple[bytes, str]:
        bundle = BundleService(store, reads.heads, reads.nodes).bundle(external_id)
        return dump_bundle(bundle), threading.current_thread().name

    async def three() -> list[tuple[bytes, str]]:
        try:
            return [await reads.run_prefetched(work, external_id, None) for _ in range(3)]
        finally:
            await reads.aclose()

    try:
        return asyncio.run(three())
    finally:
        reads.close()


def test_a_bundle_the_caches_cover_is_built_on_the_event_loop(
    log: LogBuilder, client: TestClient, database: Database
) -> None:
    log.head(3)
    answers = _bundles(ProofReads(database, threads=1), log.ids[1])
    assert len({body for body, _ in answers}) == 1  # the same bundle every time
    threads = [thread for _, thread in answers]
    assert threads[0].startswith("proofs")  # cold caches: the anchored heads are read
    if database.engine.dialect.name == "postgresql":
        assert threads[1:] == [threading.main_thread().name] * 2
    else:  # no asynchronous driver here: always a proof thread
        assert all(thread.startswith("proofs") for thread in threads)


def test_an_error_raised_on_the_event_loop_is_the_threads_error(
    log: LogBuilder, client: TestClient, database: Database
) -> None:
    log.head(1)
    reads = ProofReads(database, threads=1)

    def work(store: ProofStore) -> bytes:
        return dump_bundle(BundleService(store, reads.heads, reads.nodes).bundle("no-such-entry"))

    async def ask() -> None:
        try:
            await reads.run_prefetched(work, "no-such-entry", None)
        finally:
            await reads.aclose()

    with pytest.raises(NotFoundError, match="no-such-entry"):
        asyncio.run(ask())
    reads.close()


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_connections_serve_concurrent_queries_and_survive_a_killed_backend(
    log: LogBuilder, client: TestClient, database: Database
) -> None:
    log.head(4)
    connections = AsyncProofConnections(database.engine, 2, wait_seconds=2)

    async def scenario() -> None:
        rows = await asyncio.gather(
            *(connections.entry_with_checkpoint(log.ids[i % 4], None) for i in range(20))
        )
        assert [row.leaf_index for row, _ in rows if row] == [i % 4 for i in range(20)]
        assert all(read is not None and read.tree_size == 4 for _, read in rows)
        pids = [pid for pid in await _backend_pids(connections) if pid]
        assert 1 <= len(pids) <= 2
        with psycopg.connect(_libpq_url(database), autocommit=True) as admin:
            for pid in pids:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        failures = 0
        for _ in range(4):  # each killed connection fails once, then is opened again
            try:
                row, _ = await connections.entry_with_checkpoint(log.ids[0], None)
                assert row is not None and row.leaf_index == 0
            except DatabaseUnavailableError:
                failures += 1
        assert 1 <= failures <= len(pids)
        row, _ = await connections.entry_with_checkpoint(log.ids[2], None)
        assert row is not None and row.leaf_index == 2
        await connections.close()

    asyncio.run(scenario())


def test_an_unreachable_database_is_unavailable() -> None:
    engine = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    connections = AsyncProofConnections(engine, 1, wait_seconds=2)

    async def ask() -> None:
        try:
            await connections.entry_with_checkpoint("pay-1", None)
        finally:
            await connections.close()

    with pytest.raises(DatabaseUnavailableError, match="database unavailable"):
        asyncio.run(ask())


async def _backend_pids(connections: AsyncProofConnections) -> list[int]:
    pids = []
    for task in connections._slots:
        if task is not None:
            pids.append((await task).info.backend_pid)
    return pids


def _libpq_url(database: Database) -> str:
    return database.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
