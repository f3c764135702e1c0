"""Alembic environment: runs migrations on the connection ``anchor_service.db.migrate`` gives.

When started by the ``alembic`` command line instead, it connects to the database named
by the service settings (``ANCHOR_DATABASE_URL`` / ``.env``).
"""

from __future__ import annotations

import logging.config

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from anchor_service.db.base import Base, load_models
from anchor_service.db.engine import create_database_engine
from anchor_service.settings import Settings

#: Any constant works; it only has to be the same for every migrating process.
_PG_MIGRATION_LOCK = 0x616E63686F72  # "anchor"

load_models()
config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Two replicas upgrading at once: the second waits, then finds nothing to do.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    if config.config_file_name is not None:
        logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)
    engine = create_database_engine(Settings(), poolclass=NullPool)
    try:
        with engine.begin() as own_connection:
            _run(own_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run them against a database")
_run_online()
