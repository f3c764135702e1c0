"""The reads proofs are made of, behind one small interface, with a fast path for PostgreSQL.

:class:`ProofStore` is what :class:`~anchor_service.services.proofs.bundles.BundleService`
reads: an entry with its leaf's level-0 tile (one query), tiles by id, the anchored
heads, and an entry's status. :class:`SqlProofStore` answers over any SQLAlchemy
connection (SQLite, PostgreSQL). :class:`PsycopgProofStore` answers the same questions
with plain psycopg on an autocommit connection with server-side prepared statements: the
proof route is the API's busiest read, and SQLAlchemy's per-statement work costs more
than the query itself there. Both run the same SQL, and the tests run both.
"""

from __future__ import annotations

import queue
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple, Protocol, cast

import psycopg
from sqlalchemy import Connection, Engine, bindparam, text

from anchor_service.errors import DatabaseUnavailableError
from anchor_service.ledger.status import EntryStatus
from anchor_service.merkle import TileId
from anchor_service.services.proofs.anchored_heads import AnchoredHead, head_from_row

__all__ = [
    "EntryRow",
    "ProofStore",
    "PsycopgPool",
    "PsycopgProofStore",
    "SqlProofStore",
]

_ENTRY = (
    "SELECT e.leaf_index, e.leaf_hash, e.document, e.redacted_at IS NOT NULL, t.hashes"
    " FROM entries e LEFT JOIN merkle_tiles t"
    " ON t.tile_level = 0 AND t.tile_index = e.leaf_index >> 8"
    " WHERE e.external_id = {external_id}"
)
_TILES = (
    "SELECT tile_level, tile_index, hashes FROM merkle_tiles"
    " WHERE tile_level = {level} AND tile_index {indices}"
)
_HEADS = (
    "SELECT id, tree_size, root, statement_hash, batch_seq, chain_id, registry_address,"
    " chain_seq, tx_hash, block_number, status FROM anchors"
    " WHERE status IN ('submitted', 'confirmed') AND block_number IS NOT NULL"
    " AND chain_seq IS NOT NULL AND tx_hash IS NOT NULL ORDER BY id"
)
_STATUS = (
    "SELECT start_index, status FROM batches WHERE end_index > {index} ORDER BY end_index LIMIT 1"
)


class EntryRow(NamedTuple):
    """An entry as a proof needs it, with its leaf's level-0 tile (``None`` if unsealed)."""

    leaf_index: int
    leaf_hash: bytes
    document: bytes | None
    redacted: bool
    leaf_tile: bytes | None


class ProofStore(Protocol):
    """The reads behind proofs."""

    def entry(self, external_id: str) -> EntryRow | None: ...

    def tiles(self, ids: Sequence[TileId]) -> dict[TileId, bytes]: ...

    def anchored_heads(self) -> list[AnchoredHead]: ...

    def entry_status(self, leaf_index: int) -> EntryStatus: ...


def _by_level(ids: Sequence[TileId]) -> Iterator[tuple[int, list[int]]]:
    """``(level, tile indices)`` per tile level (one query each; a proof spans few levels)."""
    levels: dict[int, set[int]] = {}
    for tile in ids:
        levels.setdefault(tile.level, set()).add(tile.index)
    for level, indices in sorted(levels.items()):
        yield level, sorted(indices)


def _entry_row(row: Sequence[Any] | None) -> EntryRow | None:
    if row is None:
        return None
    index, leaf_hash, document, redacted, tile = row
    return EntryRow(
        int(index),
        bytes(leaf_hash),
        None if document is None else bytes(document),
        bool(redacted),
        None if tile is None else bytes(tile),
    )


def _status(row: Sequence[Any] | None, leaf_index: int) -> EntryStatus:
    """The status of the entry at ``leaf_index`` from its covering batch's
    ``(start_index, status)``, if any."""
    return EntryStatus.of_batch(None if row is None or row[0] > leaf_index else str(row[1]))


