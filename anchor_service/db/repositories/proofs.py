"""The rows proofs are made of, with a fast path for PostgreSQL.

:class:`ProofRows` reads an entry with its leaf's level-0 tile (one query; on PostgreSQL
the same query also reads the signed checkpoint the bundle carries), tiles by id,
the anchors of the anchored heads, the status of the batch holding a leaf, and signed
checkpoints (the note with its collected cosignature lines, as ``GET /tlog/checkpoint``
serves it).
:class:`SqlProofRows` answers over any SQLAlchemy connection (SQLite, PostgreSQL);
:class:`PsycopgProofRows` answers the same questions with plain psycopg on an autocommit
connection with server-side prepared statements: the proof route is the API's busiest
read, and SQLAlchemy's per-statement work costs more than the query itself there. Both
run the same SQL, and the tests run both.

:class:`ProofRowSource` hands one API worker's proof threads their rows: on PostgreSQL
from a :mod:`psycopg_pool` pool of autocommit connections, elsewhere from a read session.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple, Protocol

import psycopg
from psycopg_pool import ConnectionPool
from sqlalchemy import Connection, Engine, bindparam, text

from anchor_service.db.dialect import is_postgresql
from anchor_service.db.engine import transaction_pooling
from anchor_service.db.session import Database, unit_of_work
from anchor_service.errors import DatabaseUnavailableError
from anchor_service.merkle import TILE_HEIGHT, TileId

__all__ = [
    "ENTRY_WITH_CHECKPOINT",
    "POOL_WAIT_SECONDS",
    "REPLICA_WAIT_SECONDS",
    "AnchorRow",
    "CheckpointRead",
    "EntryRow",
    "ProofRowSource",
    "ProofRows",
    "PsycopgProofRows",
    "SqlProofRows",
    "entry_with_checkpoint_row",
]

# The leaf's level-0 tile is the one at index leaf_index >> TILE_HEIGHT (a constant).
_ENTRY = (
    "SELECT e.leaf_index, e.leaf_hash, e.document, e.redacted_at IS NOT NULL, t.hashes"  # noqa: S608
    " FROM entries e LEFT JOIN merkle_tiles t"
    f" ON t.tile_level = 0 AND t.tile_index = e.leaf_index >> {TILE_HEIGHT}"
    " WHERE e.external_id = {external_id}"
)
# The entry, its leaf tile, and the signed checkpoint (cosignature lines appended, as
# _note joins them) of the head a bundle proves it against: tree size {size}, else the
# first mined anchor's that includes the leaf (as AnchoredHeadIndex.covering picks it).
# Only constants are formatted in; the values are bound parameters.
ENTRY_WITH_CHECKPOINT = (
    "SELECT e.leaf_index, e.leaf_hash, e.document, e.redacted_at IS NOT NULL, t.hashes,"  # noqa: S608 # nosec B608
    " h.size, (SELECT c.note || COALESCE((SELECT string_agg(s.line || chr(10), ''"
    " ORDER BY s.witness_name, s.key_id) FROM checkpoint_cosignatures s"
    " WHERE s.tree_size = c.tree_size), '') FROM checkpoints c WHERE c.tree_size = h.size)"
    " FROM entries e LEFT JOIN merkle_tiles t"
    f" ON t.tile_level = 0 AND t.tile_index = e.leaf_index >> {TILE_HEIGHT}"
    " CROSS JOIN LATERAL (SELECT COALESCE({size}, (SELECT MIN(a.tree_size) FROM anchors a"
    " WHERE a.status IN ('submitted', 'confirmed') AND a.block_number IS NOT NULL"
    " AND a.chain_seq IS NOT NULL AND a.tx_hash IS NOT NULL"
    " AND a.tree_size > e.leaf_index)) AS size) h"
    " WHERE e.external_id = {external_id}"
)
_TILES = (
    "SELECT tile_level, tile_index, hashes FROM merkle_tiles"
    " WHERE tile_level = {level} AND tile_index {indices}"
)
_ANCHORS = (
    "SELECT id, tree_size, root, statement_hash, batch_seq, chain_id, registry_address,"
    " chain_seq, tx_hash, block_number, status FROM anchors"
    " WHERE status IN ('submitted', 'confirmed') AND block_number IS NOT NULL"
    " AND chain_seq IS NOT NULL AND tx_hash IS NOT NULL ORDER BY id"
)
_STATUS = (
    "SELECT start_index, status FROM batches WHERE end_index > {index} ORDER BY end_index LIMIT 1"
)
_LOGGED = "SELECT 1 FROM checkpoints WHERE tree_size > {index} LIMIT 1"

# The newest cosigned checkpoint that includes leaf {index}, else the newest checkpoint.
_CHECKPOINT_SIZE = (
    "SELECT COALESCE((SELECT MAX(tree_size) FROM checkpoint_cosignatures"
    " WHERE tree_size > {index}), (SELECT MAX(tree_size) FROM checkpoints))"
)
_CHECKPOINT_NOTE = (
    "SELECT c.note, s.line FROM checkpoints c LEFT JOIN checkpoint_cosignatures s"
    " ON s.tree_size = c.tree_size WHERE c.tree_size = {size}"
    " ORDER BY s.witness_name, s.key_id"
)

#: Seconds a proof read waits for a pooled connection before the database counts as
#: unavailable (in normal operation a connection is idle, or opens in milliseconds).
POOL_WAIT_SECONDS = 5.0
#: The same for a read replica: shorter, since the primary can answer instead.
REPLICA_WAIT_SECONDS = 1.0


class EntryRow(NamedTuple):
    """An entry as a proof needs it, with its leaf's level-0 tile (``None`` if unsealed)."""

    leaf_index: int
    leaf_hash: bytes
    document: bytes | None
    redacted: bool
    leaf_tile: bytes | None


