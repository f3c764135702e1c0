"""Concurrent seals on PostgreSQL: one at a time, no overlapping batches, writers never wait."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest
from sqlalchemy import select, text

from anchor_service.db.models_sealing import Batch
from anchor_service.db.repositories.log_state import LogStateRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.merkle import root
from anchor_service.services.sealing import SEAL_LOCK_KEY, SealedBatch

from .conftest import Seal
from .helpers import LogWriter, entry_payload

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]

T = TypeVar("T")


def _in_thread(function: Callable[[], T]) -> tuple[threading.Thread, list[T]]:
    result: list[T] = []
    thread = threading.Thread(target=lambda: result.append(function()), daemon=True)
    thread.start()
    return thread, result


def test_two_concurrent_seals_create_consecutive_batches(
    log: LogWriter, seal: Seal, database: Database
) -> None:
    log.add_many(600, chunk=100)
    start = threading.Barrier(2)

    def run() -> list[SealedBatch]:
        start.wait()
        return seal(max_batch_entries=25)

    with ThreadPoolExecutor(2) as pool:
        runs = [future.result() for future in [pool.submit(run), pool.submit(run)]]

    sealed = sorted(runs[0] + runs[1], key=lambda batch: batch.seq)
    assert [b.seq for b in sealed] == list(range(len(sealed)))
    assert [(b.start_index, b.end_index) for b in sealed] == [
        (i, min(i + 25, 600)) for i in range(0, 600, 25)
    ]
    with unit_of_work(database.reader) as session:
        rows = session.execute(select(Batch.seq, Batch.start_index, Batch.end_index)).all()
    assert sorted(tuple(row) for row in rows) == [
        (b.seq, b.start_index, b.end_index) for b in sealed
    ]
    assert sealed[-1].root == root(log.leaf_hashes())


def test_a_seal_waits_for_the_seal_in_progress(
    log: LogWriter, seal: Seal, database: Database
) -> None:
    log.add([entry_payload() for _ in range(3)])
    with unit_of_work(database.writer) as holder:
        holder.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEAL_LOCK_KEY})
        thread, result = _in_thread(seal)
        thread.join(1.0)
        assert thread.is_alive() and result == []
    thread.join(20)
    assert [(b.start_index, b.end_index) for b in result[0]] == [(0, 3)]


def test_writers_do_not_wait_for_a_seal_in_progress(
    log: LogWriter, database: Database
) -> None:
    with unit_of_work(database.writer) as holder:
        holder.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEAL_LOCK_KEY})
        thread, result = _in_thread(lambda: log.add([entry_payload() for _ in range(2)]))
        thread.join(20)
        assert not thread.is_alive()
        assert [entry.leaf_index for entry in result[0]] == [0, 1]


def test_a_seal_does_not_wait_for_a_writer_holding_the_log_counter(
    log: LogWriter, seal: Seal, database: Database
) -> None:
    log.add([entry_payload() for _ in range(4)])
    with unit_of_work(database.writer) as writer:
        assert LogStateRepository(writer).lock() == 4  # an append in flight
        thread, result = _in_thread(seal)
        thread.join(20)
        assert not thread.is_alive()
    assert [(b.start_index, b.end_index) for b in result[0]] == [(0, 4)]
