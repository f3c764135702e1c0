"""The busiest reads on the event loop (a proof's entry, a hash tile): a few asynchronous
psycopg connections.

A proof bundle needs one query in the common case (the entry with its leaf's tile and
the head's signed checkpoint: :data:`~anchor_service.db.repositories.proofs.ENTRY_WITH_CHECKPOINT`);
the rest comes from what the API worker remembers. Sending that query from the event
loop, rather than from a proof thread, spares each request the hop to a thread and back
and the hand-over of the GIL between the loop and the threads, whose waits (up to the
interpreter's 5 ms switch interval) made the slowest requests several times slower
than the median.

:class:`AsyncProofConnections` keeps up to ``size`` autocommit connections to one
PostgreSQL database, opened when first needed: a query goes to the first connection
with none in flight, else to the one with fewest (psycopg queues them on its lock). A
nearby database answers fast enough that one connection carries most of the load, and
queries keep their order; a distant or slow one gets them all in use. A
connection found broken is closed and opened again for the next query; a database that
cannot be reached is :class:`~anchor_service.errors.DatabaseUnavailableError`, as on the
threads' path.
"""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
from sqlalchemy import Engine

from anchor_service.db.engine import transaction_pooling
from anchor_service.db.repositories.proofs import (
    ENTRY_WITH_CHECKPOINT,
    CheckpointRead,
    EntryRow,
    entry_with_checkpoint_row,
)
from anchor_service.db.repositories.tiles import PUBLISHED_SIZES, published_size_from
from anchor_service.errors import DatabaseUnavailableError
from anchor_service.merkle import TileId

__all__ = ["AsyncProofConnections"]

_ENTRY_SQL = ENTRY_WITH_CHECKPOINT.format(size="%s::bigint", external_id="%s")
_TILE_SQL = "SELECT hashes FROM merkle_tiles WHERE tile_level = %s AND tile_index = %s"


class AsyncProofConnections:
    """Up to ``size`` asynchronous autocommit connections to the database of ``engine``,
    each query on the least busy; a query waits at most ``wait_seconds`` for its
    connection to open. Use from one event loop."""

    def __init__(self, engine: Engine, size: int, wait_seconds: float) -> None:
        url = engine.url.set(drivername="postgresql")
        self._conninfo = url.render_as_string(hide_password=False)
        self._wait = wait_seconds
        # Behind PgBouncer's transaction pooling: no server-side prepared statements.
        self._prepare = not transaction_pooling(engine)
        self._slots: list[asyncio.Task[psycopg.AsyncConnection[Any]] | None] = [None] * size
        self._busy = [0] * size  # queries in flight (or waiting) per slot

    async def entry_with_checkpoint(
        self, external_id: str, tree_size: int | None
    ) -> tuple[EntryRow | None, CheckpointRead | None]:
        """As :meth:`~anchor_service.db.repositories.proofs.ProofRows.entry_with_checkpoint`."""
        return entry_with_checkpoint_row(await self._rows(_ENTRY_SQL, (tree_size, external_id)))

    async def tile(self, tile: TileId) -> bytes | None:
        """The stored hashes of ``tile`` (``None``: not stored)."""
        rows = await self._rows(_TILE_SQL, (tile.level, tile.index))
        return bytes(rows[0][0]) if rows else None

    async def published_size(self) -> int:
        """The size of the tree the tiles publish (see :data:`PUBLISHED_SIZES`)."""
        return published_size_from((await self._rows(PUBLISHED_SIZES, ()))[0])

    async def _rows(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        slot = self._least_busy()
        self._busy[slot] += 1
        try:
            connection = await self._connection(slot)
            try:
                async with connection.cursor(binary=True) as cursor:
                    await cursor.execute(sql, params, prepare=self._prepare or None)
                    return await cursor.fetchall()
            except psycopg.OperationalError as exc:
                self._forget_if_lost(slot, connection)
                raise DatabaseUnavailableError(
                    f"database unavailable ({type(exc).__name__})"
                ) from exc
        finally:
            self._busy[slot] -= 1

    def _least_busy(self) -> int:
        """The first slot with no query in flight, else the one with fewest."""
        busy = self._busy
        if not busy[0]:
            return 0
        return min(range(len(busy)), key=busy.__getitem__)

    async def _connection(self, slot: int) -> psycopg.AsyncConnection[Any]:
        """The connection of ``slot``, opened first if it has none (or a broken one).

        Requests arriving while it opens wait for the same attempt."""
        task = self._slots[slot]
        if task is not None and task.done():
            opened = _opened(task)
            if opened is None or opened.closed:  # failed to open, or lost since
                task = None
        if task is None:
            task = asyncio.ensure_future(self._open())
            self._slots[slot] = task
        try:  # the attempt goes on for the requests after this one if it is slow
            return await asyncio.wait_for(asyncio.shield(task), self._wait)
        except (psycopg.OperationalError, TimeoutError) as exc:
            raise DatabaseUnavailableError(f"database unavailable ({type(exc).__name__})") from exc

    async def _open(self) -> psycopg.AsyncConnection[Any]:
        return await psycopg.AsyncConnection.connect(
            self._conninfo,
            autocommit=True,
            prepare_threshold=0 if self._prepare else None,
            connect_timeout=max(2, round(self._wait)),  # libpq's least; waits: _connection
        )

    def _forget_if_lost(self, slot: int, connection: psycopg.AsyncConnection[Any]) -> None:
        """Forget ``connection`` once lost (not merely a failed query): its slot opens a
        new one when next used."""
        if connection.closed and _opened(self._slots[slot]) is connection:
            self._slots[slot] = None

    async def close(self) -> None:
        """Close every open connection."""
        slots, self._slots = self._slots, [None] * len(self._slots)
        for task in slots:
            if task is not None and not task.done():
                task.cancel()
            opened = _opened(task)
            if opened is not None:
                await opened.close()


def _opened(
    task: asyncio.Task[psycopg.AsyncConnection[Any]] | None,
) -> psycopg.AsyncConnection[Any] | None:
    """The connection an opening ``task`` gave (``None``: none, still opening, or failed)."""
    if task is None or not task.done() or task.cancelled() or task.exception() is not None:
        return None
    return task.result()
