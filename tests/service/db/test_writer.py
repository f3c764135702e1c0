"""The group-commit writer: concurrent callers, one writer thread, dense indices."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from anchor_service.db import Database
from anchor_service.db.writer import EntryWriter
from anchor_service.errors import EntryConflictError
from anchor_service.ledger import EncodedEntry, encode_entry, parse_entry


def _encoded(external_id: str, amount: int = 100) -> EncodedEntry:
    body = {
        "external_id": external_id,
        "occurred_at": "2026-11-21T01:15:00Z",
        "postings": [
            {"account": "a", "amount": -amount, "currency": "IDR"},
            {"account": "b", "amount": amount, "currency": "IDR"},
        ],
    }
    return encode_entry(parse_entry(json.dumps(body)), max_metadata_bytes=4096)


def test_concurrent_submissions_get_dense_indices(database: Database) -> None:
    writer = EntryWriter(database, max_group_entries=50)

    def post(thread: int) -> list[int]:
        indices: list[int] = []
        for n in range(40):
            if n % 10 == 0:
                batch = [_encoded(f"t{thread}-{n}-{k}") for k in range(5)]
                indices += [e.leaf_index for e in writer.submit(batch, bulk=True).result()]
            else:
                [stored] = writer.submit([_encoded(f"t{thread}-{n}")]).result()
                indices.append(stored.leaf_index)
        return indices

    try:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(post, range(8)))
    finally:
        writer.close()
    every = sorted(index for indices in results for index in indices)
    assert every == list(range(8 * (36 + 4 * 5)))
    with database.engine.connect() as connection:
        count, top = connection.execute(text("SELECT count(*), max(leaf_index) FROM entries")).one()
    assert (count, top) == (len(every), len(every) - 1)


def test_conflicts_reach_only_their_caller(database: Database) -> None:
    writer = EntryWriter(database)
    try:
        writer.submit([_encoded("a")]).result()
        clash = writer.submit([_encoded("a", amount=5)])
        fine = writer.submit([_encoded("b")])
        with pytest.raises(EntryConflictError):
            clash.result()
        assert fine.result()[0].leaf_index == 1
    finally:
        writer.close()


def test_asyncio_callers_await_their_entries(database: Database) -> None:
    writer = EntryWriter(database)

    async def main() -> list[int]:
        results = await asyncio.gather(*(writer.append([_encoded(f"x{i}")]) for i in range(30)))
        return sorted(stored.leaf_index for [stored] in results)

    try:
        assert asyncio.run(main()) == list(range(30))
    finally:
        writer.close()


def test_closed_writer_refuses_new_work(database: Database) -> None:
    writer = EntryWriter(database)
    writer.submit([_encoded("a")]).result()
    writer.close()
    with pytest.raises(RuntimeError, match="closed"):
        writer.submit([_encoded("b")])
