"""Apply Alembic migrations from inside the installed package (``anchor-service db upgrade``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.pool import NullPool

from anchor_service.db.engine import create_database_engine
from anchor_service.settings import Settings

__all__ = ["MIGRATIONS_DIR", "current_revision", "downgrade", "head_revision", "upgrade"]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Migrate the database of ``settings`` to ``revision`` (idempotent)."""
    _run(command.upgrade, settings, revision)


def downgrade(settings: Settings, revision: str) -> None:
    """Migrate the database of ``settings`` back to ``revision`` (each step's downgrade)."""
    _run(command.downgrade, settings, revision)


def _run(step: Callable[[Config, str], None], settings: Settings, revision: str) -> None:
    """Alembic's ``step`` to ``revision``, in one transaction on the database of ``settings``."""
    config = _config()
    engine = create_database_engine(settings, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            step(config, revision)
    finally:
        engine.dispose()


def current_revision(settings: Settings) -> str | None:
    """The revision the database is at (``None`` before the first migration)."""
    engine = create_database_engine(settings, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str:
    """The newest revision shipped with this package."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return head
