"""Reconciliations: stored once, read by id, listed newest first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from anchor_service.db.models_reconciliations import Reconciliation
from anchor_service.errors import NotFoundError

__all__ = ["ReconciliationRepository"]


class ReconciliationRepository:
    """Adds and reads reconciliations. Adds and flushes; the caller commits."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, reconciliation: Reconciliation) -> None:
        """Store ``reconciliation``."""
        self._session.add(reconciliation)
        self._session.flush()

    def get(self, reconciliation_id: str) -> Reconciliation:
        """The reconciliation ``reconciliation_id``; :class:`NotFoundError` if unknown."""
        found = self._session.get(Reconciliation, reconciliation_id)
        if found is None:
            raise NotFoundError(f"no reconciliation {reconciliation_id!r}")
        return found

    def latest(self, limit: int) -> list[Reconciliation]:
        """The ``limit`` most recent reconciliations, newest first."""
        statement = (
            select(Reconciliation)
            .order_by(Reconciliation.created_at.desc(), Reconciliation.id)
            .limit(limit)
        )
        return list(self._session.scalars(statement))
