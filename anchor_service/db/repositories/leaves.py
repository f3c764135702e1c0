"""Leaf hashes of stored entries, read in index order for sealing."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, select, text
from sqlalchemy.orm import Session

from anchor_service.db.models import Entry

__all__ = ["LeafRepository"]

_entries = cast(Table, Entry.__table__)
_PG_LEAF_HASHES = (
    "SELECT leaf_hash FROM entries WHERE leaf_index >= %s AND leaf_index < %s"
    " ORDER BY leaf_index"
)
_FETCH_ROWS = 100_000


class LeafRepository:
    """Reads the leaves of the log (the ``entries`` table) for sealing."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def hashes(self, start: int, end: int) -> list[bytes]:
        """Return the leaf hashes of leaves ``[start, end)`` in index order (one query).

        The list is shorter than ``end - start`` if some of those entries are missing.
        On PostgreSQL, sequential scans and JIT stay off for the rest of the transaction.
        """
        connection = self._session.connection()
        if connection.dialect.name == "postgresql":
            # A range scan of the primary key, whatever the planner thinks of the table's
            # size (its cost is proportional to the range); no JIT compilation.
            self._session.execute(text("SET LOCAL enable_seqscan = off"))
            self._session.execute(text("SET LOCAL jit = off"))
            # Binary results: bytea arrives as raw bytes, no hex decoding per row.
            driver_connection = connection.connection.driver_connection
            assert driver_connection is not None
            result: list[bytes] = []
            with driver_connection.cursor(binary=True) as cursor:
                cursor.execute(_PG_LEAF_HASHES, (start, end))
                while rows := cursor.fetchmany(_FETCH_ROWS):
                    result.extend(row[0] for row in rows)
            return result
        statement = (
            select(_entries.c.leaf_hash)
            .where(_entries.c.leaf_index >= start, _entries.c.leaf_index < end)
            .order_by(_entries.c.leaf_index)
        )
        return list(self._session.scalars(statement))

    def received_at(self, leaf_index: int) -> datetime | None:
        """When the entry at ``leaf_index`` was stored, or ``None`` if there is none."""
        return self._session.scalar(
            select(Entry.received_at).where(Entry.leaf_index == leaf_index)
        )
