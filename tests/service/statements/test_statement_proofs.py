"""Statement proofs end to end: entries posted through the API, sealed into a version 2
statement, anchored on ganache; line and history proofs served by the API verify against
the anchored statement hash, on SQLite and PostgreSQL, and every tampering fails.

The batch has 300 creators (so both trees span several 256-leaf chunks), one wallet that
pays them all, and a few entries in two currencies around ``creator:7:payouts``.
"""

from __future__ import annotations

import argparse
import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from anchor_service.cli import verify_statement
from anchor_service.db.models import Role
from anchor_service.db.repositories.api_keys import ApiKeyRepository
from anchor_service.db.session import unit_of_work
from anchor_service.ledger.account_lines import decode_path, encode_path
from anchor_service.settings import Settings
from anchor_service.verifier import Status, TrustRoot
from anchor_service.verifier.onchain import Web3ChainView
from anchor_service.verifier.statement_checks import (
    ACCOUNT_INDEX,
    ENTRIES,
    LINE_IN_STATEMENT,
    STATEMENT_HASH,
    verify_statement_proof,
)
from anchor_service.verifier.statement_proof import parse_statement_proof

from .conftest import LogBuilder

Headers = Callable[[Role], dict[str, str]]
CREATOR = "creator:7:payouts"
CREATORS = 300


def _entry(external_id: str, postings: list[tuple[str, int, str]]) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "occurred_at": "2026-11-21T08:15:00+07:00",
        "postings": [
            {"account": account, "amount": str(amount), "currency": currency}
            for account, amount, currency in postings
        ],
    }


@pytest.fixture
def batch(log: LogBuilder, client: TestClient, headers: Headers) -> int:
    """Seal and anchor one batch; return its seq."""
    prefix = log.prefix
    entries = [
        _entry(f"{prefix}-pay-{n}", [("wallet:platform", -(1000 + n), "IDR"),
                                     (f"creator:{n}:payouts", 1000 + n, "IDR")])
        for n in range(CREATORS)
    ]  # fmt: skip
    entries += [
        _entry(f"{prefix}-refund", [(CREATOR, -200, "IDR"), ("wallet:user:981", 200, "IDR")]),
        _entry(f"{prefix}-usd", [("treasury:usd", -99, "USD"), (CREATOR, 99, "USD")]),
    ]
    response = client.post(
        "/v1/entries/bulk", json={"entries": entries}, headers=headers(Role.WRITER)
    )
    assert response.status_code == 201, response.text
    [sealed] = log.seal()
    log.anchor()
    return int(sealed.seq)


def _get(client: TestClient, headers: Headers, path: str, status: int = 200) -> dict[str, Any]:
    response = client.get(path, headers=headers(Role.AUDITOR))
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def _offline(document: dict[str, Any]) -> Any:
    """The report of the proof with the chain not read (the Merkle checks only)."""
    return verify_statement_proof(parse_statement_proof(document), None, min_confirmations=0)


def _run_cli(path: Path, log: LogBuilder) -> int:
    parser = argparse.ArgumentParser(prog="anchor-service")
    verify_statement.register(parser.add_subparsers())
    args = parser.parse_args(
        ["verify-statement", str(path), "--registry", log.settings.registry_address or ""]
    )
    settings = Settings(_env_file=None, rpc_url=log.settings.rpc_url, confirmations=1)
    code: int = args.handler(args, settings)
    return code


