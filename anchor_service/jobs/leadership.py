"""The leader lock: only one scheduler acts at a time, however many run.

A scheduler process waits for the lock before it starts its jobs, checks it still holds
it every few seconds while they run, and stops them as soon as it does not (then waits
for it again). Two kinds, chosen by :func:`leader_lock_for` from the database URL:

- :class:`PostgresLeaderLock`: a lease (:class:`~anchor_service.db.leases.PostgresLease`,
  a row of ``leases`` with a holder, an expiry on the database's clock and a fencing
  token), taken and renewed in single short transactions, so that it works behind a
  transaction pooler (PgBouncer): a session-level advisory lock would be held by
  whichever server connection the pooler lent, not by this process. The leader renews
  it every ``ANCHOR_LEADER_RETRY_SECONDS`` and stops acting as soon as a renewal fails,
  or when less than one renewal interval is left of ``ANCHOR_LEADER_LEASE_SECONDS``
  since its last successful one (a stalled connection); another scheduler takes it over
  once it has expired, at most ``ANCHOR_LEADER_LEASE_SECONDS`` after the leader was lost,
  with the next fencing token. Leases live in the database, so schedulers of other
  databases on the same server do not interfere.
- :class:`FileLeaderLock` (SQLite): an exclusive ``flock`` on a file beside the
  database file (``anchor.db.scheduler-lock``), so two local schedulers do not both act.
  The kernel frees it when the process dies. Deleting the file counts as losing it.

:func:`audit_lock_for` gives a lock of the same two kinds for the on-demand tamper audit
(``POST /v1/admin/audit``), so that however many API workers serve it, one audit runs
at a time (the lease ``audit``, renewed by a thread while the audit runs;
``anchor.db.audit-lock`` beside a SQLite file).

The lock avoids duplicate work; it is not what keeps the data right. Sealing holds its
own lock per batch (``pg_advisory_xact_lock``, transaction-scoped, so right behind a
pooler too) and the database admits one anchor in flight, so a leader that has just
lost the lock and is finishing a job does no harm.
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import socket
import threading
import time
from pathlib import Path
from typing import Protocol

from sqlalchemy.exc import DBAPIError

from anchor_service.db.dialect import is_postgresql
from anchor_service.db.engine import normalize_database_url, sqlite_path
from anchor_service.db.leases import PostgresLease
from anchor_service.settings import Settings

__all__ = [
    "AUDIT_LEASE",
    "SCHEDULER_LEASE",
    "FileLeaderLock",
    "LeaderLock",
    "PostgresLeaderLock",
    "audit_lock_for",
    "leader_lock_for",
]

logger = logging.getLogger(__name__)

#: Name of the scheduler leader's lease (a row of ``leases``) on PostgreSQL.
SCHEDULER_LEASE = "scheduler"

#: Name of the on-demand audit's lease on PostgreSQL.
AUDIT_LEASE = "audit"

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
    """The lease ``name`` (:class:`~anchor_service.db.leases.PostgresLease`), held under
    an id naming this process (``anchor-service scheduler host:pid #random``).

    :meth:`still_held` renews it. With ``renew_in_background`` (the audit, whose holder
    is busy auditing) a thread renews it every ``ANCHOR_LEADER_RETRY_SECONDS`` instead,
    and :meth:`still_held` reports what that thread last saw.
    """

    def __init__(
        self, settings: Settings, *, name: str = SCHEDULER_LEASE, renew_in_background: bool = False
    ) -> None:
        self._lease = PostgresLease(
            settings,
            name,
            holder=f"{_identity()} #{secrets.token_hex(3)}",
            lease_seconds=settings.leader_lease_seconds,
            renew_seconds=settings.leader_retry_seconds,
        )
        self._background = renew_in_background
        self._renewer: threading.Thread | None = None
        self._stop_renewing = threading.Event()

    @property
    def token(self) -> int | None:
        """The fencing token while held: higher each time the lease changes hands."""
        return self._lease.token

    def describe(self) -> str:
        held = f", fencing token {self._lease.token}" if self._lease.token is not None else ""
        return f"PostgreSQL lease {self._lease.name!r}{held}"

    def try_acquire(self) -> bool:
        if not self._lease.try_acquire():
            return False
        if self._background and self._renewer is None:
            self._stop_renewing.clear()
            self._renewer = threading.Thread(
                target=self._renew_until_stopped, name=f"lease-{self._lease.name}", daemon=True
            )
            self._renewer.start()
        return True

    def still_held(self) -> bool:
        if self._background:
            return self._lease.held
        return self._lease.renew()

    def holder(self) -> str | None:
        return self._lease.current_holder()

    def release(self) -> None:
        renewer, self._renewer = self._renewer, None
        if renewer is not None:
            self._stop_renewing.set()
            renewer.join()
        self._lease.release()

    def close(self) -> None:
        """Release and dispose of the engine."""
        self.release()
        self._lease.close()

    def _renew_until_stopped(self) -> None:
        while not self._stop_renewing.wait(self._lease.renew_seconds):
            if not self._lease.renew():
                return


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
    """The leader lock for ``settings.database_url``: a lease on PostgreSQL, a file lock
    beside the SQLite file (in ``data_dir`` for an in-memory database)."""
    if is_postgresql(settings.database_url):
        return PostgresLeaderLock(settings, name=SCHEDULER_LEASE)
    return _file_lock_for(settings, "scheduler-lock")


def audit_lock_for(settings: Settings) -> PostgresLeaderLock | FileLeaderLock:
    """The lock that lets one on-demand audit run at a time across API workers (on
    PostgreSQL a lease that a thread renews while the audit runs)."""
    if is_postgresql(settings.database_url):
        return PostgresLeaderLock(settings, name=AUDIT_LEASE, renew_in_background=True)
    return _file_lock_for(settings, "audit-lock")


def _file_lock_for(settings: Settings, suffix: str) -> FileLeaderLock:
    path = sqlite_path(normalize_database_url(settings.database_url))
    if path is None:
        return FileLeaderLock(settings.data_dir / suffix)
    return FileLeaderLock(path.with_name(f"{path.name}.{suffix}"))
