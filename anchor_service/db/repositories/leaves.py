"""Leaf hashes and leaf bytes of stored entries, read in index order (sealing, tiles)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from anchor_service.db.dialect import first_column, prefer_index_range_scans
from anchor_service.db.models import Entry
from anchor_service.ledger.records import RECORD_ID_PREFIX

__all__ = ["LeafRepository"]

_entries = cast(Table, Entry.__table__)


class LeafRepository:
    """Reads the leaves of the log (the ``entries`` table) for sealing."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def hashes(self, start: int, end: int) -> list[bytes]:
        """Return the leaf hashes of leaves ``[start, end)`` in index order (one query).

        The list is shorter than ``end - start`` if some of those entries are missing.
        On PostgreSQL, sequential scans and JIT stay off for the rest of the transaction
        (:func:`~anchor_service.db.dialect.prefer_index_range_scans`).
        """
        prefer_index_range_scans(self._session)
        statement = (
            select(_entries.c.leaf_hash)
            .where(_entries.c.leaf_index >= start, _entries.c.leaf_index < end)
            .order_by(_entries.c.leaf_index)
        )
        return first_column(self._session, statement)

    def documents(self, start: int, end: int) -> list[bytes | None]:
        """Return the leaf bytes of leaves ``[start, end)`` in index order (one query).

        A redacted leaf's bytes are erased: ``None``. The list is shorter than
        ``end - start`` if some of those entries are missing.
        """
        statement = (
            select(_entries.c.document)
            .where(_entries.c.leaf_index >= start, _entries.c.leaf_index < end)
            .order_by(_entries.c.leaf_index)
        )
        return [
            None if document is None else bytes(document)
            for document in self._session.scalars(statement)
        ]

    def redacted_indices(self) -> list[int]:
        """The leaf indices of every redacted entry, ascending."""
        statement = (
            select(_entries.c.leaf_index)
            .where(_entries.c.redacted_at.is_not(None))
            .order_by(_entries.c.leaf_index)
        )
        return [int(index) for index in self._session.scalars(statement)]

    def record_count(self, start: int, end: int) -> int:
        """How many of leaves ``[start, end)`` are the service's own records (redaction
        records: ``anchor_service.ledger.records``), which have no postings."""
        statement = (
            select(func.count())
            .select_from(_entries)
            .where(
                _entries.c.leaf_index >= start,
                _entries.c.leaf_index < end,
                _entries.c.external_id.startswith(RECORD_ID_PREFIX, autoescape=True),
            )
        )
        return int(self._session.scalar(statement) or 0)

    def received_at(self, leaf_index: int) -> datetime | None:
        """When the entry at ``leaf_index`` was stored, or ``None`` if there is none."""
        return self._session.scalar(
            select(Entry.received_at).where(Entry.leaf_index == leaf_index)
        )
