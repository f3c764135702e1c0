"""Entry appends: dense indices, replays, conflicts isolated per request, all or nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text

from anchor_service.db import Database, unit_of_work
from anchor_service.db.repositories import EntryRepository, LogStateRepository
from anchor_service.db.repositories.entries import AppendRequest
from anchor_service.errors import EntryConflictError, NotFoundError
from anchor_service.ledger import EncodedEntry, encode_entry, parse_entry

NOW = datetime(2026, 11, 21, 1, 15, tzinfo=UTC)


def _encoded(external_id: str, amount: int = 100, **overrides: Any) -> EncodedEntry:
    body: dict[str, Any] = {
        "external_id": external_id,
        "occurred_at": "2026-11-21T08:15:00+07:00",
        "postings": [
            {"account": "wallet:a", "amount": -amount, "currency": "IDR"},
            {"account": "wallet:b", "amount": amount, "currency": "IDR"},
        ],
    }
    body.update(overrides)
    return encode_entry(parse_entry(json.dumps(body)), max_metadata_bytes=4096)


def _append(database: Database, *requests: list[EncodedEntry]) -> list[Any]:
    with unit_of_work(database.writer) as session:
        return EntryRepository(session).append_group(
            [AppendRequest(entries, bulk=True) for entries in requests], received_at=NOW
        )


def _indices(database: Database) -> list[int]:
    with database.engine.connect() as connection:
        rows = connection.execute(text("SELECT leaf_index FROM entries ORDER BY leaf_index"))
        return [row[0] for row in rows]


def _next_index(database: Database) -> int:
    with unit_of_work(database.reader) as session:
        return LogStateRepository(session).next_index()


def test_indices_are_dense_from_zero_in_request_order(database: Database) -> None:
    [first] = _append(database, [_encoded("a"), _encoded("b")])
    [second] = _append(database, [_encoded("c")])
    assert [e.leaf_index for e in first + second] == [0, 1, 2]
    assert all(e.created for e in first + second)
    assert _indices(database) == [0, 1, 2] and _next_index(database) == 3


def test_same_body_again_is_a_replay_of_the_stored_entry(database: Database) -> None:
    [[original]] = _append(database, [_encoded("a")])
    [[replayed]] = _append(database, [_encoded("a")])
    assert not replayed.created
    assert (replayed.leaf_index, replayed.leaf_hash, replayed.document) == (
        original.leaf_index, original.leaf_hash, original.document
    )
    assert _next_index(database) == 1


def test_conflict_stores_nothing_of_that_request_and_names_the_item(database: Database) -> None:
    _append(database, [_encoded("a")])
    [outcome] = _append(database, [_encoded("b"), _encoded("a", amount=999)])
    assert isinstance(outcome, EntryConflictError)
    assert (outcome.external_id, outcome.index) == ("a", 1)
    assert _indices(database) == [0] and _next_index(database) == 1


def test_requests_in_one_group_are_independent(database: Database) -> None:
    _append(database, [_encoded("taken")])
    ok_1, conflict, ok_2 = _append(
        database, [_encoded("x")], [_encoded("y"), _encoded("taken", amount=5)], [_encoded("z")]
    )
    assert isinstance(conflict, EntryConflictError)
    assert [e.leaf_index for e in ok_1 + ok_2] == [1, 2]
    assert _indices(database) == [0, 1, 2]


def test_a_later_request_in_the_group_replays_an_earlier_one(database: Database) -> None:
    first, again, clash = _append(
        database, [_encoded("a")], [_encoded("a")], [_encoded("a", amount=7)]
    )
    assert first[0].created and not again[0].created
    assert again[0].leaf_index == first[0].leaf_index == 0
    assert isinstance(clash, EntryConflictError)
    assert _next_index(database) == 1


def test_append_raises_the_conflict_for_a_single_request(database: Database) -> None:
    _append(database, [_encoded("a")])
    with unit_of_work(database.writer) as session, pytest.raises(EntryConflictError) as caught:
        EntryRepository(session).append([_encoded("a", amount=2)], received_at=NOW)
    assert caught.value.index is None
    assert "already stored with a different body" in caught.value.detail


def test_rolled_back_append_returns_its_indices(database: Database) -> None:
    with pytest.raises(RuntimeError), unit_of_work(database.writer) as session:
        EntryRepository(session).append([_encoded("lost")], received_at=NOW)
        raise RuntimeError("fail after insert")
    _append(database, [_encoded("kept")])
    assert _indices(database) == [0]


def test_get_returns_the_stored_row_or_not_found(database: Database) -> None:
    [[stored]] = _append(database, [_encoded("a")])
    with unit_of_work(database.reader) as session:
        entry = EntryRepository(session).get("a")
        assert (entry.leaf_index, entry.leaf_hash, entry.document) == (
            stored.leaf_index, stored.leaf_hash, stored.document
        )
        assert entry.received_at == NOW
        with pytest.raises(NotFoundError):
            EntryRepository(session).get("missing")


def test_find_handles_more_ids_than_one_lookup_chunk(database: Database) -> None:
    entries = [_encoded(f"e-{i}") for i in range(1203)]
    _append(database, entries)
    with unit_of_work(database.reader) as session:
        found = EntryRepository(session).find([e.external_id for e in entries] + ["nope"])
    assert len(found) == 1203
    assert found["e-1202"][1].leaf_index == 1202
