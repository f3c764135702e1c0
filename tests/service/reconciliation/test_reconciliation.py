"""Issue 15 item 4: a gateway report reconciled against the ledger, on SQLite and
PostgreSQL, through the API and the command line. The statement is stored and logged as
a record leaf; a bad file stores nothing; only admins reconcile."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from anchor_service.cli import main
from anchor_service.db.models import Role
from anchor_service.ledger import canonical_json
from anchor_service.merkle import leaf_hash
from tests.support.environment import clean_anchor_environment

REPORTS = Path(__file__).parent / "reports"
Headers = Callable[[Role], dict[str, str]]

# The ledger the Midtrans sample report is checked against: MT-4 is not in the report,
# MT-2 is reported as 26000, MT-3 twice, MT-9 is not in the ledger.
LEDGER = {"MT-1": 150000, "MT-2": 25000, "MT-3": 75000, "MT-4": 40000, "MT-5": 300000}


def _entry(ref: str, amount: int, gateway: str = "midtrans") -> dict[str, Any]:
    return {
        "external_id": f"pay-{ref.lower()}",
        "occurred_at": "2026-11-21T08:15:00+07:00",
        "postings": [
            {"account": "wallet:user:981", "amount": -amount, "currency": "IDR"},
            {"account": "escrow:project:42", "amount": amount, "currency": "IDR"},
        ],
        "metadata": {"gateway": gateway, "gateway_ref": ref},
    }


@pytest.fixture
def ledger(client: TestClient, auth: Headers) -> None:
    entries = [_entry(ref, amount) for ref, amount in LEDGER.items()]
    entries.append(_entry("MT-1", 150000, gateway="xendit") | {"external_id": "pay-other-gw"})
    entries.append(_entry("MT-7", 10000) | {"occurred_at": "2026-11-25T08:00:00+07:00"})
    answer = client.post("/v1/entries/bulk", json={"entries": entries}, headers=auth(Role.WRITER))
    assert answer.status_code in (200, 201), answer.text


def _post(client: TestClient, headers: dict[str, str], report: bytes, **params: str) -> Any:
    return client.post(
        "/v1/reconciliations",
        params={"gateway": "midtrans", **params},
        content=report,
        headers={**headers, "Content-Type": "text/csv"},
    )


def test_a_report_with_a_missing_an_extra_a_changed_and_a_duplicated_row_names_all_four(
    ledger: None, client: TestClient, auth: Headers
) -> None:
    report = (REPORTS / "midtrans-settlement.csv").read_bytes()
    answer = _post(client, auth(Role.ADMIN), report)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["clean"] is False and body["rows"] == 6
    assert (body["period_first"], body["period_last"]) == ("2026-11-21", "2026-11-21")
    assert body["counts"] == {
        "matched": 3,
        "amount_mismatch": 1,
        "currency_mismatch": 0,
        "missing_in_ledger": 1,
        "missing_in_report": 1,
        "duplicate": 1,
    }
    named = {
        (f["kind"], f["row"], f["gateway_ref"], f["external_id"])
        for f in body["statement"]["findings"]
        if f["kind"] != "matched"
    }
    assert named == {
        ("amount_mismatch", 3, "MT-2", "pay-mt-2"),
        ("duplicate", 5, "MT-3", "pay-mt-3"),
        ("missing_in_ledger", 6, "MT-9", None),
        ("missing_in_report", None, "MT-4", "pay-mt-4"),  # MT-7 is outside the period
    }
    mismatch = next(f for f in body["statement"]["findings"] if f["kind"] == "amount_mismatch")
    assert (mismatch["report_amount"], mismatch["ledger_amount"]) == ("26000", "25000")
    duplicate = next(f for f in body["statement"]["findings"] if f["kind"] == "duplicate")
    assert duplicate["first_row"] == 4
    assert body["statement"]["report"]["sha256"] == hashlib.sha256(report).hexdigest()

    # the auditor reads the same statement; its canonical bytes hash to statement_hash
    read = client.get(f"/v1/reconciliations/{body['id']}", headers=auth(Role.AUDITOR)).json()
    assert read == body
    assert hashlib.sha256(canonical_json(read["statement"])).hexdigest() == body["statement_hash"]
    raw = client.get(f"/v1/reconciliations/{body['id']}/statement", headers=auth(Role.AUDITOR))
    assert hashlib.sha256(raw.content).hexdigest() == raw.headers["X-Statement-SHA256"]
    assert raw.headers["X-Statement-SHA256"] == body["statement_hash"]

    # the record leaf is in the log, committing to the statement's hash
    record = body["record"]
    assert record["external_id"] == f"~reconciliation:{body['id']}"
    assert record["leaf_index"] == len(LEDGER) + 2
    entry = client.get(f"/v1/entries/{record['external_id']}", headers=auth(Role.AUDITOR)).json()
    assert entry["leaf_index"] == record["leaf_index"]
    assert entry["document"]["kind"] == "reconciliation"
    assert entry["document"]["statement_sha256"] == body["statement_hash"]
    assert leaf_hash(canonical_json(entry["document"])).hex() == entry["leaf_hash"]
    listed = client.get("/v1/reconciliations", headers=auth(Role.AUDITOR)).json()
    assert [item["id"] for item in listed] == [body["id"]]


def test_a_matching_report_is_clean_and_a_period_bounds_the_expected_entries(
    ledger: None, client: TestClient, auth: Headers
) -> None:
    report = "order_id,gross_amount,transaction_time\n" + "".join(
        f"{ref},{amount},2026-11-21 10:00:00\n" for ref, amount in LEDGER.items()
    )
    clean = _post(client, auth(Role.ADMIN), report.encode())
    assert clean.status_code == 201 and clean.json()["clean"] is True
    wider = _post(client, auth(Role.ADMIN), report.encode(), period="2026-11-01..2026-11-30")
    missing = [f for f in wider.json()["statement"]["findings"] if f["kind"] != "matched"]
    assert [(f["kind"], f["external_id"]) for f in missing] == [("missing_in_report", "pay-mt-7")]


def test_a_bad_file_is_422_naming_its_line_and_stores_nothing(
    ledger: None, client: TestClient, auth: Headers, stored_count: Callable[[], tuple[int, int]]
) -> None:
    before = stored_count()
    bad = b"Order ID,Gross Amount,Transaction Time\nMT-1,150000,2026-11-21 08:00:00\nMT-2,lots,x\n"
    answer = _post(client, auth(Role.ADMIN), bad)
    assert answer.status_code == 422
    assert answer.json()["error"] == "InvalidReport"
    assert answer.json()["detail"].startswith("line 3: bad amount 'lots'")
    assert _post(client, auth(Role.ADMIN), b"").json()["detail"].startswith("line 1:")
    assert stored_count() == before
    assert client.get("/v1/reconciliations", headers=auth(Role.AUDITOR)).json() == []


def test_only_admins_reconcile_and_auditors_read(
    ledger: None, client: TestClient, auth: Headers
) -> None:
    report = (REPORTS / "midtrans-settlement.csv").read_bytes()
    assert _post(client, auth(Role.WRITER), report).status_code == 403
    assert _post(client, auth(Role.AUDITOR), report).status_code == 403
    assert _post(client, {}, report).status_code == 401
    assert (
        client.get("/v1/reconciliations/" + "0" * 32, headers=auth(Role.AUDITOR)).status_code == 404
    )
    assert client.get("/v1/reconciliations", headers=auth(Role.WRITER)).status_code == 403


def test_the_command_line_exits_1_naming_each_finding_and_2_on_a_bad_file(
    ledger: None,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    clean_anchor_environment(monkeypatch, tmp_path)
    monkeypatch.setenv("ANCHOR_DATABASE_URL", database_url)
    monkeypatch.setenv("ANCHOR_DATA_DIR", str(tmp_path))
    report = str(REPORTS / "midtrans-settlement.csv")
    assert main(["reconcile", report, "--gateway", "midtrans"]) == 1
    out = capsys.readouterr().out
    assert "amount_mismatch: row 3, gateway_ref MT-2, entry pay-mt-2; report 26000 IDR" in out
    assert "duplicate: row 5, gateway_ref MT-3, entry pay-mt-3" in out
    assert "missing_in_ledger: row 6, gateway_ref MT-9, no entry" in out
    assert "missing_in_report: no row, gateway_ref MT-4, entry pay-mt-4" in out
    assert "record ~reconciliation:" in out and out.rstrip().endswith("differences found")

    generic = tmp_path / "ovo.csv"
    generic.write_text("gateway_ref,amount,currency,date\nMT-1,150000,IDR,2026-11-21\n")
    argv = ["reconcile", str(generic), "--gateway", "csv", "--ledger-gateway", "xendit"]
    assert main([*argv, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["clean"] is True

    generic.write_text("gateway_ref,amount,currency,date,fee\nMT-1,150000,IDR,2026-11-21,1\n")
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        f"error: {generic}: line 1: unknown column 'fee'; a csv report has the columns "
        "gateway_ref (or external_id), amount, currency, date and optional description\n"
    )
    assert main(["reconcile", str(generic), "--gateway", "csv"]) == 2
    assert "--ledger-gateway" in capsys.readouterr().err
    assert main([*argv[:-1], "g" * 65]) == 2
    assert "longer than 64 characters" in capsys.readouterr().err