def test_line_and_history_proofs_verify_against_the_anchored_statement(
    log: LogBuilder,
    client: TestClient,
    headers: Headers,
    batch: int,
    chain_view: Web3ChainView,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    statement = _get(client, headers, f"/v1/batches/{batch}/statement")
    assert statement["version"] == 2 and "net" not in statement
    assert statement["accounts"]["lines"] == CREATORS + 3  # + platform, user, treasury
    trust = TrustRoot.for_registry(1337, log.settings.registry_address or "", "the log's")

    line = _get(client, headers, f"/v1/batches/{batch}/accounts/{CREATOR}")
    assert line["line"] == {"account": CREATOR, "currencies": {
        "IDR": {"credits": "1007", "debits": "200", "entries": 2, "net": "807"},
        "USD": {"credits": "99", "debits": "0", "entries": 1, "net": "99"}}}  # fmt: skip
    assert line["statement"] == statement
    assert len(json.dumps(line, separators=(",", ":"))) <= 4096
    escaped = _get(client, headers, f"/v1/batches/{batch}/accounts/creator%3A7%3Apayouts")
    assert escaped == line
    report = verify_statement_proof(
        parse_statement_proof(line), chain_view, min_confirmations=1, trust=trust
    )
    assert report.status is Status.VALID, report.to_json()

    history = _get(client, headers, f"/v1/batches/{batch}/accounts/{CREATOR}/entries")
    assert [e["entry"]["external_id"] for e in history["entries"]] == [
        f"{log.prefix}-pay-7", f"{log.prefix}-refund", f"{log.prefix}-usd"]  # fmt: skip
    report = verify_statement_proof(
        parse_statement_proof(history), chain_view, min_confirmations=1, trust=trust
    )
    assert report.status is Status.VALID, report.to_json()

    # The CLI, as a creator would run it on the saved files.
    for name, document in (("line.json", line), ("history.json", history)):
        path = tmp_path / name
        path.write_text(json.dumps(document))
        assert _run_cli(path, log) == 0
        assert capsys.readouterr().out.splitlines()[-1] == "VALID: every check passed"

    # Absence: between two accounts, before the first and after the last.
    for account in ("creator:7:payouts-x", "aaa", "zzz:last"):
        absent = _get(client, headers, f"/v1/batches/{batch}/accounts/{account}/entries")
        assert absent["entries"] == []
        checks = _offline(absent)
        assert checks.check(ACCOUNT_INDEX).ok and checks.check(ENTRIES).ok, checks.to_json()
        assert checks.status is Status.UNPINNED  # offline: bound only by the chain
    assert _run_cli(_write(tmp_path, absent), log) == 0
    _get(client, headers, f"/v1/batches/{batch}/accounts/aaa", status=404)
    _get(client, headers, f"/v1/batches/{batch}/accounts/Not%20An%20Account", status=422)

    # Every line, page by page, for auditors.
    seen: list[str] = []
    after: str | None = None
    while True:
        query = "" if after is None else f"&after={after}"
        page = _get(client, headers, f"/v1/batches/{batch}/accounts?limit=120{query}")
        seen += [item["line"]["account"] for item in page["items"]]
        after = page["next"]
        if after is None:
            break
    assert seen == sorted(seen) and len(seen) == CREATORS + 3 and CREATOR in seen

    # A key scoped to the creator's accounts reads their line and history, nothing else.
    with unit_of_work(log.database.writer) as session:
        token = ApiKeyRepository(session).create(Role.ACCOUNT, accounts=["creator:7:*"]).token
    scoped = {"Authorization": f"Bearer {token}"}
    base = f"/v1/batches/{batch}/accounts"
    assert client.get(f"{base}/{CREATOR}", headers=scoped).json() == line
    assert client.get(f"{base}/{CREATOR}/entries", headers=scoped).json() == history
    for other in (f"{base}/creator:8:payouts", f"{base}/creator:8:payouts/entries", base):
        assert client.get(other, headers=scoped).status_code == 403, other


def _write(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(document))
    return path


def _tampered_line(line: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> Any:
    document = copy.deepcopy(line)
    change(document)
    return _offline(document)


def test_tampered_proofs_fail(
    log: LogBuilder, client: TestClient, headers: Headers, batch: int, tmp_path: Path
) -> None:
    line = _get(client, headers, f"/v1/batches/{batch}/accounts/{CREATOR}")

    def more_credits(doc: dict[str, Any]) -> None:
        doc["line"]["currencies"]["IDR"].update(credits="2007", net="1807")

    def moved(doc: dict[str, Any]) -> None:
        doc["account"] = doc["line"]["account"] = "creator:8:payouts"

    def dropped_node(doc: dict[str, Any]) -> None:
        doc["path"] = encode_path(decode_path(doc["path"])[1:])

    def fewer_lines(doc: dict[str, Any]) -> None:  # a statement claiming a line less
        doc["statement"]["accounts"]["lines"] -= 1

    def other_sums(doc: dict[str, Any]) -> None:  # a sibling's credits shifted
        nodes = decode_path(doc["path"])
        debits, credits, entries = nodes[-1].sums["IDR"]
        nodes[-1].sums["IDR"] = (debits, credits - 1, entries)
        doc["path"] = encode_path(nodes)

    for change, failing in (
        (more_credits, LINE_IN_STATEMENT),
        (moved, LINE_IN_STATEMENT),
        (dropped_node, LINE_IN_STATEMENT),
        (fewer_lines, STATEMENT_HASH),
        (other_sums, LINE_IN_STATEMENT),
    ):
        report = _tampered_line(line, change)
        assert report.status is Status.INVALID, change.__name__
        assert not report.check(failing).ok, (change.__name__, report.to_json())

    history = _get(client, headers, f"/v1/batches/{batch}/accounts/{CREATOR}/entries")
    dropped = copy.deepcopy(history)
    del dropped["entries"][1]
    dropped["index"]["end"] -= 1
    assert not _offline(dropped).check(ACCOUNT_INDEX).ok
    hidden = copy.deepcopy(history)  # the run shortened, the dropped pair passed as "after"
    del hidden["entries"][2]
    hidden["index"]["end"] -= 1
    hidden["index"]["after"] = {
        "account": CREATOR,
        "leaf_index": history["entries"][2]["leaf_index"],
    }
    assert not _offline(hidden).check(ACCOUNT_INDEX).ok
    changed = copy.deepcopy(history)
    changed["entries"][0]["entry"]["postings"][1]["amount"] = "1"
    assert not _offline(changed).check(ENTRIES).ok

    # A wrong absence proof: the creator's history passed off as "no entries".
    wrong = copy.deepcopy(history)
    wrong["entries"] = []
    wrong["index"]["end"] = wrong["index"]["start"]
    assert _offline(wrong).status is Status.INVALID
    absent = _get(client, headers, f"/v1/batches/{batch}/accounts/creator:70:payouts-x/entries")
    moved_absence = copy.deepcopy(absent)
    moved_absence["account"] = CREATOR  # the same brackets cannot prove another account absent
    assert _offline(moved_absence).status is Status.INVALID
    assert _run_cli(_write(tmp_path, moved_absence), log) == 1
