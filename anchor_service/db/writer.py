"""Group commit for entry appends: one writer thread per process, one commit per group.

Why: every append holds the log counter lock until its transaction commits, so appends
are serial across the whole deployment. With one transaction per request, and each
commit waiting for the WAL flush to disk (milliseconds), that caps ingest at a few
hundred requests per second however many API processes run.

How:

* the *writer* thread takes every request that queued up while it was busy (up to
  ``max_group_entries`` entries) and stores them in one transaction
  (:meth:`EntryRepository.append_group`); requests stay all-or-nothing and independent,
  and indices stay dense;
* on PostgreSQL that transaction commits with ``synchronous_commit = off`` (on the
  writer's own connection; ``SET LOCAL`` per transaction behind a transaction pooler),
  so the counter lock is released without waiting for the disk; the *flusher* thread
  then waits until the group is durable (it commits a tiny synchronous transaction: a
  synchronous commit flushes all WAL written before it, the group's included, whichever
  server connection runs it) and only then answers the callers. Acknowledged entries
  are therefore on disk, while flushes of several groups and processes overlap instead
  of queueing behind the lock. Another session may read a group's rows before they are
  durable; if PostgreSQL crashed in that window, those rows (never acknowledged) would
  vanish together with their counter update, so the log stays dense.
* on SQLite (one process writes at a time anyway) the group commits normally.

Callers get a future: :meth:`EntryWriter.submit` (threads) or :meth:`EntryWriter.append`
(asyncio).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from anchor_service.db.dialect import is_postgresql
from anchor_service.db.engine import transaction_pooling
from anchor_service.db.repositories.entries import (
    AppendOutcome,
    AppendRequest,
    EntryRepository,
    StoredEntry,
)
from anchor_service.db.session import Database, is_unavailable, unit_of_work
from anchor_service.errors import DatabaseUnavailableError, EntryConflictError
from anchor_service.ledger.canonical import EncodedEntry

__all__ = ["EntryWriter"]

logger = logging.getLogger(__name__)

_STOP = object()


@dataclass
class _Pending:
    request: AppendRequest
    future: Future[list[StoredEntry]] = field(default_factory=Future)


@dataclass
class _Stored:
    """A committed group waiting to be made durable, then answered."""

    pending: list[_Pending]
    outcomes: list[AppendOutcome]
    started: float


class EntryWriter:
    """Serialises this process's entry appends through one thread, grouping them."""

    def __init__(self, database: Database, *, max_group_entries: int = 10_000) -> None:
        self._max_group_entries = max_group_entries
        self._async_commit = is_postgresql(database.engine)
        self._own_engine: Engine | None = None
        self._sessions: sessionmaker[Session] = database.writer
        if self._async_commit:
            self._own_engine = _async_commit_engine(database.engine)
            self._sessions = sessionmaker(self._own_engine, expire_on_commit=False)
        self._flush_engine = database.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._queue: queue.SimpleQueue[_Pending | object] = queue.SimpleQueue()
        self._flush_queue: queue.SimpleQueue[_Stored | object] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._start_lock = threading.Lock()
        self._closed = False

    def submit(
        self, entries: Sequence[EncodedEntry], *, bulk: bool = False
    ) -> Future[list[StoredEntry]]:
        """Queue one request's entries; the future gets the stored entries or the error."""
        if self._closed:
            raise RuntimeError("entry writer is closed")
        self._ensure_started()
        pending = _Pending(AppendRequest(entries, bulk))
        self._queue.put(pending)
        return pending.future

    async def append(
        self, entries: Sequence[EncodedEntry], *, bulk: bool = False
    ) -> list[StoredEntry]:
        """Store one request's entries, all or none (see :meth:`submit`)."""
        return await asyncio.wrap_future(self.submit(entries, bulk=bulk))

    def close(self, timeout: float = 30.0) -> None:
        """Finish the queued requests, then stop the threads."""
        self._closed = True
        if self._threads:
            self._queue.put(_STOP)
            for thread in self._threads:
                thread.join(timeout)
        if self._own_engine is not None:
            self._own_engine.dispose()

    def _ensure_started(self) -> None:
        if self._threads:
            return
        with self._start_lock:
            if not self._threads:
                threads = [threading.Thread(target=self._write_loop, name="entry-writer")]
                if self._async_commit:
                    threads.append(threading.Thread(target=self._flush_loop, name="entry-flush"))
                for thread in threads:
                    thread.daemon = True
                    thread.start()
                self._threads = threads

    # --- writer thread -------------------------------------------------------------

    def _write_loop(self) -> None:
        carry: _Pending | object | None = None
        while True:
            first = carry if carry is not None else self._queue.get()
            carry = None
            if first is _STOP:
                self._flush_queue.put(_STOP)
                return
            assert isinstance(first, _Pending)
            group = [first]
            size = len(first.request.entries)
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP or (
                    isinstance(item, _Pending)
                    and size + len(item.request.entries) > self._max_group_entries
                ):
                    carry = item
                    break
                assert isinstance(item, _Pending)
                group.append(item)
                size += len(item.request.entries)
            self._store(group)

    def _store(self, group: list[_Pending]) -> None:
        live = [pending for pending in group if pending.future.set_running_or_notify_cancel()]
        if not live:
            return
        started = time.perf_counter()
        try:
            with unit_of_work(self._sessions) as session:
                outcomes = EntryRepository(session).append_group(
                    [pending.request for pending in live], received_at=datetime.now(UTC)
                )
        except Exception as exc:
            _fail(live, exc)
            return
        stored = _Stored(live, outcomes, started)
        if self._async_commit:
            self._flush_queue.put(stored)
        else:
            _answer(stored)

    # --- flusher thread (PostgreSQL) -----------------------------------------------

    def _flush_loop(self) -> None:
        while True:
            batch: list[_Stored] = []
            item = self._flush_queue.get()
            stop = item is _STOP
            if not stop:
                assert isinstance(item, _Stored)
                batch.append(item)
                while True:
                    try:
                        item = self._flush_queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is _STOP:
                        stop = True
                        break
                    assert isinstance(item, _Stored)
                    batch.append(item)
            if batch:
                self._flush(batch)
            if stop:
                return

    def _flush(self, batch: list[_Stored]) -> None:
        try:
            with self._flush_engine.connect() as connection:
                # A transaction with an id, committed synchronously (autocommit): returns
                # once the WAL up to its commit record, so every earlier group's, is on disk.
                connection.execute(text("SELECT pg_current_xact_id()"))
        except Exception as exc:
            for stored in batch:
                _fail(stored.pending, exc)
            return
        for stored in batch:
            _answer(stored)


