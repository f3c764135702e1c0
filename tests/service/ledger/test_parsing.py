"""Parsing bodies: one error per failure, with field path and bulk index."""

from __future__ import annotations

import json
from typing import Any

import pytest

from anchor_service.errors import InvalidEntryError
from anchor_service.ledger import parse_bulk, parse_entry


def _entry(external_id: str = "e-1", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_id": external_id,
        "occurred_at": "2026-11-21T08:15:00+07:00",
        "postings": [
            {"account": "a", "amount": "-1", "currency": "IDR"},
            {"account": "b", "amount": "1", "currency": "IDR"},
        ],
    }
    body.update(overrides)
    return body


def test_field_paths_point_inside_the_entry() -> None:
    body = _entry(postings=[{"account": "a", "amount": 1.5, "currency": "IDR"}] * 2)
    with pytest.raises(InvalidEntryError) as caught:
        parse_entry(json.dumps(body))
    assert caught.value.field == "postings.0.amount"
    assert caught.value.index is None
    assert caught.value.detail.startswith("postings.0.amount: must be an integer")


def test_bulk_errors_carry_the_item_index() -> None:
    entries = [_entry("e-0"), _entry("e-1", occurred_at="2026-11-21T08:15:00")]
    with pytest.raises(InvalidEntryError) as caught:
        parse_bulk(json.dumps({"entries": entries}), max_items=10)
    assert (caught.value.index, caught.value.field) == (1, "occurred_at")


def test_bulk_rejects_repeated_external_ids() -> None:
    entries = [_entry("e-0"), _entry("e-1"), _entry("e-0")]
    with pytest.raises(InvalidEntryError) as caught:
        parse_bulk(json.dumps({"entries": entries}), max_items=10)
    assert (caught.value.index, caught.value.field) == (2, "external_id")
    assert "first at index 0" in caught.value.detail


def test_bulk_item_limit() -> None:
    entries = [_entry(f"e-{i}") for i in range(3)]
    assert len(parse_bulk(json.dumps({"entries": entries}), max_items=3)) == 3
    with pytest.raises(InvalidEntryError) as caught:
        parse_bulk(json.dumps({"entries": entries}), max_items=2)
    assert caught.value.field == "entries"


@pytest.mark.parametrize(
    ("raw", "field", "detail"),
    [
        (b"{", None, "request body is not valid JSON"),
        (b"", None, "request body is not valid JSON"),
        (b'{"description": "\\ud800"}', None, "request body is not valid JSON"),
        (b"[]", None, "must be a JSON object"),
        (json.dumps({**_entry(), "extra": 1}).encode(), "extra", "extra: unknown field"),
        (json.dumps({"external_id": "x"}).encode(), "occurred_at", "occurred_at: field required"),
    ],
)
def test_malformed_bodies_are_invalid_entries(raw: bytes, field: str | None, detail: str) -> None:
    with pytest.raises(InvalidEntryError) as caught:
        parse_entry(raw)
    assert caught.value.field == field
    assert caught.value.detail.startswith(detail)
