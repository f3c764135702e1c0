"""The reconciliation's record leaf is sealed and anchored like any entry: its proof
bundle verifies and commits to the statement's hash, and the audit stays clean."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from anchored_log.builder import LogBuilder
from anchored_log.fixtures import chain, headers, log, rpc, settings
from fastapi.testclient import TestClient

from anchor_service.db.models import Role
from anchor_service.db.session import Database
from anchor_service.ledger import canonical_json
from anchor_service.merkle import leaf_hash
from anchor_service.services.audit.run import audit_from_settings

__all__ = ["chain", "headers", "log", "rpc", "settings"]  # the anchored log's fixtures

Headers = Callable[[Role], dict[str, str]]


def test_the_record_leaf_gets_an_anchored_proof_committing_to_the_statement(
    log: LogBuilder, client: TestClient, headers: Headers, database: Database
) -> None:
    log.add(3)  # gateway_ref MT-1000, MT-1001, MT-1002 (midtrans)
    report = "order_id,gross_amount,transaction_time\nMT-1000,1000,2026-11-21 08:15:00\n"
    answer = client.post(
        "/v1/reconciliations",
        params={"gateway": "midtrans"},
        content=report.encode(),
        headers=headers(Role.ADMIN),
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["counts"]["matched"] == 1 and body["counts"]["missing_in_report"] == 2
    record = body["record"]
    assert record["leaf_index"] == 3

    log.seal()
    log.anchor()
    proof = client.get(f"/v1/entries/{record['external_id']}/proof", headers=headers(Role.AUDITOR))
    assert proof.status_code == 200, proof.text
    bundle = proof.json()
    assert bundle["leaf"]["index"] == 3
    assert leaf_hash(canonical_json(bundle["entry"])).hex() == bundle["leaf"]["hash"]
    statement = client.get(
        f"/v1/reconciliations/{body['id']}/statement", headers=headers(Role.AUDITOR)
    ).content
    assert bundle["entry"]["statement_sha256"] == hashlib.sha256(statement).hexdigest()
    verified = client.post("/v1/proofs/verify", json=bundle, headers=headers(Role.AUDITOR))
    assert verified.status_code == 200 and verified.json()["valid"] is True, verified.text

    report_after = audit_from_settings(log.settings, database)
    assert report_after.clean, [finding.line() for finding in report_after.findings]
