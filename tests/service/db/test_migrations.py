"""Migrations: they build exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from anchor_service.db import migrate
from anchor_service.db.base import Base, load_models
from anchor_service.db.engine import normalize_database_url
from anchor_service.settings import Settings


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    load_models()
    engine = create_engine(normalize_database_url(database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_upgrade_is_idempotent_and_reaches_head(database_url: str) -> None:
    settings = Settings(_env_file=None, database_url=database_url)  # type: ignore[call-arg]
    migrate.upgrade(settings)
    migrate.upgrade(settings)
    assert migrate.current_revision(settings) == migrate.head_revision()


def test_log_state_starts_with_one_row_at_zero(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    migrate.upgrade(Settings(_env_file=None, database_url=url))  # type: ignore[call-arg]
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, next_index FROM log_state")).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in rows] == [(1, 0)]


def test_constraints_follow_the_naming_convention(database_url: str) -> None:
    engine = create_engine(normalize_database_url(database_url))
    try:
        inspector = inspect(engine)
        assert inspector.get_pk_constraint("entries")["name"] == "pk_entries"
        unique = {c["name"] for c in inspector.get_unique_constraints("entries")}
        assert "uq_entries_external_id" in unique
        checks = {c["name"] for c in inspector.get_check_constraints("entries")}
        assert {"ck_entries_salt_length", "ck_entries_leaf_hash_length"} <= checks
    finally:
        engine.dispose()
