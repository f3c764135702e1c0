"""The reads of the tamper audit (:mod:`anchor_service.services.audit`), from one snapshot.

The audit trusts nothing it reads: these queries take the tables as they are (a log
counter row that is not the one expected, entries beyond the end of the log, tiles that
are missing) and leave the judging to the audit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from anchor_service.db.dialect import (
    is_postgresql,
    read_one_snapshot,
    storage_class,
    stored_as_bytes,
)
from anchor_service.db.models import Entry, LogState
from anchor_service.db.models_anchoring import Anchor
from anchor_service.db.models_sealing import Batch, MerkleTile
from anchor_service.merkle import TILE_HEIGHT

__all__ = ["AuditRepository", "AuditedEntry"]

#: Entries per round trip when looking for entries beyond the end of the log.
_STREAM_ROWS = 10_000


class AuditedEntry(NamedTuple):
    """What the audit checks of one stored entry, as stored.

    ``external_id``, ``document`` and ``leaf_hash`` are the bytes stored (``None`` for
    SQL ``NULL``); ``stored_as`` names their storage classes (``text``, ``blob``,
    ``integer``, ``real``, ``null``), in that order: on SQLite any column holds any type.
    """

    leaf_index: int
    external_id: bytes | None
    document: bytes | None
    leaf_hash: bytes | None
    redacted: bool
    stored_as: tuple[str, str, str]


class AuditRepository:
    """Reads everything the audit compares, in the caller's (read) transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def use_one_snapshot(self) -> None:
        """Make every later read of the transaction see one snapshot; call it first."""
        read_one_snapshot(self._session)

    def log_counter(self) -> int:
        """The log counter as stored (0 without a counter row)."""
        return int(self._session.scalar(select(LogState.next_index)) or 0)

    def batches(self) -> list[Batch]:
        """Every batch, by ``seq``."""
        return list(self._session.scalars(select(Batch).order_by(Batch.seq)))

    def anchors(self) -> list[Anchor]:
        """Every anchor record, oldest first."""
        return list(self._session.scalars(select(Anchor).order_by(Anchor.id)))

    def entries(self, start: int, stop: int) -> list[AuditedEntry]:
        """The stored entries with leaf indices in ``[start, stop)``, by index."""
        external_id, external_id_type = stored_as_bytes(self._session, Entry.external_id, "text")
        document, document_type = stored_as_bytes(self._session, Entry.document, "blob")
        leaf_hash, leaf_hash_type = stored_as_bytes(self._session, Entry.leaf_hash, "blob")
        rows = self._session.execute(
            select(
                Entry.leaf_index,
                external_id,
                document,
                leaf_hash,
                Entry.redacted_at.is_not(None),
                external_id_type,
                document_type,
                leaf_hash_type,
            )
            .where(Entry.leaf_index >= start, Entry.leaf_index < stop, self._integer_index())
            .order_by(Entry.leaf_index)
        )
        return [
            AuditedEntry(
                int(index),
                _as_bytes(external),
                _as_bytes(stored_document),
                _as_bytes(stored_leaf),
                bool(redacted),
                (str(types[0]), str(types[1]), str(types[2])),
            )
            for index, external, stored_document, stored_leaf, redacted, *types in rows
        ]

    def last_leaf_index(self) -> int | None:
        """The largest integer leaf index stored, ``None`` without entries."""
        value = self._session.scalar(
            select(func.max(Entry.leaf_index)).where(self._integer_index())
        )
        return None if value is None else int(value)

    def entries_from(self, start: int) -> Iterator[tuple[int, str]]:
        """``(leaf_index, external_id)`` of every entry at or beyond ``start``, by index."""
        external_id, _ = stored_as_bytes(self._session, Entry.external_id, "text")
        statement = (
            select(Entry.leaf_index, external_id)
            .where(Entry.leaf_index >= start, self._integer_index())
            .order_by(Entry.leaf_index)
            .execution_options(yield_per=_STREAM_ROWS)
        )
        for index, stored_id in self._session.execute(statement):
            yield int(index), _text(stored_id)

    def entries_without_an_index(self) -> list[tuple[bytes | None, str, str]]:
        """``(leaf index as stored, its storage class, external_id)`` of every entry whose
        leaf index is not an integer (SQLite stores text or a real number there too)."""
        if is_postgresql(self._session):
            return []
        index, index_type = stored_as_bytes(self._session, Entry.leaf_index, "integer")
        external_id, _ = stored_as_bytes(self._session, Entry.external_id, "text")
        rows = self._session.execute(
            select(index, index_type, external_id).where(index_type != "integer")
        )
        return [(_as_bytes(raw), str(kind), _text(stored_id)) for raw, kind, stored_id in rows]

    def _integer_index(self) -> ColumnElement[bool]:
        """Only rows whose leaf index is stored as an integer (always, on PostgreSQL)."""
        return storage_class(self._session, Entry.leaf_index, "integer") == "integer"

    def leaf_tiles(self, start: int, stop: int) -> dict[int, bytes]:
        """The stored level-0 tiles holding leaves ``[start, stop)``, by tile index."""
        if stop <= start:
            return {}
        rows = self._session.execute(
            select(MerkleTile.tile_index, MerkleTile.hashes).where(
                MerkleTile.tile_level == 0,
                MerkleTile.tile_index >= start >> TILE_HEIGHT,
                MerkleTile.tile_index <= (stop - 1) >> TILE_HEIGHT,
            )
        )
        return {int(tile_index): bytes(hashes) for tile_index, hashes in rows}


def _as_bytes(value: object) -> bytes | None:
    """A stored value as bytes (PostgreSQL gives the external id as ``str``)."""
    if value is None:
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode("utf-8")


def _text(value: object) -> str:
    """A stored external id as text (undecodable bytes replaced)."""
    return (_as_bytes(value) or b"").decode("utf-8", "replace")
