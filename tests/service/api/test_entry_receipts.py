"""Receipts on ``POST /v1/entries`` and ``/v1/entries/bulk``, signed by the service's log key.

The key file is written by ``anchor-service log-key create`` and its verifier key read
back with ``anchor-service log-key show`` (both run as processes), as an operator and an
auditor would; every receipt is opened with that verifier key only.
"""

from __future__ import annotations

import subprocess
from base64 import b64decode
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from anchor_service.db.models import Role
from anchor_service.settings import Settings
from anchor_service.tlog import (
    RANGE_RECEIPT_FORMAT,
    RECEIPT_FORMAT,
    InclusionProofError,
    RangeProof,
    VerifiedReceipt,
    new_verifier,
    open_receipt,
    parse_time,
)
from tests.support.processes import service_command, service_env

ORIGIN = "receipts.test/anchor/v1"
DELAY = 90


def _entry(external_id: str, amount: int = 150_000) -> dict[str, object]:
    return {
        "external_id": external_id,
        "occurred_at": "2026-11-21T08:15:00+07:00",
        "postings": [
            {"account": "wallet:user:981", "amount": str(-amount), "currency": "IDR"},
            {"account": "escrow:project:42", "amount": str(amount), "currency": "IDR"},
        ],
    }


@pytest.fixture(scope="module")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("log-key") / "log.key"
    done = subprocess.run(
        service_command("log-key", "create", "--path", str(path), "--origin", ORIGIN),
        env=service_env(), capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert done.stdout.strip().splitlines()[-1].startswith(ORIGIN + "+")
    return path


@pytest.fixture(scope="module")
def vkey(key_file: Path) -> str:
    done = subprocess.run(
        service_command("log-key", "show"),
        env=service_env(ANCHOR_LOG_KEY_PATH=str(key_file)),
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def settings(make_settings: Callable[..., Settings], key_file: Path) -> Settings:
    return make_settings(log_key_path=key_file, max_merge_delay_seconds=DELAY)


@pytest.fixture
def writer(make_key: Callable[[Role], str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_key(Role.WRITER)}"}


def _opened(receipt: str, vkey: str) -> VerifiedReceipt:
    return open_receipt(receipt.encode(), new_verifier(vkey))


def _check(body: dict[str, object], receipt: VerifiedReceipt) -> None:
    assert receipt.receipt.origin == ORIGIN
    assert receipt.receipt.index == body["leaf_index"]
    assert receipt.receipt.leaf_hash.hex() == body["leaf_hash"]


def test_one_entry_gets_a_receipt_and_its_replay_the_same_one(
    client: TestClient, writer: dict[str, str], vkey: str
) -> None:
    created = client.post("/v1/entries", json=_entry("rcpt-1"), headers=writer)
    assert created.status_code == 201, created.text
    body = created.json()
    text = body["receipt"]
    assert text.splitlines()[1] == RECEIPT_FORMAT
    opened = _opened(text, vkey)
    _check(body, opened)
    received = parse_time(body["received_at"])
    assert opened.receipt.received == received
    assert opened.receipt.merge_by == received + timedelta(seconds=DELAY)
    replay = client.post("/v1/entries", json=_entry("rcpt-1"), headers=writer)
    assert replay.status_code == 200
    assert replay.json()["receipt"] == text  # deterministic: the same bytes


def _opened_item(item: dict[str, Any], vkey: str) -> VerifiedReceipt:
    proof = item["receipt_proof"]
    path = tuple(b64decode(node) for node in proof["path"])
    leaf = bytes.fromhex(item["leaf_hash"])
    verifier = new_verifier(vkey)
    return open_receipt(
        item["receipt"].encode(), verifier, leaf_hash=leaf, proof=RangeProof(proof["index"], path)
    )


def test_a_bulk_answer_is_signed_once_and_every_item_proves_its_entry(
    client: TestClient, writer: dict[str, str], vkey: str, make_key: Callable[[Role], str]
) -> None:
    client.post("/v1/entries", json=_entry("rcpt-b0", 1000), headers=writer)
    entries = [_entry(f"rcpt-b{i}", 1000 + i) for i in range(6)]
    answer = client.post("/v1/entries/bulk", json={"entries": entries}, headers=writer)
    assert answer.status_code == 201, answer.text
    items = answer.json()["entries"]
    assert [item["created"] for item in items] == [False, True, True, True, True, True]
    for item in items:
        opened = _opened_item(item, vkey)
        _check(item, opened)
        assert opened.receipt.merge_by == opened.receipt.received + timedelta(seconds=DELAY)
    new = {item["receipt"] for item in items[1:]}
    assert len(new) == 1  # one signature for the request's new entries
    [note] = new
    assert note.splitlines()[1:4] == [
        RANGE_RECEIPT_FORMAT,
        f"start {items[1]['leaf_index']}",
        "count 5",
    ]
    assert items[0]["receipt"].splitlines()[2:4] == [f"start {items[0]['leaf_index']}", "count 1"]
    tampered = {**items[2], "leaf_hash": items[3]["leaf_hash"]}
    with pytest.raises(InclusionProofError):
        _opened_item(tampered, vkey)
    again = client.post("/v1/entries/bulk", json={"entries": entries}, headers=writer)
    assert again.status_code == 200
    assert again.json()["entries"] == [{**item, "created": False} for item in items]
    auditor = {"Authorization": f"Bearer {make_key(Role.AUDITOR)}"}
    single = client.get(f"/v1/entries/{items[2]['external_id']}", headers=auditor)
    assert single.status_code == 200, single.text  # GET answers an entry receipt
    _check(items[2], _opened(single.json()["receipt"], vkey))


def test_a_receipt_does_not_open_with_another_key(
    client: TestClient, writer: dict[str, str]
) -> None:
    from anchor_service.tlog import UnverifiedNoteError, generate_key

    receipt = client.post("/v1/entries", json=_entry("rcpt-x"), headers=writer).json()["receipt"]
    with pytest.raises(UnverifiedNoteError):
        _opened(receipt, generate_key(ORIGIN)[1])


def test_without_a_log_key_the_receipt_is_null(
    make_settings: Callable[..., Settings], database_url: str, make_key: Callable[[Role], str]
) -> None:
    from anchor_service.api.app import create_app
    from anchor_service.db.session import Database

    settings = make_settings()
    database = Database.from_settings(settings)
    try:
        with TestClient(create_app(settings, database)) as client:
            headers = {"Authorization": f"Bearer {make_key(Role.WRITER)}"}
            answer = client.post("/v1/entries", json=_entry("rcpt-none"), headers=headers)
            assert answer.status_code == 201, answer.text
            assert answer.json()["receipt"] is None
    finally:
        database.dispose()
