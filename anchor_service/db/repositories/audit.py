"""The reads of the tamper audit (:mod:`anchor_service.services.audit`), from one snapshot.

The audit trusts nothing it reads: these queries take the tables as they are (a log
counter row that is not the one expected, entries beyond the end of the log, tiles that
are missing) and leave the judging to the audit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from anchor_service.db.dialect import read_one_snapshot, stored_as_bytes
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
            .where(Entry.leaf_index >= start, Entry.leaf_index < stop)
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

    def entries_from(self, start: int) -> Iterator[tuple[int, str]]:
        """``(leaf_index, external_id)`` of every entry at or beyond ``start``, by index."""
        statement = (
            select(Entry.leaf_index, Entry.external_id)
            .where(Entry.leaf_index >= start)
            .order_by(Entry.leaf_index)
            .execution_options(yield_per=_STREAM_ROWS)
        )
        for index, external_id in self._session.execute(statement):
            yield int(index), str(external_id)

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
