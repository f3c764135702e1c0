"""Session factories and the unit of work.

Repositories add and flush but never commit; whoever opens the unit of work (one HTTP
request, one CLI command) commits once at the end or rolls back on error.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from anchor_service.db.engine import BEGIN_IMMEDIATE, create_database_engine
from anchor_service.errors import DatabaseUnavailableError
from anchor_service.settings import Settings

__all__ = ["Database", "is_unavailable", "unit_of_work"]


@dataclass(frozen=True)
class Database:
    """An engine and its two session factories.

    ``reader`` sessions begin ordinary transactions; ``writer`` sessions begin with the
    write lock on SQLite (``BEGIN IMMEDIATE``); on PostgreSQL both are the same.
    """

    engine: Engine
    reader: sessionmaker[Session]
    writer: sessionmaker[Session]

    @classmethod
    def from_engine(cls, engine: Engine) -> Database:
        write_engine = engine.execution_options(**{BEGIN_IMMEDIATE: True})
        return cls(
            engine=engine,
            reader=sessionmaker(engine, expire_on_commit=False),
            writer=sessionmaker(write_engine, expire_on_commit=False),
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        return cls.from_engine(create_database_engine(settings))

    def ping(self) -> None:
        """Run the smallest query; the driver's error (a ``SQLAlchemyError``) when the
        database cannot be used."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database", "disk i/o error")


def is_unavailable(exc: BaseException) -> bool:
    """True for driver errors that mean the database cannot be used right now.

    Connection refused or lost, server shutting down, SQLite locked or unreadable. Not:
    a missing table (SQLite also reports that as ``OperationalError``) or bad SQL.
    """
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError):
        return False
    if isinstance(exc.orig, sqlite3.Error):
        message = str(exc.orig).lower()
        return any(marker in message for marker in _SQLITE_UNAVAILABLE)
    return True


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Yield a session; commit when the block ends normally, roll back if it raises.

    Raises :class:`DatabaseUnavailableError` (from the driver error) when the database
    cannot be reached or used.
    """
    try:
        with factory() as session:
            try:
                yield session
            except BaseException:
                session.rollback()
                raise
            session.commit()
    except DBAPIError as exc:
        if is_unavailable(exc):
            raise DatabaseUnavailableError(
                f"database unavailable ({type(exc.orig).__name__})"
            ) from exc
        raise