class CheckpointRead(NamedTuple):
    """The signed checkpoint of ``tree_size`` (``None``: none signed), read with an entry."""

    tree_size: int
    note: bytes | None


class AnchorRow(NamedTuple):
    """An anchor whose transaction is mined: the head it recorded, and where."""

    anchor_id: int
    tree_size: int
    root: bytes
    statement_hash: bytes
    batch_seq: int
    chain_id: int
    registry_address: str
    chain_seq: int
    tx_hash: bytes
    block_number: int
    status: str


class ProofRows(Protocol):
    """The reads behind proofs."""

    def entry(self, external_id: str) -> EntryRow | None:
        """The entry with ``external_id`` and its leaf tile, if the entry exists."""
        ...

    def entry_with_checkpoint(
        self, external_id: str, tree_size: int | None
    ) -> tuple[EntryRow | None, CheckpointRead | None]:
        """The entry (as :meth:`entry`) and, when it can be had in the same query, the
        signed checkpoint of ``tree_size`` or else of the first mined anchor that includes
        the leaf (``None``: not read; ask :meth:`checkpoint_note`)."""
        ...

    def tiles(self, ids: Sequence[TileId]) -> dict[TileId, bytes]:
        """The stored tiles among ``ids``."""
        ...

    def mined_anchors(self) -> list[AnchorRow]:
        """Every anchor whose transaction is mined (submitted or confirmed), by id."""
        ...

    def entry_status(self, leaf_index: int) -> str:
        """The status of the batch holding leaf ``leaf_index`` (without one: ``logged``
        when a checkpoint includes it, else ``pending``)."""
        ...

    def checkpoint_size(self, leaf_index: int) -> int | None:
        """The size of the newest cosigned checkpoint including leaf ``leaf_index``, else
        of the newest checkpoint (``None`` before the first)."""
        ...

    def checkpoint_note(self, tree_size: int) -> bytes | None:
        """The signed checkpoint of ``tree_size`` with its cosignature lines, if signed."""
        ...


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


def _anchor_row(row: Sequence[Any]) -> AnchorRow:
    anchor_id, size, root, statement, batch_seq, chain_id, registry, seq, tx, block, status = row
    return AnchorRow(
        anchor_id=int(anchor_id),
        tree_size=int(size),
        root=bytes(root),
        statement_hash=bytes(statement),
        batch_seq=int(batch_seq),
        chain_id=int(chain_id),
        registry_address=str(registry),
        chain_seq=int(seq),
        tx_hash=bytes(tx),
        block_number=int(block),
        status=str(status),
    )


def _note(rows: Sequence[Sequence[Any]]) -> bytes | None:
    """The signed note of the first row, with every row's cosignature line appended."""
    if not rows:
        return None
    lines = "".join(f"{row[1]}\n" for row in rows if row[1] is not None)
    return (str(rows[0][0]) + lines).encode("utf-8")


def entry_with_checkpoint_row(
    rows: Sequence[Sequence[Any]],
) -> tuple[EntryRow | None, CheckpointRead | None]:
    """The entry and signed checkpoint of what :data:`ENTRY_WITH_CHECKPOINT` answered."""
    if not rows:
        return None, None
    row = rows[0]
    size, note = row[5], row[6]
    checkpoint = None
    if size is not None:
        checkpoint = CheckpointRead(int(size), None if note is None else str(note).encode())
    return _entry_row(row[:5]), checkpoint


def _status(row: Sequence[Any] | None, leaf_index: int) -> str:
    if row is None or row[0] > leaf_index:
        return "pending"
    return str(row[1])


