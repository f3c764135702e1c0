"""Leases on PostgreSQL: one holder at a time, kept by renewing, correct behind PgBouncer.

A lease is a row of ``leases`` (:class:`~anchor_service.db.models_leases.Lease`): the
holder's id, a fencing token, and an expiry on the database's clock. Every step is one
short transaction on a fresh connection, so nothing depends on a server session lasting:
a transaction pooler (PgBouncer ``pool_mode=transaction``) may run each on another server
connection, and a lost connection loses nothing but that one step.

- :meth:`PostgresLease.try_acquire`: ``INSERT ... ON CONFLICT DO UPDATE ... WHERE
  expires_at <= now() OR holder = me``: the row is taken when it has expired (or was
  released), and the fencing token goes up by one each time it changes hands.
- :meth:`PostgresLease.renew`: ``UPDATE ... WHERE holder = me AND token = mine AND
  expires_at > now()`` pushes the expiry ``lease_seconds`` past the database's now. It
  fails once the lease expired (another holder may have it by then, with a higher token).
- The holder stops trusting the lease *before* it expires: it counts ``lease_seconds``
  minus ``renew_seconds`` (the renew margin) from when it sent its last successful
  renewal, on its own monotonic clock (the database's expiry is later than that, since
  the database's ``now()`` comes after the sending). A renewal that fails, or has not
  answered by then, loses the lease: each step runs in a thread of its own that the
  caller waits for no longer than that, so a stalled connection (a pooler or network
  that stops answering, where no driver timeout fires) cannot keep a lost leader acting.
- :meth:`PostgresLease.release` expires the row now, so a waiting holder takes it on its
  next try instead of after the expiry.

SQLite has no server: :mod:`anchor_service.jobs.leadership` locks a file there.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine, TextClause, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from anchor_service.db.engine import create_database_engine
from anchor_service.settings import Settings

__all__ = ["PostgresLease"]

logger = logging.getLogger(__name__)

_ACQUIRE = text(
    "INSERT INTO leases AS l (name, holder, token, acquired_at, renewed_at, expires_at)"
    " VALUES (:name, :holder, 1, now(), now(),"
    " now() + make_interval(secs => CAST(:seconds AS double precision)))"
    " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, token = l.token + 1,"
    " acquired_at = excluded.acquired_at, renewed_at = excluded.renewed_at,"
    " expires_at = excluded.expires_at"
    " WHERE l.expires_at <= now() OR l.holder = excluded.holder"
    " RETURNING token"
)
_RENEW = text(
    "UPDATE leases SET renewed_at = now(),"
    " expires_at = now() + make_interval(secs => CAST(:seconds AS double precision))"
    " WHERE name = :name AND holder = :holder AND token = :token AND expires_at > now()"
    " RETURNING token"
)
_RELEASE = text(
    "UPDATE leases SET expires_at = now()"
    " WHERE name = :name AND holder = :holder AND token = :token AND expires_at > now()"
    " RETURNING token"
)
_T = TypeVar("_T")

_HOLDER = text("SELECT holder FROM leases WHERE name = :name AND expires_at > now()")


class PostgresLease:
    """The lease ``name`` for ``holder`` (a unique id, shown to the others).

    Requires a PostgreSQL database migrated to the ``leases`` table. Not thread-safe:
    one thread drives it.
    """

    def __init__(
        self,
        settings: Settings,
        name: str,
        *,
        holder: str,
        lease_seconds: float,
        renew_seconds: float,
    ) -> None:
        if lease_seconds <= renew_seconds:
            raise ValueError("lease_seconds must be longer than renew_seconds (the margin)")
        self.name = name
        self.holder_id = holder[:255]
        self.lease_seconds = lease_seconds
        self.renew_seconds = renew_seconds
        self._trust_seconds = lease_seconds - renew_seconds
        step = max(self._trust_seconds, 0.1)  # the most a step may take
        self._statement_timeout_ms = max(1, round(step * 1000))
        self._engine: Engine = create_database_engine(
            settings,
            poolclass=NullPool,
            connect_args={
                "application_name": self.holder_id[:63],
                "connect_timeout": max(2, math.ceil(step)),  # libpq's least is 2 s
                "keepalives": 1,
                "keepalives_idle": max(1, math.ceil(renew_seconds)),
                "keepalives_interval": 1,
                "keepalives_count": 3,
                "tcp_user_timeout": self._statement_timeout_ms,
            },
        )
        self.token: int | None = None
        self._trusted_until = 0.0  # monotonic

    @property
    def held(self) -> bool:
        """Whether this object holds the lease, as of its last step (no query)."""
        return self.token is not None and time.monotonic() < self._trusted_until

    def try_acquire(self) -> bool:
        """Take the lease if it is free or expired (renew it if held); ``True`` when
        this object holds it now. Raises ``DBAPIError`` when the database cannot be used,
        ``TimeoutError`` when it does not answer in time."""
        if self.token is not None:
            return self.renew()
        sent = time.monotonic()
        token = _within(self._trust_seconds, lambda: self._run(_ACQUIRE, None))
        if token is None:
            return False
        self.token = int(token)
        self._trusted_until = sent + self._trust_seconds
        if time.monotonic() >= self._trusted_until:
            self._lose("taken too late to be trusted (within the margin)")
            return False
        return True

    def renew(self) -> bool:
        """Push the expiry on; ``False`` (the lease is lost) when it is not held, has
        come within the renew margin of its expiry, or the renewal fails."""
        if self.token is None:
            return False
        sent = time.monotonic()
        if sent >= self._trusted_until:
            self._lose("no renewal succeeded in time; the lease expires within the margin")
            return False
        token = self.token
        try:
            renewed = _within(self._trusted_until - sent, lambda: self._run(_RENEW, token))
        except (DBAPIError, TimeoutError) as exc:
            self._lose(f"renewal failed: {_first_line(exc)}")
            return False
        if renewed is None:
            self._lose("the lease expired or changed hands")
            return False
        if time.monotonic() >= self._trusted_until:
            self._lose("the renewal came too late (within the margin)")
            return False
        self._trusted_until = sent + self._trust_seconds
        return True

    def current_holder(self) -> str | None:
        """The id of whoever holds the lease now (``None`` when free)."""
        value = _within(self._trust_seconds, lambda: self._run(_HOLDER, None))
        return None if value is None else str(value)

    def release(self) -> None:
        """Expire the lease now if this object holds it (safe to call when not held)."""
        token, self.token = self.token, None
        if token is None:
            return
        try:
            _within(self._trust_seconds, lambda: self._run(_RELEASE, token))
        except (DBAPIError, TimeoutError) as exc:  # it expires by itself
            logger.warning("lease %r: release failed (%s); it expires by itself",
                           self.name, _first_line(exc))  # fmt: skip

    def close(self) -> None:
        """Release, and dispose of the engine."""
        self.release()
        self._engine.dispose()

    def _run(self, statement: TextClause, token: int | None) -> Any:
        """Run ``statement`` in a transaction of its own with the step's statement timeout
        (``SET LOCAL``: transaction-scoped, so right behind a transaction pooler)."""
        parameters = {
            "name": self.name,
            "holder": self.holder_id,
            "token": token,
            "seconds": self.lease_seconds,
        }
        with self._engine.begin() as connection:
            connection.exec_driver_sql(
                f"SET LOCAL statement_timeout = {self._statement_timeout_ms}"
            )
            return connection.execute(statement, parameters).scalar()

    def _lose(self, why: str) -> None:
        logger.error("lease %r (token %s) lost: %s", self.name, self.token, why)
        self.token = None


def _within(seconds: float, step: Callable[[], _T]) -> _T:
    """``step()`` run in a daemon thread; its result or exception, or ``TimeoutError``
    when it has not finished after ``seconds`` (the thread is left to finish or fail)."""
    outcome: list[tuple[bool, Any]] = []

    def run() -> None:
        try:
            outcome.append((True, step()))
        except BaseException as exc:  # handed to the caller
            outcome.append((False, exc))

    thread = threading.Thread(target=run, name="lease-step", daemon=True)
    thread.start()
    thread.join(max(seconds, 0.0))
    if not outcome:
        raise TimeoutError(f"no answer from the database within {seconds:.1f} s")
    done, value = outcome[0]
    if done:
        return value  # type: ignore[no-any-return]
    raise value


def _first_line(exc: BaseException) -> str:
    text_ = str(exc)
    return f"{type(exc).__name__}: {text_.splitlines()[0] if text_ else ''}"
