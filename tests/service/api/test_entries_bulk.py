"""POST /v1/entries/bulk: all or nothing, indices in request order, item index in errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from anchor_service.api import create_app
from anchor_service.api.schemas import BulkEntriesOut
from anchor_service.db import Database, Role
from anchor_service.settings import Settings

Auth = Callable[[Role], dict[str, str]]
MakeEntry = Callable[..., dict[str, Any]]


def test_bulk_stores_every_entry_in_order(
    client: TestClient, auth: Auth, make_entry: MakeEntry
) -> None:
    entries = [make_entry() for _ in range(50)]
    response = client.post("/v1/entries/bulk", json={"entries": entries}, headers=auth(Role.WRITER))
    assert response.status_code == 201
    body = BulkEntriesOut.model_validate(response.json())
    assert (body.created, body.existing) == (50, 0)
    assert [item.external_id for item in body.entries] == [e["external_id"] for e in entries]
    assert [item.leaf_index for item in body.entries] == list(range(50))
    assert all(item.created and item.status.value == "pending" for item in body.entries)


def test_bulk_replay_returns_200_and_the_stored_leaves(
    client: TestClient, auth: Auth, make_entry: MakeEntry
) -> None:
    headers = auth(Role.WRITER)
    entries = [make_entry() for _ in range(3)]
    first = client.post("/v1/entries/bulk", json={"entries": entries}, headers=headers).json()
    again = client.post("/v1/entries/bulk", json={"entries": entries}, headers=headers)
    assert again.status_code == 200
    assert again.json()["existing"] == 3 and again.json()["created"] == 0
    assert [i["leaf_hash"] for i in again.json()["entries"]] == [
        i["leaf_hash"] for i in first["entries"]
    ]


def test_bulk_mixing_stored_and_new_entries_creates_only_the_new(
    client: TestClient, auth: Auth, make_entry: MakeEntry
) -> None:
    headers = auth(Role.WRITER)
    old = make_entry()
    client.post("/v1/entries", json=old, headers=headers)
    response = client.post(
        "/v1/entries/bulk", json={"entries": [make_entry(), old, make_entry()]}, headers=headers
    )
    assert response.status_code == 201
    items = response.json()["entries"]
    assert [(i["leaf_index"], i["created"]) for i in items] == [(1, True), (0, False), (2, True)]


def test_one_invalid_item_rejects_the_whole_request(
    client: TestClient,
    auth: Auth,
    make_entry: MakeEntry,
    stored_count: Callable[[], tuple[int, int]],
) -> None:
    entries = [make_entry(), make_entry(), make_entry(occurred_at="2026-11-21T08:15:00")]
    response = client.post("/v1/entries/bulk", json={"entries": entries}, headers=auth(Role.WRITER))
    assert response.status_code == 422
    body = response.json()
    assert (body["error"], body["field"], body["index"]) == ("InvalidEntry", "occurred_at", 2)
    assert stored_count() == (0, 0)


def test_one_conflicting_item_rejects_the_whole_request(
    client: TestClient,
    auth: Auth,
    make_entry: MakeEntry,
    stored_count: Callable[[], tuple[int, int]],
) -> None:
    headers = auth(Role.WRITER)
    client.post("/v1/entries", json=make_entry(external_id="taken"), headers=headers)
    entries = [make_entry(), make_entry(external_id="taken", amount=3), make_entry()]
    response = client.post("/v1/entries/bulk", json={"entries": entries}, headers=headers)
    assert response.status_code == 409
    body = response.json()
    assert (body["error"], body["field"], body["index"]) == ("EntryConflict", None, 1)
    assert "'taken'" in body["detail"]
    assert stored_count() == (1, 1)


def test_repeated_external_id_inside_one_request_is_rejected(
    client: TestClient, auth: Auth, make_entry: MakeEntry
) -> None:
    entry = make_entry()
    response = client.post(
        "/v1/entries/bulk", json={"entries": [entry, make_entry(), entry]},
        headers=auth(Role.WRITER),
    )
    assert response.status_code == 422
    assert (response.json()["field"], response.json()["index"]) == ("external_id", 2)


def test_empty_and_oversized_bulks_are_rejected(
    settings: Settings, database: Database, make_key: Callable[[Role], str], make_entry: MakeEntry
) -> None:
    app: FastAPI = create_app(settings.model_copy(update={"max_bulk_items": 3}), database)
    headers = {"Authorization": f"Bearer {make_key(Role.WRITER)}"}
    with TestClient(app) as client:
        empty = client.post("/v1/entries/bulk", json={"entries": []}, headers=headers)
        four = client.post(
            "/v1/entries/bulk", json={"entries": [make_entry() for _ in range(4)]},
            headers=headers,
        )
        three = client.post(
            "/v1/entries/bulk", json={"entries": [make_entry() for _ in range(3)]},
            headers=headers,
        )
    assert (empty.status_code, empty.json()["field"]) == (422, "entries")
    assert (four.status_code, four.json()["field"]) == (422, "entries")
    assert "at most 3 entries" in four.json()["detail"]
    assert three.status_code == 201
