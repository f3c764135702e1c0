"""Which database a command would use, said before it runs or when it fails.

Run outside a set-up, the default ``sqlite:///./.data/anchor.db`` names a file that does
not exist; opening it would create an empty database and the command would then fail on
a missing table. :func:`missing_database` says so first, and nothing is created;
:func:`database_hint` explains a database error (a SQLite file without tables is new,
not broken).

SQLAlchemy is imported only inside the functions: the verifier-only install imports
this module too.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
from contextlib import closing
from pathlib import Path

from anchor_service.errors import DatabaseUnavailableError
from anchor_service.settings import Settings

__all__ = ["database_hint", "missing_database", "refuse_missing_database"]


def missing_database(args: argparse.Namespace, settings: Settings) -> str | None:
    """Why a command that reads the database must not run: its SQLite file is missing."""
    if getattr(args, "database", "none") != "reads" or getattr(args, "url", None):
        return None  # no database, one it creates, one it checks itself, or an API (--url)
    return _missing_file(settings)


def refuse_missing_database(settings: Settings) -> None:
    """For a command that reports errors its own way (``audit``): raise
    :class:`~anchor_service.errors.DatabaseUnavailableError` when the SQLite file of
    the configured database is missing (see :func:`missing_database`)."""
    problem = _missing_file(settings)
    if problem is not None:
        raise DatabaseUnavailableError(problem)


def _missing_file(settings: Settings) -> str | None:
    path = _sqlite_file(settings)
    if path is None or path.exists():
        return None
    return (
        f"no database at {path} ({_source(settings)} {settings.database_url}); nothing was "
        "created.\nrun the command where the service's .env and .data are, or point "
        "ANCHOR_DATABASE_URL at its database; to start a new, empty one here, run "
        "`anchor-service db upgrade`"
    )


def database_hint(settings: Settings) -> str:
    """The line after a database error: which database, and what to do."""
    path = _sqlite_file(settings)
    if path is not None and path.exists() and not _has_tables(path):
        return (
            f"the database {path} ({_source(settings)}) is empty (a new file, no tables): "
            "create its tables with `anchor-service db upgrade`, or point "
            "ANCHOR_DATABASE_URL at the service's database"
        )
    from sqlalchemy.engine import make_url

    shown = str(path) if path is not None else _without_secrets(make_url(settings.database_url))
    return (
        f"is the database {shown} ({_source(settings)}) reachable, and migrated "
        "(`anchor-service db upgrade`)?"
    )


def _sqlite_file(settings: Settings) -> Path | None:
    """The absolute path of the configured SQLite file (``None``: not a SQLite file)."""
    from anchor_service.db.engine import normalize_database_url, sqlite_path

    try:
        path = sqlite_path(normalize_database_url(settings.database_url))
    except ValueError:  # not a URL at all: the command reports it
        return None
    return None if path is None else Path(os.path.abspath(path))


def _has_tables(path: Path) -> bool:
    """Whether the SQLite file holds any table (opened read-only; unreadable: assume so)."""
    try:
        with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as connection:
            return connection.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None
    except sqlite3.Error:
        return True


def _source(settings: Settings) -> str:
    """Where the database URL came from, as the reader would look for it."""
    if "database_url" not in settings.model_fields_set:
        return "the default ANCHOR_DATABASE_URL"
    if any(name.upper() == "ANCHOR_DATABASE_URL" for name in os.environ):
        return "ANCHOR_DATABASE_URL"
    return "ANCHOR_DATABASE_URL in .env"


def _without_secrets(url: object) -> str:
    """Backend, host and database name of a URL: no user, password or query."""
    from sqlalchemy.engine import URL

    assert isinstance(url, URL)
    host = f"{url.host}:{url.port}" if url.port else (url.host or "")
    return f"{url.get_backend_name()}://{host}/{url.database or ''}"
