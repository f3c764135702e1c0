"""An entry's leaf must fit 65,535 bytes (a C2SP tlog-tiles entry bundle prefixes each
leaf with a uint16): bigger ones are a 422 naming the size and the limit, on a single
POST, in a bulk POST (with the item's index) and in the importer; an entry of exactly
65,535 bytes is stored and served whole in its entry bundle."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from anchor_service.cli import main
from anchor_service.db.models import Role
from anchor_service.db.session import Database
from anchor_service.ledger import MAX_LEAF_BYTES, canonical_json, normalized_document, parse_entry
from anchor_service.merkle import split_entry_bundle
from anchor_service.services.sealing import seal_pending
from anchor_service.settings import Settings

MakeEntry = Callable[..., dict[str, Any]]


def _sized(make_entry: MakeEntry, external_id: str, leaf_bytes: int) -> dict[str, Any]:
    """An entry whose leaf is exactly ``leaf_bytes`` long (many postings, one account
    name stretched to the byte)."""
    entry = make_entry(external_id)
    postings = []
    for number in range(500):
        account = f"wallet:user:{number:0110d}"
        postings.append({"account": account, "amount": "-5", "currency": "IDR"})
        postings.append({"account": f"escrow:{number:0110d}", "amount": "5", "currency": "IDR"})
    entry["postings"] = postings

    def size() -> int:
        parsed = parse_entry(json.dumps(entry).encode())
        return len(canonical_json(normalized_document(parsed, salt=bytes(16))))

    while size() > leaf_bytes + 4000:  # drop posting pairs until just under the target
        del postings[-20:]
    while size() > leaf_bytes:
        del postings[-2:]
    missing = leaf_bytes - size()
    assert 0 <= missing <= 400
    for pair in range(0, len(postings), 2):  # lengthen accounts by up to 6 bytes each
        grow = min(missing, 128 - len(postings[pair]["account"]))
        postings[pair]["account"] += "0" * grow
        missing -= grow
    assert size() == leaf_bytes
    return entry


def test_a_leaf_over_65535_bytes_is_a_422_naming_its_size_and_the_limit(
    client: TestClient,
    make_key: Callable[[Role], str],
    make_entry: MakeEntry,
    settings: Settings,
    database: Database,
) -> None:
    writer = {"Authorization": f"Bearer {make_key(Role.WRITER)}"}
    largest = _sized(make_entry, "leaf-largest", MAX_LEAF_BYTES)
    too_big = _sized(make_entry, "leaf-too-big", MAX_LEAF_BYTES + 1)

    refused = client.post("/v1/entries", json=too_big, headers=writer)
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["error"] == "InvalidEntry"
    assert "is 65536 bytes, over the limit of 65535 bytes" in body["detail"]

    bulk = client.post(
        "/v1/entries/bulk", json={"entries": [make_entry(), too_big]}, headers=writer
    )
    assert bulk.status_code == 422, bulk.text
    assert bulk.json()["index"] == 1
    assert "over the limit of 65535 bytes" in bulk.json()["detail"]

    stored = client.post("/v1/entries", json=largest, headers=writer)
    assert stored.status_code == 201, stored.text
    seal_pending(database, settings)
    auditor = {"Authorization": f"Bearer {make_key(Role.AUDITOR)}"}
    bundle = client.get("/tlog/tile/entries/000.p/1", headers=auditor)
    assert bundle.status_code == 200
    [leaf] = split_entry_bundle(bundle.content, count=1)
    assert len(leaf) == MAX_LEAF_BYTES
    assert json.loads(leaf)["external_id"] == "leaf-largest"


def test_the_importer_reports_a_leaf_over_the_limit_as_invalid(
    database_url: str,
    make_entry: MakeEntry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ANCHOR_DATABASE_URL", database_url)
    source = tmp_path / "big.jsonl"
    lines = [make_entry("imp-0"), _sized(make_entry, "imp-1", MAX_LEAF_BYTES + 1)]
    source.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")

    assert main(["import", str(source), "--skip-invalid", "--json"]) == 1

    captured = capsys.readouterr()
    assert json.loads(captured.out)["invalid"] == 1
    assert f"{source}:2: the entry's leaf" in captured.err
    assert "65536 bytes, over the limit of 65535 bytes" in captured.err
