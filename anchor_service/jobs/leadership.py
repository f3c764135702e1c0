"""The leader lock: only one scheduler acts at a time, however many run.

A scheduler process waits for the lock before it starts its jobs, checks it still holds
it every few seconds while they run, and stops them as soon as it does not (then waits
for it again). Two kinds, chosen by :func:`leader_lock_for` from the database URL:

- :class:`PostgresLeaderLock`: a session-level advisory lock on a dedicated connection
  (:class:`~anchor_service.db.locks.AdvisoryLock`) held for as long as the process
  leads. If the connection dies the server ends the session and frees the lock; the
  leader notices on its next check and stops acting. Advisory locks are per database,
  so schedulers of other databases on the same server do not interfere.
- :class:`FileLeaderLock` (SQLite): an exclusive ``flock`` on a file beside the
  database file (``anchor.db.scheduler-lock``), so two local schedulers do not both act.
  The kernel frees it when the process dies. Deleting the file counts as losing it.

:func:`audit_lock_for` gives a lock of the same two kinds for the on-demand tamper audit
(``POST /v1/admin/audit``), so that however many API workers serve it, one audit runs
at a time (another advisory key; ``anchor.db.audit-lock`` beside a SQLite file).

The lock avoids duplicate work; it is not what keeps the data right. Sealing holds its
own lock per batch and the database admits one anchor in flight, so a leader that has
just lost the lock and is finishing a job does no harm.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import threading
import time
from pathlib import Path
from typing import Protocol

from sqlalchemy.exc import DBAPIError

from anchor_service.db.dialect import is_postgresql
from anchor_service.db.engine import normalize_database_url, sqlite_path
from anchor_service.db.locks import AdvisoryLock
from anchor_service.settings import Settings

__all__ = [
    "AUDIT_LOCK_KEY",
    "LEADER_LOCK_KEY",
    "FileLeaderLock",
    "LeaderLock",
    "PostgresLeaderLock",
    "audit_lock_for",
    "leader_lock_for",
]

logger = logging.getLogger(__name__)

#: PostgreSQL advisory lock key of the scheduler leader ("an-sched"); sealing uses another.
LEADER_LOCK_KEY = int.from_bytes(b"an-sched", "big")

#: PostgreSQL advisory lock key of the on-demand audit ("an-audit").
AUDIT_LOCK_KEY = int.from_bytes(b"an-audit", "big")

#: How often a waiting scheduler says it is still waiting.
WAITING_LOG_SECONDS = 60.0


class LeaderLock(Protocol):
    """What the scheduler needs from a leader lock."""

    def try_acquire(self) -> bool:
        """Take the lock if it is free; ``True`` when this process holds it now."""
        ...

    def still_held(self) -> bool:
        """Whether this process still holds the lock it acquired."""
        ...

    def holder(self) -> str | None:
        """Who holds the lock now, for the log (``None`` when unknown)."""
        ...

    def release(self) -> None:
        """Give the lock up (safe to call when not held)."""
        ...

    def close(self) -> None:
        """Release the lock and free what holds it (connections)."""
        ...

    def describe(self) -> str:
        """What is locked, for the log."""
        ...


def _identity() -> str:
    return f"anchor-service scheduler {socket.gethostname()}:{os.getpid()}"


def wait_for_leadership(
    lock: LeaderLock,
    stop: threading.Event,
    *,
    retry_seconds: float,
    log_every: float = WAITING_LOG_SECONDS,
) -> bool:
    """Try ``lock`` every ``retry_seconds`` until it is ours (``True``) or ``stop`` is set
    (``False``); says once a minute that it is waiting. Errors reaching the database are
    logged and retried."""
    next_log = 0.0
    while not stop.is_set():
        try:
            if lock.try_acquire():
                logger.info("leader lock acquired (%s); this scheduler acts", lock.describe())
                return True
            problem = None
        except (DBAPIError, OSError) as exc:
            problem = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        now = time.monotonic()
        if now >= next_log:
            if problem is not None:
                logger.warning("cannot take the leader lock (%s); retrying", problem)
            else:
                holder = _safe_holder(lock)
                logger.info(
                    "another scheduler holds the lock%s; waiting (%s)",
                    f" ({holder})" if holder else "",
                    lock.describe(),
                )
            next_log = now + log_every
        stop.wait(retry_seconds)
    return False


def _safe_holder(lock: LeaderLock) -> str | None:
    try:
        return lock.holder()
    except (DBAPIError, OSError):
        return None


class PostgresLeaderLock:
    """``pg_advisory_lock(LEADER_LOCK_KEY)`` held on a dedicated connection
    (:class:`~anchor_service.db.locks.AdvisoryLock`), named after this process."""

    def __init__(self, settings: Settings, *, key: int = LEADER_LOCK_KEY) -> None:
        self._lock = AdvisoryLock(settings, key, application_name=_identity())

    def describe(self) -> str:
        return f"PostgreSQL advisory lock {self._lock.key}"

    def try_acquire(self) -> bool:
        return self._lock.try_acquire()

    def still_held(self) -> bool:
        return self._lock.still_held()

    def holder(self) -> str | None:
        return self._lock.holder()

    def release(self) -> None:
        self._lock.release()

    def close(self) -> None:
        """Release and dispose of the engine."""
        self._lock.close()


class FileLeaderLock:
    """An exclusive ``flock`` on ``path`` (created if missing), held by an open file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def describe(self) -> str:
        return f"file lock {self.path}"

    def try_acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{_identity()}\n".encode())
        self._fd = fd
        return True

    def still_held(self) -> bool:
        if self._fd is None:
            return False
        try:
            same_file = os.fstat(self._fd).st_ino == os.stat(self.path).st_ino
        except FileNotFoundError:
            same_file = False
        if not same_file:
            logger.error("leader lock file %s was removed or replaced", self.path)
        return same_file

    def holder(self) -> str | None:
        try:
            text_ = self.path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return text_ or None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                os.ftruncate(fd, 0)
            finally:
                os.close(fd)  # closing the descriptor releases the flock

    def close(self) -> None:
        self.release()


def leader_lock_for(settings: Settings) -> PostgresLeaderLock | FileLeaderLock:
    """The leader lock for ``settings.database_url``: advisory lock on PostgreSQL, a file
    lock beside the SQLite file (in ``data_dir`` for an in-memory database)."""
    return _lock_for(settings, "scheduler-lock", LEADER_LOCK_KEY)


def audit_lock_for(settings: Settings) -> PostgresLeaderLock | FileLeaderLock:
    """The lock that lets one on-demand audit run at a time across API workers."""
    return _lock_for(settings, "audit-lock", AUDIT_LOCK_KEY)


def _lock_for(settings: Settings, suffix: str, key: int) -> PostgresLeaderLock | FileLeaderLock:
    if is_postgresql(settings.database_url):
        return PostgresLeaderLock(settings, key=key)
    path = sqlite_path(normalize_database_url(settings.database_url))
    if path is None:
        return FileLeaderLock(settings.data_dir / suffix)
    return FileLeaderLock(path.with_name(f"{path.name}.{suffix}"))