class SqlProofStore:
    """:class:`ProofStore` over a SQLAlchemy connection (any database)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def entry(self, external_id: str) -> EntryRow | None:
        statement = text(_ENTRY.format(external_id=":external_id"))
        row = self._connection.execute(statement, {"external_id": external_id}).first()
        return _entry_row(row)

    def tiles(self, ids: Sequence[TileId]) -> dict[TileId, bytes]:
        statement = text(_TILES.format(level=":level", indices="IN :indices")).bindparams(
            bindparam("indices", expanding=True)
        )
        found: dict[TileId, bytes] = {}
        for level, indices in _by_level(ids):
            params = {"level": level, "indices": indices}
            for tile_level, tile_index, hashes in self._connection.execute(statement, params):
                found[TileId(int(tile_level), int(tile_index))] = bytes(hashes)
        return found

    def anchored_heads(self) -> list[AnchoredHead]:
        return _heads(self._connection.execute(text(_HEADS)))

    def entry_status(self, leaf_index: int) -> EntryStatus:
        statement = text(_STATUS.format(index=":index"))
        return _status(
            self._connection.execute(statement, {"index": leaf_index}).first(), leaf_index
        )


class PsycopgProofStore:
    """:class:`ProofStore` over a psycopg connection in autocommit mode."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self._connection = connection

    def _rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self._connection.cursor(binary=True) as cursor:
            cursor.execute(sql, params, prepare=True)
            return cursor.fetchall()

    def entry(self, external_id: str) -> EntryRow | None:
        rows = self._rows(_ENTRY.format(external_id="%s"), (external_id,))
        return _entry_row(rows[0] if rows else None)

    def tiles(self, ids: Sequence[TileId]) -> dict[TileId, bytes]:
        sql = _TILES.format(level="%s", indices="= ANY(%s)")
        found: dict[TileId, bytes] = {}
        for level, indices in _by_level(ids):
            for tile_level, tile_index, hashes in self._rows(sql, (level, indices)):
                found[TileId(int(tile_level), int(tile_index))] = bytes(hashes)
        return found

    def anchored_heads(self) -> list[AnchoredHead]:
        return _heads(self._rows(_HEADS, ()))

    def entry_status(self, leaf_index: int) -> EntryStatus:
        rows = self._rows(_STATUS.format(index="%s"), (leaf_index,))
        return _status(rows[0] if rows else None, leaf_index)


def _heads(rows: Any) -> list[AnchoredHead]:
    by_size = {}
    for row in rows:
        head = head_from_row(tuple(row))
        by_size[head.tree_size] = head  # ordered by id: a newer anchor of a size wins
    return [by_size[size] for size in sorted(by_size)]


class PsycopgPool:
    """Psycopg connections (autocommit) to the database of ``engine``, reused.

    A connection is opened when none is idle, and kept for reuse while fewer than
    ``size`` are idle (so ``size`` should cover the requests a process runs at once).

    A connection that fails is dropped; the failure is :class:`DatabaseUnavailableError`
    when the server cannot be reached.
    """

    def __init__(self, engine: Engine, size: int) -> None:
        url = engine.url.set(drivername="postgresql")
        self._conninfo = url.render_as_string(hide_password=False)
        self._idle: queue.LifoQueue[psycopg.Connection[Any]] = queue.LifoQueue(maxsize=size)

    @contextmanager
    def store(self) -> Iterator[PsycopgProofStore]:
        try:
            connection = self._idle.get_nowait()
        except queue.Empty:
            connection = self._connect()
        try:
            yield PsycopgProofStore(connection)
        except psycopg.OperationalError as exc:
            connection.close()
            raise DatabaseUnavailableError(f"database unavailable ({type(exc).__name__})") from exc
        except BaseException:
            connection.close()
            raise
        if connection.closed or connection.broken:
            return
        try:
            self._idle.put_nowait(connection)
        except queue.Full:
            connection.close()

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            connection = psycopg.connect(self._conninfo, autocommit=True)
        except psycopg.OperationalError as exc:
            raise DatabaseUnavailableError(f"database unavailable ({type(exc).__name__})") from exc
        return cast(psycopg.Connection[Any], connection)
