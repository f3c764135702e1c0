"""Engines for SQLite (embedded default) and PostgreSQL, with identical behaviour.

SQLite: WAL journal, foreign keys on, a busy timeout, and transactions begun explicitly
by SQLAlchemy (the driver's own implicit transactions are switched off). A connection
whose execution options carry ``sqlite_begin_immediate=True`` begins with
``BEGIN IMMEDIATE``: it takes the single write lock at the start, so two writers never
both hold a read snapshot and then deadlock trying to upgrade it.

PostgreSQL: ``postgresql://`` URLs use the psycopg 3 driver; a pool per process. With
``ANCHOR_DB_TRANSACTION_POOLING`` (the URL points at PgBouncer in transaction mode) the
driver's server-side prepared statements are off (``prepare_threshold=None``): psycopg
prepares a statement it has run 5 times on the server connection it ran on, and a
transaction pooler hands the next transaction another server connection, where the
prepared statement does not exist. (PgBouncer 1.21 and later can track prepared
statements, with ``max_prepared_statements``; Debian 12 ships 1.18.)
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import URL, Connection

from anchor_service.settings import Settings

__all__ = [
    "BEGIN_IMMEDIATE",
    "TRANSACTION_POOLING",
    "create_database_engine",
    "normalize_database_url",
    "sqlite_path",
    "transaction_pooling",
]

logger = logging.getLogger(__name__)

#: Execution option asking for ``BEGIN IMMEDIATE`` on SQLite (no effect elsewhere).
BEGIN_IMMEDIATE = "sqlite_begin_immediate"

#: Execution option marking an engine whose URL is a transaction pooler (see above).
TRANSACTION_POOLING = "anchor_transaction_pooling"


def normalize_database_url(url: str | URL) -> URL:
    """Parse a database URL; plain ``postgresql://``/``postgres://`` get the psycopg driver."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def sqlite_path(url: URL) -> Path | None:
    """Return the file of a SQLite URL, or ``None`` (not SQLite, or in memory)."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def create_database_engine(
    settings: Settings, *, database_url: str | None = None, **overrides: Any
) -> Engine:
    """Create the engine for ``settings.database_url``, or for ``database_url`` (a read
    replica's) with the same pool settings; creates a SQLite file's folder."""
    url = normalize_database_url(database_url or settings.database_url)
    if url.get_backend_name() == "sqlite":
        return _create_sqlite_engine(url, settings, **overrides)
    options: dict[str, Any] = {}
    if "poolclass" not in overrides:
        options.update(pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow)
    options.update(overrides)
    if settings.db_transaction_pooling:
        options["connect_args"] = {**options.get("connect_args", {}), "prepare_threshold": None}
        options["execution_options"] = {
            **options.get("execution_options", {}),
            TRANSACTION_POOLING: True,
        }
    return create_engine(url, **options)


def transaction_pooling(engine: Engine) -> bool:
    """Whether ``engine`` talks to a transaction pooler (``ANCHOR_DB_TRANSACTION_POOLING``):
    then no session-level state (``SET``, startup ``options``, prepared statements)."""
    return bool(engine.get_execution_options().get(TRANSACTION_POOLING, False))


def _create_sqlite_engine(url: URL, settings: Settings, **overrides: Any) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
    options.update(overrides)
    engine = create_engine(url, **options)
    busy_timeout = int(settings.sqlite_busy_timeout_ms)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy (see the "begin" listener).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_timeout}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if path is not None:
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(BEGIN_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    logger.debug("SQLite engine at %s", path or ":memory:")
    return engine