class SqlProofRows:
    """:class:`ProofRows` over a SQLAlchemy connection (any database)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def entry(self, external_id: str) -> EntryRow | None:
        statement = text(_ENTRY.format(external_id=":external_id"))
        row = self._connection.execute(statement, {"external_id": external_id}).first()
        return _entry_row(row)

    def entry_with_checkpoint(
        self, external_id: str, tree_size: int | None
    ) -> tuple[EntryRow | None, CheckpointRead | None]:
        return self.entry(external_id), None  # not the busy path: the note is asked apart

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

    def mined_anchors(self) -> list[AnchorRow]:
        return [_anchor_row(row) for row in self._connection.execute(text(_ANCHORS))]

    def entry_status(self, leaf_index: int) -> str:
        statement = text(_STATUS.format(index=":index"))
        status = _status(
            self._connection.execute(statement, {"index": leaf_index}).first(), leaf_index
        )
        if status == "pending":
            logged = text(_LOGGED.format(index=":index"))
            if self._connection.execute(logged, {"index": leaf_index}).first() is not None:
                return "logged"
        return status

    def checkpoint_size(self, leaf_index: int) -> int | None:
        statement = text(_CHECKPOINT_SIZE.format(index=":index"))
        size = self._connection.execute(statement, {"index": leaf_index}).scalar()
        return None if size is None else int(size)

    def checkpoint_note(self, tree_size: int) -> bytes | None:
        statement = text(_CHECKPOINT_NOTE.format(size=":size"))
        return _note(list(self._connection.execute(statement, {"size": tree_size})))


class PsycopgProofRows:
    """:class:`ProofRows` over a psycopg connection in autocommit mode; its few queries
    are prepared on the server at once, unless the connection's ``prepare_threshold`` is
    ``None`` (behind a transaction pooler: see ``_pool``)."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self._connection = connection

    def _rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self._connection.cursor(binary=True) as cursor:
            cursor.execute(sql, params, prepare=True)
            return cursor.fetchall()

    def entry(self, external_id: str) -> EntryRow | None:
        rows = self._rows(_ENTRY.format(external_id="%s"), (external_id,))
        return _entry_row(rows[0] if rows else None)

    def entry_with_checkpoint(
        self, external_id: str, tree_size: int | None
    ) -> tuple[EntryRow | None, CheckpointRead | None]:
        sql = ENTRY_WITH_CHECKPOINT.format(size="%s::bigint", external_id="%s")
        return entry_with_checkpoint_row(self._rows(sql, (tree_size, external_id)))

    def tiles(self, ids: Sequence[TileId]) -> dict[TileId, bytes]:
        sql = _TILES.format(level="%s", indices="= ANY(%s)")
        found: dict[TileId, bytes] = {}
        for level, indices in _by_level(ids):
            for tile_level, tile_index, hashes in self._rows(sql, (level, indices)):
                found[TileId(int(tile_level), int(tile_index))] = bytes(hashes)
        return found

    def mined_anchors(self) -> list[AnchorRow]:
        return [_anchor_row(row) for row in self._rows(_ANCHORS, ())]

    def entry_status(self, leaf_index: int) -> str:
        rows = self._rows(_STATUS.format(index="%s"), (leaf_index,))
        status = _status(rows[0] if rows else None, leaf_index)
        if status == "pending" and self._rows(_LOGGED.format(index="%s"), (leaf_index,)):
            return "logged"
        return status

    def checkpoint_size(self, leaf_index: int) -> int | None:
        rows = self._rows(_CHECKPOINT_SIZE.format(index="%s"), (leaf_index,))
        return None if not rows or rows[0][0] is None else int(rows[0][0])

    def checkpoint_note(self, tree_size: int) -> bytes | None:
        return _note(self._rows(_CHECKPOINT_NOTE.format(size="%s"), (tree_size,)))


class ProofRowSource:
    """Where one API worker's proof threads read: ``connections`` pooled psycopg
    connections on PostgreSQL (one per thread), a read session per use elsewhere."""

    def __init__(
        self, database: Database, connections: int, *, wait_seconds: float = POOL_WAIT_SECONDS
    ) -> None:
        self._database = database
        self._pool = (
            _pool(database.engine, connections, wait_seconds)
            if is_postgresql(database.engine)
            else None
        )

    @contextmanager
    def rows(self) -> Iterator[ProofRows]:
        """Rows for one request; an unreachable database is ``DatabaseUnavailableError``."""
        if self._pool is None:
            with unit_of_work(self._database.reader) as session:
                yield SqlProofRows(session.connection())
            return
        try:
            with self._pool.connection() as connection:
                yield PsycopgProofRows(connection)
        except psycopg.OperationalError as exc:  # the pool's PoolTimeout included
            raise DatabaseUnavailableError(f"database unavailable ({type(exc).__name__})") from exc

    def close(self) -> None:
        """Close the pooled connections (the pool cannot be used afterwards)."""
        if self._pool is not None:
            self._pool.close()


def _pool(
    engine: Engine, size: int, wait_seconds: float
) -> ConnectionPool[psycopg.Connection[Any]]:
    """Up to ``size`` autocommit connections to the database of ``engine``, opened when
    first needed. A connection found broken is replaced on demand: an attempt to
    reconnect that fails is given up at once (``reconnect_timeout=0``) rather than
    retried with growing delays, so the next request after an outage connects again."""
    url = engine.url.set(drivername="postgresql")
    kwargs: dict[str, Any] = {"autocommit": True}
    if transaction_pooling(engine):  # no server-side prepared statements behind PgBouncer
        kwargs["prepare_threshold"] = None
    return ConnectionPool(
        url.render_as_string(hide_password=False),
        kwargs=kwargs,
        min_size=0,
        max_size=size,
        timeout=wait_seconds,
        reconnect_timeout=0,
        name="proof-reads",
        open=True,
    )
