"""Hostile request bodies, one kind at a time: status, error body, nothing stored.

Runs in-process on SQLite and PostgreSQL. The same deep bodies are also sent to a real
uvicorn process in ``test_server_survives_bad_input.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from anchor_service.db.session import Database

from .bodies import DEEP_BODIES, ENTRY, MAX_BODY_BYTES, entry_bytes

StoredCount = Callable[[], tuple[int, int]]


@pytest.fixture
def client(fuzz_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(fuzz_app) as test_client:
        yield test_client


@pytest.fixture
def headers(admin_headers: dict[str, str]) -> dict[str, str]:
    return {**admin_headers, "Content-Type": "application/json"}


def _error(response: Any, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) >= {"error", "detail", "field", "index"}, body
    assert body["error"] == error, body
    return body


ENTRY_PATHS = ["/v1/entries", "/v1/entries/bulk"]
BODY_PATHS = [*ENTRY_PATHS, "/v1/proofs/verify", "/v1/admin/entries/pay-1/redact"]


@pytest.mark.parametrize("path", BODY_PATHS)
def test_a_body_over_the_limit_is_a_413_with_or_without_content_length(
    client: TestClient, headers: dict[str, str], stored_count: StoredCount, path: str
) -> None:
    declared = client.post(path, content=b" " * (MAX_BODY_BYTES + 1), headers=headers)

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while it streams
        for _ in range(MAX_BODY_BYTES // 65536 + 1):
            yield b" " * 65536

    streamed = client.post(path, content=chunks(), headers=headers)
    for response in (declared, streamed):
        body = _error(response, 413, "PayloadTooLarge")
        assert body["detail"] == f"request body is larger than {MAX_BODY_BYTES} bytes"
    assert stored_count() == (0, 0)


@pytest.mark.parametrize("path", ["/v1/entries", "/v1/entries/bulk", "/v1/proofs/verify"])
@pytest.mark.parametrize("name", sorted(DEEP_BODIES))
def test_deeply_nested_json_is_a_422(
    client: TestClient,
    headers: dict[str, str],
    stored_count: StoredCount,
    path: str,
    name: str,
) -> None:
    response = client.post(path, content=DEEP_BODIES[name], headers=headers)
    error = "InvalidRequest" if path == "/v1/proofs/verify" else "InvalidEntry"
    body = _error(response, 422, error)
    assert "recursion limit" in body["detail"] or "deep" in body["detail"], body
    assert stored_count() == (0, 0)


@pytest.mark.parametrize(
    "path", ["/v1/entries", "/v1/entries/bulk", "/v1/proofs/verify", "/v1/admin/entries/x/redact"]
)
def test_invalid_utf8_in_the_body_is_a_422(
    client: TestClient, headers: dict[str, str], stored_count: StoredCount, path: str
) -> None:
    good = entry_bytes() if path != "/v1/admin/entries/x/redact" else b'{"reason": "ok"}'
    bad = good.replace(b"Contribution", b"Contr\xff\xfebution").replace(b'"ok"', b'"o\xc3k"')
    assert bad != good
    if path == "/v1/entries/bulk":
        bad = b'{"entries": [' + bad + b"]}"
    response = client.post(path, content=bad, headers=headers)
    error = "InvalidEntry" if path in ENTRY_PATHS else "InvalidRequest"
    body = _error(response, 422, error)
    assert "JSON" in body["detail"] or "UTF-8" in body["detail"], body
    assert stored_count() == (0, 0)


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("1" + "0" * 31, "beyond 10^30"),
        ("1" + "0" * 1000, "beyond 10^30"),
        ("1e400", "fraction or exponent"),
        ("1.0", "fraction or exponent"),
        ("1.5", "fraction or exponent"),
        ("1e3", "fraction or exponent"),
        ('"1e3"', "digits with an optional leading '-'"),
        ('"1.0"', "digits with an optional leading '-'"),
        ('"1' + "0" * 31 + '"', "beyond 10^30"),
    ],
)
def test_huge_and_float_amounts_are_a_422(
    client: TestClient,
    headers: dict[str, str],
    stored_count: StoredCount,
    amount: str,
    reason: str,
) -> None:
    negative = "-" + amount if not amount.startswith('"') else '"-' + amount[1:]
    body = entry_bytes(amounts=(negative, amount))
    response = client.post("/v1/entries", content=body, headers=headers)
    error = _error(response, 422, "InvalidEntry")
    assert error["field"] == "postings.0.amount"
    assert reason in error["detail"], error
    assert stored_count() == (0, 0)


@pytest.mark.parametrize("value", ["1e400", "-1e400", "1" + "0" * 1000, "9007199254740992"])
def test_huge_numbers_in_metadata_are_a_422(
    client: TestClient, headers: dict[str, str], stored_count: StoredCount, value: str
) -> None:
    body = entry_bytes(metadata=f'{{"n": {value}}}')
    error = _error(client.post("/v1/entries", content=body, headers=headers), 422, "InvalidEntry")
    assert error["field"] == "metadata"
    assert stored_count() == (0, 0)


DUPLICATES = {
    "amount": entry_bytes(amounts=('"-1", "amount": "-2"', '"2"')),
    "external_id": entry_bytes().replace(
        b'{"external_id"', b'{"external_id": "other", "external_id"'
    ),
    "metadata key": entry_bytes(metadata='{"a": 1, "a": 2}'),
}


@pytest.mark.parametrize("name", sorted(DUPLICATES))
@pytest.mark.parametrize("path", ENTRY_PATHS)
def test_a_json_object_with_a_duplicate_key_is_rejected(
    client: TestClient, headers: dict[str, str], stored_count: StoredCount, name: str, path: str
) -> None:
    body = DUPLICATES[name]
    json.loads(body)  # well-formed JSON otherwise (the standard library keeps the last)
    if path == "/v1/entries/bulk":
        body = b'{"entries": [' + body + b"]}"
    error = _error(client.post(path, content=body, headers=headers), 422, "InvalidEntry")
    key = name.split()[-1] if name != "metadata key" else "a"
    assert f"key {key!r} twice" in error["detail"], error
    assert stored_count() == (0, 0)


LOOK_ALIKES = {
    "cyrillic a": "w\u0430llet:user:1",
    "fullwidth": "\uff57allet:user:1",
    "zero-width joiner": "wal\u200dlet:user:1",
    "zero-width space": "wallet:user:1\u200b",
    "upper case": "Wallet:user:1",
    "dotless i": "w\u0131llet:user:1",
    "kelvin sign k": "\u212aey:user:1",
    "nfd accent": "cafe\u0301:user:1",
}


@pytest.mark.parametrize("name", sorted(LOOK_ALIKES))
def test_look_alike_account_names_are_rejected_not_normalised(
    client: TestClient, headers: dict[str, str], stored_count: StoredCount, name: str
) -> None:
    body = entry_bytes(accounts=(LOOK_ALIKES[name], "escrow:project:42"))
    error = _error(client.post("/v1/entries", content=body, headers=headers), 422, "InvalidEntry")
    assert error["field"] == "postings.0.account"
    assert stored_count() == (0, 0)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("external_id", "p\u0430y-1"),  # Cyrillic a
        ("external_id", "\uff50ay-1"),  # fullwidth p
        ("currency", "ID\u0420"),  # Cyrillic R
        ("currency", "\uff29DR"),  # fullwidth I
        ("occurred_at", "\uff12\uff10\uff12\uff16-11-21T08:15:00Z"),  # fullwidth digits
        ("occurred_at", "\u0662\u0660\u0662\u0666-11-21T08:15:00Z"),  # Arabic-Indic digits
        ("occurred_at", "2026-11-21T08:15:00\u221207:00"),  # minus sign, not hyphen
    ],
)
def test_look_alikes_in_other_identifiers_are_rejected(
    client: TestClient,
    headers: dict[str, str],
    stored_count: StoredCount,
    field: str,
    value: str,
) -> None:
    document = json.loads(entry_bytes())
    if field == "currency":
        for posting in document["postings"]:
            posting["currency"] = value
        expected_field = "postings.0.currency"
    else:
        document[field] = value
        expected_field = field
    response = client.post("/v1/entries", json=document, headers=headers)
    error = _error(response, 422, "InvalidEntry")
    assert error["field"] == expected_field
    assert stored_count() == (0, 0)


SQL = "x'; DROP TABLE entries;--"
SQL_ALIKES = [
    SQL,
    "\" OR 1=1 --",
    "'); DELETE FROM log_state; --",
    "Robert'); DROP TABLE api_keys;--",
]


def test_sql_looking_strings_are_stored_verbatim_and_returned_unchanged(
    client: TestClient, headers: dict[str, str], database: Database
) -> None:
    external_id = "x--DROP:TABLE.entries--"  # what the external_id pattern allows of it
    metadata = {f"k{n}": text_value for n, text_value in enumerate(SQL_ALIKES)}
    metadata[SQL] = SQL  # as a key too
    document = {
        **json.loads(entry_bytes()),
        "external_id": external_id,
        "description": SQL,
        "metadata": metadata,
    }
    created = client.post("/v1/entries", json=document, headers=headers)
    assert created.status_code == 201, created.text

    read = client.get(f"/v1/entries/{external_id}", headers=headers)
    assert read.status_code == 200, read.text
    stored = read.json()["document"]
    assert stored["external_id"] == external_id
    assert stored["description"] == SQL
    assert stored["metadata"] == metadata
    assert created.json()["document"] == stored

    missing = client.get("/v1/entries/x'; DROP TABLE entries;--", headers=headers)
    assert missing.status_code in (404, 422), missing.text
    rejected = client.post(
        "/v1/entries", json={**document, "external_id": SQL}, headers=headers
    )
    assert _error(rejected, 422, "InvalidEntry")["field"] == "external_id"

    assert {"entries", "log_state", "api_keys"} <= set(inspect(database.engine).get_table_names())
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM entries")).scalar_one() == 1
        assert connection.execute(text("SELECT next_index FROM log_state")).scalar_one() == 1


def test_a_valid_entry_still_goes_in_after_the_hostile_ones(
    client: TestClient, headers: dict[str, str], stored_count: StoredCount
) -> None:
    for body in (*DEEP_BODIES.values(), *DUPLICATES.values()):
        assert client.post("/v1/entries", content=body, headers=headers).status_code == 422
    response = client.post("/v1/entries", content=entry_bytes(), headers=headers)
    assert response.status_code == 201, response.text
    assert json.loads(response.content)["document"]["external_id"] == ENTRY["external_id"]
    assert stored_count() == (1, 1)


INT_MAX = 2**31 - 1  # batches.seq is an INTEGER column
BIGINT_MAX = 2**63 - 1  # tree sizes and registry seqs are BIGINT columns


@pytest.mark.parametrize(
    ("template", "largest"),
    [
        ("/v1/batches/{n}", INT_MAX),
        ("/v1/batches/{n}/statement", INT_MAX),
        ("/v1/batches?after={n}", INT_MAX),
        ("/v1/anchors/{n}", BIGINT_MAX),
        ("/v1/anchors?after={n}", BIGINT_MAX),
        ("/v1/entries/pay-1/proof?tree_size={n}", BIGINT_MAX),
        ("/v1/log/consistency?first=1&second={n}", BIGINT_MAX),
        ("/v1/log/consistency?first={n}&second=1", BIGINT_MAX),
    ],
)
def test_integer_parameters_beyond_the_database_range_are_a_422_not_a_500(
    client: TestClient, headers: dict[str, str], template: str, largest: int
) -> None:
    for too_big in (largest + 1, 2**63, 10**400):
        response = client.get(template.format(n=too_big), headers=headers)
        error = _error(response, 422, "InvalidRequest")
        assert "less than or equal to" in error["detail"], error
    at_limit = client.get(template.format(n=largest), headers=headers)
    assert at_limit.status_code in (200, 404), at_limit.text
