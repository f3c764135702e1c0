"""The log counter row: the single source of dense leaf indices."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from anchor_service.db.models import LOG_STATE_ID, LogState

__all__ = ["LogStateRepository"]

_log_state = cast(Table, LogState.__table__)


class LogStateRepository:
    """Reads, locks and advances the single ``log_state`` row."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def lock(self) -> int:
        """Lock the counter row for the rest of the transaction; return ``next_index``.

        PostgreSQL: ``SELECT ... FOR UPDATE``; concurrent writers queue here until the
        holder commits or rolls back, then read the committed value. SQLite has no row
        locks: writer sessions begin with ``BEGIN IMMEDIATE``, which already holds the
        database's single write lock.
        """
        statement = (
            select(_log_state.c.next_index)
            .where(_log_state.c.id == LOG_STATE_ID)
            .with_for_update()
        )
        return int(self._session.execute(statement).scalar_one())

    def advance(self, expected: int, count: int) -> int:
        """Move ``next_index`` from ``expected`` to ``expected + count``; return the new value.

        Requires the lock from :meth:`lock` (which returned ``expected``) and ``count >= 1``.
        """
        if count < 1:
            raise ValueError("count must be at least 1")
        result = self._session.execute(
            update(_log_state)
            .where(_log_state.c.id == LOG_STATE_ID, _log_state.c.next_index == expected)
            .values(next_index=expected + count)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise RuntimeError("log counter moved while locked; is another writer bypassing it?")
        return expected + count

    def next_index(self) -> int:
        """The leaf index the next entry will get (the number of entries stored)."""
        value = self._session.execute(
            select(LogState.next_index).where(LogState.id == LOG_STATE_ID)
        ).scalar_one()
        return int(value)
