"""Locks across processes: held until a transaction ends, or for as long as a process wants.

- :func:`hold_until_commit`: one holder at a time of ``key`` until the session's
  transaction ends. PostgreSQL: ``pg_advisory_xact_lock``; SQLite: the writer session's
  own ``BEGIN IMMEDIATE`` already holds the database's only write lock.
- :class:`AdvisoryLock`: a PostgreSQL session-level ``pg_advisory_lock`` held on a
  dedicated connection (autocommit, TCP keepalives). If the connection dies the server
  ends the session and frees the lock; the holder notices on its next
  :meth:`~AdvisoryLock.still_held` (the query fails). Advisory locks are per database, so
  holders on other databases of the same server do not interfere. (SQLite has no
  server: :mod:`anchor_service.jobs.leadership` locks a file there.)
"""

from __future__ import annotations

import contextlib
import logging

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from anchor_service.db.dialect import is_postgresql
from anchor_service.db.engine import create_database_engine
from anchor_service.settings import Settings

__all__ = ["AdvisoryLock", "hold_until_commit"]

logger = logging.getLogger(__name__)

# A bigint advisory key shows in pg_locks as classid (high 32 bits), objid (low), objsubid 1.
_HELD_BY_ME = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND pid = pg_backend_pid()"
    " AND classid::bigint = :high AND objid::bigint = :low AND objsubid = 1"
)
_HOLDER = (
    "SELECT a.application_name, a.client_addr FROM pg_locks l"
    " JOIN pg_stat_activity a ON a.pid = l.pid"
    " WHERE l.locktype = 'advisory' AND l.granted"
    " AND l.classid::bigint = :high AND l.objid::bigint = :low AND l.objsubid = 1"
    " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def hold_until_commit(session: Session, key: int) -> None:
    """Wait for, then hold, the lock ``key`` until the session's transaction ends.

    Requires a writer session (:attr:`~anchor_service.db.session.Database.writer`) on
    SQLite, where that session's write lock is the lock.
    """
    if is_postgresql(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


class AdvisoryLock:
    """``pg_advisory_lock(key)`` held on a dedicated connection named ``application_name``
    (which :meth:`holder` shows to the others). Requires a PostgreSQL database."""

    def __init__(self, settings: Settings, key: int, *, application_name: str) -> None:
        self.key = key
        self._key_parts = {"high": key >> 32, "low": key & 0xFFFFFFFF}
        self._engine: Engine = create_database_engine(
            settings,
            poolclass=NullPool,
            isolation_level="AUTOCOMMIT",
            connect_args={
                "application_name": application_name[:63],
                "connect_timeout": 10,
                "keepalives": 1,
                "keepalives_idle": 10,
                "keepalives_interval": 5,
                "keepalives_count": 3,
                "tcp_user_timeout": 30_000,
            },
        )
        self._connection: Connection | None = None

    def try_acquire(self) -> bool:
        """Take the lock if it is free; ``True`` when this object holds it now.

        Raises ``DBAPIError`` when the database cannot be reached.
        """
        if self._connection is None:
            self._connection = self._engine.connect()
        try:
            acquired = bool(
                self._connection.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
                ).scalar_one()
            )
        except DBAPIError:
            self._drop_connection()
            raise
        return acquired

    def still_held(self) -> bool:
        """Whether the lock is still held (``False`` once its connection is lost)."""
        if self._connection is None:
            return False
        try:
            held = self._connection.execute(text(_HELD_BY_ME), self._key_parts).scalar_one()
        except DBAPIError as exc:
            logger.error("advisory lock %d: connection lost: %s", self.key,
                         str(exc).splitlines()[0])  # fmt: skip
            self._drop_connection()
            return False
        return bool(held)

    def holder(self) -> str | None:
        """``"<application name> from <address>"`` of the holder, ``None`` when free."""
        with self._engine.connect() as connection:
            row = connection.execute(text(_HOLDER), self._key_parts).first()
        if row is None:
            return None
        name, address = row
        return f"{name or 'unknown'}" + (f" from {address}" if address else "")

    def release(self) -> None:
        """Give the lock up (safe to call when not held)."""
        if self._connection is None:
            return
        with contextlib.suppress(DBAPIError):  # else the session is gone, and its lock
            self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        self._drop_connection()

    def close(self) -> None:
        """Release, and dispose of the engine."""
        self.release()
        self._engine.dispose()

    def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(DBAPIError):
                connection.invalidate()
                connection.close()
