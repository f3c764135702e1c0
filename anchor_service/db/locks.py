"""Locks across processes, held until a transaction ends.

:func:`hold_until_commit`: one holder at a time of ``key`` until the session's
transaction ends. PostgreSQL: ``pg_advisory_xact_lock``, transaction-scoped, so it is
right behind a transaction pooler (PgBouncer) too; SQLite: the writer session's own
``BEGIN IMMEDIATE`` already holds the database's only write lock.

What a process holds for longer (the scheduler's leadership, the audit) is a lease
(:mod:`anchor_service.db.leases`), not a session-level advisory lock: a transaction
pooler lends a server session for one transaction only.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from anchor_service.db.dialect import is_postgresql

__all__ = ["hold_until_commit"]


def hold_until_commit(session: Session, key: int) -> None:
    """Wait for, then hold, the lock ``key`` until the session's transaction ends.

    Requires a writer session (:attr:`~anchor_service.db.session.Database.writer`) on
    SQLite, where that session's write lock is the lock.
    """
    if is_postgresql(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
