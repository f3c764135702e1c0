"""POST /v1/entries and GET /v1/entries/{external_id}: storing, replaying, conflicts."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

import rfc8785
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from anchor_service.api.schemas import EntryOut
from anchor_service.db import Database, Role
from anchor_service.services.redaction import redact_entry
from anchor_service.services.sealing import seal_pending
from anchor_service.settings import Settings

Auth = Callable[[Role], dict[str, str]]


def test_post_stores_the_entry_and_returns_its_leaf(
    client: TestClient, auth: Auth, make_entry: Callable[..., dict[str, Any]]
) -> None:
    entry = make_entry(external_id="pay-2026-11-21-000123")
    response = client.post("/v1/entries", json=entry, headers=auth(Role.WRITER))
    assert response.status_code == 201
    assert response.headers["location"] == "/v1/entries/pay-2026-11-21-000123"
    body = EntryOut.model_validate(response.json())
    assert (body.external_id, body.status.value, body.leaf_index) == (
        "pay-2026-11-21-000123", "pending", 0
    )
    document = body.document
    assert document["occurred_at"] == "2026-11-21T01:15:00Z"
    assert document["postings"] == entry["postings"]
    assert len(bytes.fromhex(document["salt"])) == 16
    leaf = rfc8785.dumps(document)
    assert body.leaf_hash == hashlib.sha256(b"\x00" + leaf).hexdigest()


def test_get_returns_what_post_returned(
    client: TestClient, auth: Auth, make_entry: Callable[..., dict[str, Any]]
) -> None:
    entry = make_entry()
    created = client.post("/v1/entries", json=entry, headers=auth(Role.WRITER)).json()
    response = client.get(f"/v1/entries/{entry['external_id']}", headers=auth(Role.AUDITOR))
    assert response.status_code == 200
    assert response.json() == created


def test_leaf_indices_are_dense_across_requests(
    client: TestClient, auth: Auth, make_entry: Callable[..., dict[str, Any]]
) -> None:
    headers = auth(Role.WRITER)
    indices = [
        client.post("/v1/entries", json=make_entry(), headers=headers).json()["leaf_index"]
        for _ in range(5)
    ]
    assert indices == [0, 1, 2, 3, 4]


def test_same_external_id_and_body_returns_the_original_with_200(
    client: TestClient,
    auth: Auth,
    make_entry: Callable[..., dict[str, Any]],
    stored_count: Callable[[], tuple[int, int]],
) -> None:
    headers = auth(Role.WRITER)
    entry = make_entry()
    first = client.post("/v1/entries", json=entry, headers=headers)
    # The same entry written differently (integer amounts, another offset) is the same body.
    equivalent = {
        **entry,
        "occurred_at": "2026-11-21T01:15:00Z",
        "postings": [{**p, "amount": int(p["amount"])} for p in entry["postings"]],
    }
    again = client.post("/v1/entries", json=equivalent, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    # a replay answers the stored entry without its salt (issue 17, item 6)
    original = first.json()
    del original["document"]["salt"]
    assert again.json() == original
    assert stored_count() == (1, 1)


def test_another_writer_guessing_a_body_does_not_get_the_salt(
    client: TestClient, auth: Auth, make_entry: Callable[..., dict[str, Any]]
) -> None:
    entry = make_entry()
    first = client.post("/v1/entries", json=entry, headers=auth(Role.WRITER))
    salt = first.json()["document"]["salt"]
    guessed = client.post("/v1/entries", json=entry, headers=auth(Role.WRITER))  # another key
    assert guessed.status_code == 200
    assert "salt" not in guessed.json()["document"]
    assert salt not in guessed.text
    assert guessed.json()["leaf_hash"] == first.json()["leaf_hash"]


def test_same_external_id_with_another_body_is_a_409(
    client: TestClient,
    auth: Auth,
    make_entry: Callable[..., dict[str, Any]],
    stored_count: Callable[[], tuple[int, int]],
) -> None:
    headers = auth(Role.WRITER)
    client.post("/v1/entries", json=make_entry(external_id="pay-1"), headers=headers)
    response = client.post(
        "/v1/entries", json=make_entry(external_id="pay-1", amount=1), headers=headers
    )
    assert response.status_code == 409
    assert response.json() == {
        "error": "EntryConflict",
        "detail": "external_id 'pay-1' is already stored with a different body; "
        "an external_id names one entry and cannot be reused",
        "field": None,
        "index": None,
    }
    assert stored_count() == (1, 1)


def test_get_of_an_unknown_entry_is_a_404(client: TestClient, auth: Auth) -> None:
    response = client.get("/v1/entries/nope", headers=auth(Role.AUDITOR))
    assert response.status_code == 404
    assert response.json() == {
        "error": "NotFound",
        "detail": "no entry with external_id 'nope'",
        "field": None,
        "index": None,
    }


def test_stored_documents_are_canonical_and_their_hashes_recompute(
    client: TestClient,
    auth: Auth,
    make_entry: Callable[..., dict[str, Any]],
    database_url: str,
) -> None:
    headers = auth(Role.WRITER)
    client.post(
        "/v1/entries", json=make_entry(metadata={"z": 1, "a": [True, None]}), headers=headers
    )
    client.post("/v1/entries", json=make_entry(description=None, metadata=None), headers=headers)
    client.post(
        "/v1/entries/bulk", json={"entries": [make_entry() for _ in range(20)]}, headers=headers
    )
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT leaf_index, document, salt, leaf_hash, content_hash FROM entries "
                    "ORDER BY leaf_index"
                )
            ).all()
    finally:
        engine.dispose()
    assert [row.leaf_index for row in rows] == list(range(22))
    for row in rows:
        document = bytes(row.document)
        parsed = json.loads(document)
        assert bytes(row.leaf_hash) == hashlib.sha256(b"\x00" + document).digest()
        assert rfc8785.dumps(parsed) == document
        assert parsed["salt"] == bytes(row.salt).hex()
        del parsed["salt"]
        assert bytes(row.content_hash) == hashlib.sha256(rfc8785.dumps(parsed)).digest()


def test_reposting_a_redacted_entry_says_it_was_redacted(
    client: TestClient, auth: Auth, make_entry: Callable[..., dict[str, Any]],
    database: Database, settings: Settings,
) -> None:
    headers = auth(Role.WRITER)
    entry = make_entry()
    assert client.post("/v1/entries", json=entry, headers=headers).status_code == 201
    time.sleep(0.01)  # sealing takes the entries received before now
    assert seal_pending(database, settings)
    redact_entry(database, entry["external_id"])

    again = client.post("/v1/entries", json=entry, headers=headers)
    assert again.status_code == 409
    assert again.json()["error"] == "EntryRedacted"
    assert "redacted" in again.json()["detail"]
    assert "different body" not in again.json()["detail"]
    bulk = client.post(
        "/v1/entries/bulk", json={"entries": [make_entry(), entry]}, headers=headers
    )
    assert bulk.status_code == 409
    assert (bulk.json()["error"], bulk.json()["index"]) == ("EntryRedacted", 1)