def _async_commit_engine(engine: Engine) -> Engine:
    """One connection to ``engine``'s database whose transactions commit with
    ``synchronous_commit = off``: set for the session at connect time, or, behind a
    transaction pooler (which refuses startup options, and gives each transaction any
    server connection), with ``SET LOCAL`` at the start of every transaction."""
    if not transaction_pooling(engine):
        return create_engine(
            engine.url,
            pool_size=1,
            max_overflow=0,
            connect_args={"options": "-c synchronous_commit=off"},
        )
    own = create_engine(
        engine.url, pool_size=1, max_overflow=0, connect_args={"prepare_threshold": None}
    )

    @event.listens_for(own, "begin")
    def _async_commit(connection: Connection) -> None:
        connection.exec_driver_sql("SET LOCAL synchronous_commit = off")

    return own


def _answer(stored: _Stored) -> None:
    for pending, outcome in zip(stored.pending, stored.outcomes, strict=True):
        if isinstance(outcome, EntryConflictError):
            pending.future.set_exception(outcome)
        else:
            pending.future.set_result(outcome)
    logger.debug(
        "stored a group of %d request(s) in %.1f ms",
        len(stored.pending),
        (time.perf_counter() - stored.started) * 1000,
    )


def _fail(pending: list[_Pending], exc: Exception) -> None:
    logger.error("storing %d request(s) failed", len(pending), exc_info=exc)
    failure: Exception = exc
    if isinstance(exc, DBAPIError) and is_unavailable(exc):
        failure = DatabaseUnavailableError(f"database unavailable ({type(exc.orig).__name__})")
        failure.__cause__ = exc
    for item in pending:
        item.future.set_exception(failure)
