"""Entries stored straight through the repository (the path ingest and the benchmarks
use: binary COPY on PostgreSQL), to build a large backlog quickly."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from anchor_service.db.repositories.entries import EntryRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.ledger import EntryIn, encode_entry

from .traffic import entry

CHUNK = 10_000


def store_backlog(database: Database, count: int) -> list[str]:
    """Append ``count`` new entries (real documents, salts and leaf hashes); their ids."""
    prefix = f"backlog-{secrets.token_hex(3)}"
    ids: list[str] = []
    for start in range(0, count, CHUNK):
        chunk = [f"{prefix}-{n}" for n in range(start, min(count, start + CHUNK))]
        encoded = [
            encode_entry(EntryIn.model_validate(entry(i)), max_metadata_bytes=4096) for i in chunk
        ]
        with unit_of_work(database.writer) as session:
            EntryRepository(session).append(encoded, received_at=datetime.now(UTC), bulk=True)
        ids += chunk
    return ids
