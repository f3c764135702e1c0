"""Engines: URL handling, SQLite set-up, timezone-aware UTC timestamps on both backends."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from anchor_service.db import ApiKey, Database, Role, unit_of_work
from anchor_service.db.engine import normalize_database_url, sqlite_path
from anchor_service.settings import Settings


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgresql://postgres@127.0.0.1/db", "postgresql+psycopg"),
        ("postgres://postgres@127.0.0.1/db", "postgresql+psycopg"),
        ("postgresql+psycopg://postgres@127.0.0.1/db", "postgresql+psycopg"),
        ("sqlite:///./.data/anchor.db", "sqlite"),
    ],
)
def test_postgres_urls_use_psycopg(url: str, driver: str) -> None:
    assert normalize_database_url(url).drivername == driver


def test_sqlite_engine_creates_the_folder_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "anchor.db"
    url = f"sqlite:///{path}"
    assert sqlite_path(normalize_database_url(url)) == path
    database = Database.from_settings(
        Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    )
    try:
        with database.engine.connect() as connection:
            mode = connection.execute(text("PRAGMA journal_mode")).scalar_one()
            keys = connection.execute(text("PRAGMA foreign_keys")).scalar_one()
    finally:
        database.dispose()
    assert path.parent.is_dir()
    assert (mode, keys) == ("wal", 1)


def test_timestamps_come_back_aware_in_utc(database: Database) -> None:
    moment = datetime(2026, 11, 21, 8, 15, 30, 123456, tzinfo=timezone(timedelta(hours=7)))
    with unit_of_work(database.writer) as session:
        session.add(
            ApiKey(id="0" * 16, role=Role.ADMIN, secret_hash=b"\0" * 32, created_at=moment)
        )
    with unit_of_work(database.reader) as session:
        stored = session.scalars(select(ApiKey.created_at)).one()
    assert stored == moment
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)


def test_naive_timestamps_are_refused(database: Database) -> None:
    with pytest.raises(StatementError, match="naive datetime"), unit_of_work(
        database.writer
    ) as session:
        naive = datetime(2026, 1, 1)
        session.add(ApiKey(id="1" * 16, role=Role.ADMIN, secret_hash=b"\0" * 32, created_at=naive))
        session.flush()
