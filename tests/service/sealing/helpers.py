"""Test helpers: store entries the way ingest does, and read the log back."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, inspect, select, text

from anchor_service.db.engine import normalize_database_url
from anchor_service.db.models import Entry
from anchor_service.db.repositories.entries import EntryRepository, StoredEntry
from anchor_service.db.session import Database, unit_of_work
from anchor_service.ledger import EntryIn, encode_entry

_counter = itertools.count()


def entry_payload(
    postings: Sequence[tuple[str, int, str]] | None = None, external_id: str | None = None
) -> dict[str, Any]:
    """A valid entry; ``postings`` as ``(account, amount, currency)`` (default: one IDR move)."""
    if postings is None:
        postings = [("wallet:user:981", -150000, "IDR"), ("escrow:project:42", 150000, "IDR")]
    return {
        "external_id": external_id or f"seal-test-{next(_counter)}",
        "occurred_at": "2026-11-21T08:15:00+07:00",
        "postings": [
            {"account": account, "amount": str(amount), "currency": currency}
            for account, amount, currency in postings
        ],
    }


class LogWriter:
    """Appends entries with :class:`EntryRepository` (postings included) and reads them back."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def add(self, payloads: Sequence[dict[str, Any]]) -> list[StoredEntry]:
        """Store ``payloads`` in one transaction, in order."""
        encoded = [
            encode_entry(EntryIn.model_validate(payload), max_metadata_bytes=4096)
            for payload in payloads
        ]
        with unit_of_work(self._database.writer) as session:
            return EntryRepository(session).append(encoded, received_at=datetime.now(UTC))

    def add_many(self, count: int, chunk: int = 5000) -> None:
        """Store ``count`` generated entries (one IDR move each)."""
        template = EntryIn.model_validate(entry_payload())
        for begin in range(0, count, chunk):
            encoded = [
                encode_entry(
                    template.model_copy(update={"external_id": f"bulk-{next(_counter)}"}),
                    max_metadata_bytes=4096,
                )
                for _ in range(min(chunk, count - begin))
            ]
            with unit_of_work(self._database.writer) as session:
                EntryRepository(session).append(encoded, received_at=datetime.now(UTC))

    def leaf_hashes(self) -> list[bytes]:
        """Every stored leaf hash, in index order."""
        with unit_of_work(self._database.reader) as session:
            return list(session.scalars(select(Entry.leaf_hash).order_by(Entry.leaf_index)))


def empty_database(url: str) -> None:
    """Delete every row of every table but the log counter (reset to 0) and Alembic's."""
    engine = create_engine(normalize_database_url(url))
    try:
        with engine.begin() as connection:
            tables = [
                name
                for name in inspect(connection).get_table_names()
                if name not in ("alembic_version", "log_state")
            ]
            if engine.dialect.name == "postgresql":
                connection.execute(text(f"TRUNCATE {', '.join(tables)}"))
            else:
                connection.execute(text("PRAGMA defer_foreign_keys = ON"))
                for name in tables:
                    connection.execute(text(f'DELETE FROM "{name}"'))
            connection.execute(text("UPDATE log_state SET next_index = 0"))
    finally:
        engine.dispose()
