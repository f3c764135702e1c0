"""Read replicas: where the read-only work of one API worker goes.

With ``ANCHOR_DATABASE_READ_URL`` set (one or more PostgreSQL streaming replicas of
``ANCHOR_DATABASE_URL``, comma-separated), :class:`ReadDatabases` holds an engine per
replica beside the primary's. Whoever routes a read (the API's
:mod:`anchor_service.api.replica_reads`) picks a replica with :meth:`ReadDatabases.choose`
(round robin over the replicas not marked down) and runs the read inside
:meth:`ReadDatabases.reading_from`; the read's session, proof rows and API key lookup
then take :meth:`ReadDatabases.current`, which is the primary everywhere else. Writes
never look at it: they use the primary's :class:`~anchor_service.db.session.Database`.

A replica that cannot be reached is marked down for :data:`DOWN_SECONDS` (reads go to
another replica or the primary meanwhile) and tried again after. A replica whose replay
is more than ``ANCHOR_DATABASE_READ_MAX_LAG_SECONDS`` behind is left out until it catches
up: a thread started by :meth:`ReadDatabases.start` asks each replica every
:data:`LAG_CHECK_SECONDS`. :meth:`ReadDatabases.states` tells ``/healthz/detail`` each
replica's state and how far its replay is behind the primary.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from anchor_service.db.engine import create_database_engine
from anchor_service.db.session import Database
from anchor_service.settings import Settings

__all__ = [
    "DOWN_SECONDS",
    "LAG_CHECK_SECONDS",
    "ReadDatabases",
    "Replica",
    "ReplicaState",
    "lsn_to_int",
    "replica_name",
]

logger = logging.getLogger(__name__)

#: Seconds a replica found unreachable is left out before it is tried again.
DOWN_SECONDS = 5.0

#: How often the replicas' replay lag is measured (when a maximum lag is set).
LAG_CHECK_SECONDS = 1.0

#: The database the current read runs on (``None``: the primary).
_READ_FROM: ContextVar[Database | None] = ContextVar("anchor_read_from", default=None)

_REPLICA_SQL = text(
    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,"
    " CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END"
)
_PRIMARY_SQL = text("SELECT pg_current_wal_lsn()::text")
# Seconds since the newest transaction replayed, while WAL received waits for replay
# (0 when everything received is replayed: an idle primary is not lag; NULL while none
# was replayed since the replica started).
_LAG_SQL = text(
    "SELECT CASE WHEN pg_last_wal_receive_lsn() IS NULL"
    " OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
)


def replica_name(url: str) -> str:
    """``host:port/database`` of ``url``: what answers and logs call a replica (never
    its user or password)."""
    parsed = make_url(url)
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"


def lsn_to_int(lsn: str) -> int:
    """A PostgreSQL WAL position (``16/B374D848``) as a byte offset."""
    high, _, low = lsn.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


@dataclass(frozen=True, eq=False)
class Replica:
    """One streaming replica: its name (``host:port/database``) and its engine."""

    name: str
    database: Database


@dataclass(frozen=True)
class ReplicaState:
    """What ``/healthz/detail`` says of a replica.

    ``state``: ``ok``; ``replay paused`` (``pg_wal_replay_pause()``); ``behind``
    (left out: replay lag over the maximum); ``down``
    (left out after a failed read, for up to :data:`DOWN_SECONDS`); ``unavailable:
    <reason>``; ``not a replica`` (the server is not in recovery: it takes writes).
    ``lag_bytes``: WAL the primary wrote that the replica has not replayed (``None``
    when either cannot be asked); ``lag_seconds``: how old the newest transaction it
    replayed is while more waits for replay (0 when it has replayed all it received).
    ``behind``: left out for a lag over the maximum.
    """

    name: str
    state: str
    lag_bytes: int | None = None
    lag_seconds: float | None = None
    replay_paused: bool | None = None


class ReadDatabases:
    """The primary and the replicas reads may go to (none: every read is the primary's)."""

    def __init__(
        self,
        primary: Database,
        replicas: Sequence[Replica] = (),
        *,
        max_lag_seconds: float = 0.0,
        down_seconds: float = DOWN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary = primary
        self.replicas = tuple(replicas)
        self.max_lag_seconds = max_lag_seconds
        self._down_seconds = down_seconds
        self._clock = clock
        self._down_until: dict[int, float] = {}
        self._behind: frozenset[int] = frozenset()  # ids of replicas over the maximum lag
        self._turn = itertools.count()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._watch: threading.Thread | None = None

    @classmethod
    def from_settings(cls, settings: Settings, primary: Database) -> ReadDatabases:
        """The replicas of ``ANCHOR_DATABASE_READ_URL`` (engines connect lazily)."""
        replicas = [
            Replica(
                replica_name(url),
                Database.from_engine(create_database_engine(settings, database_url=url)),
            )
            for url in settings.database_read_urls
        ]
        return cls(primary, replicas, max_lag_seconds=settings.database_read_max_lag_seconds)

    @property
    def configured(self) -> bool:
        """True when at least one replica is configured."""
        return bool(self.replicas)

    def choose(self, exclude: Sequence[Replica] = ()) -> Replica | None:
        """The next replica (round robin) not marked down nor in ``exclude``; ``None``
        when there is none (read from the primary)."""
        count = len(self.replicas)
        if count == 0:
            return None
        now = self._clock()
        start = next(self._turn)
        for step in range(count):
            replica = self.replicas[(start + step) % count]
            if replica in exclude or id(replica) in self._behind:
                continue
            if self._down_until.get(id(replica), 0.0) <= now:
                return replica
        return None

    def start(self) -> None:
        """Start measuring the replicas' lag every :data:`LAG_CHECK_SECONDS` (a daemon
        thread; nothing to do without replicas or without a maximum lag)."""
        if not self.replicas or self.max_lag_seconds <= 0 or self._watch is not None:
            return
        self._stop.clear()
        self._watch = threading.Thread(target=self._watch_lag, name="replica-lag", daemon=True)
        self._watch.start()

    def _watch_lag(self) -> None:
        while True:
            self.check_lag()
            if self._stop.wait(LAG_CHECK_SECONDS):
                return

    def check_lag(self) -> None:
        """Leave out the replicas whose replay is more than the maximum lag behind, and
        take back those that caught up (one that cannot be asked keeps its place)."""
        behind = set(self._behind)
        for replica in self.replicas:
            lag = self._lag_seconds(replica)
            if lag is None:
                continue
            if lag > self.max_lag_seconds and id(replica) not in behind:
                logger.warning(
                    "read replica %s is %.1f s behind: reads go elsewhere until it catches up",
                    replica.name,
                    lag,
                )
                behind.add(id(replica))
            elif lag <= self.max_lag_seconds:
                behind.discard(id(replica))
        self._behind = frozenset(behind)

    def _lag_seconds(self, replica: Replica) -> float | None:
        try:
            with replica.database.engine.connect() as connection:
                lag = connection.execute(_LAG_SQL).scalar_one()
        except SQLAlchemyError:
            return None
        return None if lag is None else float(lag)

    def mark_down(self, replica: Replica) -> None:
        """Leave ``replica`` out for :data:`DOWN_SECONDS` (it could not be reached)."""
        with self._lock:
            self._down_until[id(replica)] = self._clock() + self._down_seconds
        logger.warning(
            "read replica %s unreachable: reads go elsewhere for %g s",
            replica.name,
            self._down_seconds,
        )

    def is_down(self, replica: Replica) -> bool:
        return self._down_until.get(id(replica), 0.0) > self._clock()

    def current(self) -> Database:
        """The database the current read runs on: the replica of :meth:`reading_from`,
        else the primary."""
        database = _READ_FROM.get()
        return self.primary if database is None else database

    @contextmanager
    def reading_from(self, database: Database) -> Iterator[None]:
        """Make :meth:`current` answer ``database`` within the block (and in the threads
        the block hands work to with its context)."""
        token = _READ_FROM.set(database)
        try:
            yield
        finally:
            _READ_FROM.reset(token)

    def alive(self, replica: Replica) -> bool:
        """True when ``replica`` answers a query now."""
        try:
            replica.database.ping()
        except (SQLAlchemyError, OSError):
            return False
        return True

    def states(self) -> list[ReplicaState]:
        """Each replica's state and replay lag (one small query on each, and one on the
        primary)."""
        if not self.replicas:
            return []
        primary_lsn: int | None
        try:
            with self.primary.engine.connect() as connection:
                primary_lsn = lsn_to_int(str(connection.execute(_PRIMARY_SQL).scalar_one()))
        except SQLAlchemyError:
            primary_lsn = None
        return [self._state(replica, primary_lsn) for replica in self.replicas]

    def _state(self, replica: Replica, primary_lsn: int | None) -> ReplicaState:
        try:
            with replica.database.engine.connect() as connection:
                in_recovery, replay, paused = connection.execute(_REPLICA_SQL).one()
        except SQLAlchemyError as exc:
            return ReplicaState(replica.name, f"unavailable: {type(exc).__name__}")
        if not in_recovery:
            return ReplicaState(replica.name, "not a replica")
        lag = None
        if primary_lsn is not None and replay is not None:
            lag = max(primary_lsn - lsn_to_int(str(replay)), 0)
        if self.is_down(replica):
            state = "down"
        elif id(replica) in self._behind:
            state = "behind"
        elif paused:
            state = "replay paused"
        else:
            state = "ok"
        return ReplicaState(
            replica.name,
            state,
            lag_bytes=lag,
            lag_seconds=self._lag_seconds(replica),
            replay_paused=bool(paused),
        )

    def dispose(self) -> None:
        """Stop the lag thread; close the replicas' connections (not the primary's: its
        owner closes it)."""
        watch, self._watch = self._watch, None
        if watch is not None:
            self._stop.set()
            watch.join(timeout=5)
        for replica in self.replicas:
            replica.database.dispose()
