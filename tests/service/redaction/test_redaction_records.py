"""Issue 13 item 6: a redaction leaves a public trace. It appends a redaction record to
the log (a leaf of kind ``redaction`` naming the redacted leaf), sealed and anchored like
any entry; the audit reports a redacted entry without one as tampering."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from anchor_service.db.models import Role
from anchor_service.db.session import Database, unit_of_work
from anchor_service.ledger import canonical_json
from anchor_service.ledger.records import encode_redaction_record, redacted_index
from anchor_service.merkle import leaf_hash
from anchor_service.services.audit.report import FindingKind
from anchor_service.services.audit.run import audit_from_settings
from anchor_service.services.redaction import find_record, redact_entry

from .conftest import LogBuilder

Headers = Callable[[Role], dict[str, str]]


def test_a_redaction_appends_its_record_which_is_sealed_and_anchored(
    log: LogBuilder, client: TestClient, headers: Headers, database: Database
) -> None:
    log.head(4)
    target = log.ids[1]
    stored = client.get(f"/v1/entries/{target}", headers=headers(Role.AUDITOR)).json()
    answer = client.post(
        f"/v1/admin/entries/{target}/redact",
        json={"reason": "PDP erasure request 42"},
        headers=headers(Role.ADMIN),
    )
    assert answer.status_code == 200, answer.text
    record = answer.json()["record"]
    assert record["external_id"] == "~redaction:1" and record["leaf_index"] == 4

    entry = client.get("/v1/entries/~redaction:1", headers=headers(Role.AUDITOR)).json()
    document = entry["document"]
    assert entry["status"] == "pending" and entry["leaf_hash"] == record["leaf_hash"]
    assert document["kind"] == "redaction"
    assert (document["leaf_index"], document["leaf_hash"]) == (1, stored["leaf_hash"])
    assert document["reason_sha256"] == hashlib.sha256(b"PDP erasure request 42").hexdigest()
    assert "PDP" not in json.dumps(document)  # the reason itself stays private

    log.seal()
    log.anchor()
    anchored = client.get("/v1/entries/~redaction:1", headers=headers(Role.AUDITOR)).json()
    assert anchored["status"] in ("anchored", "settled")
    proof = client.get("/v1/entries/~redaction:1/proof", headers=headers(Role.AUDITOR))
    assert proof.status_code == 200, proof.text
    assert proof.json()["leaf"] == {"index": 4, "hash": record["leaf_hash"]}
    # like any bundle: the document (with its salt) is the leaf, byte for byte (JCS)
    assert leaf_hash(canonical_json(proof.json()["entry"])).hex() == record["leaf_hash"]

    # the redacted entry's bundle names its record, by index and leaf hash
    redacted = client.get(f"/v1/entries/{target}/proof", headers=headers(Role.AUDITOR)).json()
    assert redacted["redacted"] is True and redacted["entry"] is None
    assert redacted["redaction_record"] == {"index": 4, "hash": record["leaf_hash"]}

    again = client.post(f"/v1/admin/entries/{target}/redact", headers=headers(Role.ADMIN))
    assert again.json()["already_redacted"] is True and again.json()["record"] == record
    report = audit_from_settings(log.settings, database)
    assert report.clean, [finding.line() for finding in report.findings]


def test_an_erasure_without_a_record_is_reported_as_tampering(
    log: LogBuilder, database: Database
) -> None:
    log.head(3)
    # erased behind the service's back: the document is gone, no record was appended
    log.sql(
        "UPDATE entries SET document = NULL, salt = NULL, content_hash = NULL, "
        "redacted_at = :now WHERE leaf_index = 2",
        now=datetime.now(UTC),
    )
    report = audit_from_settings(log.settings, database)
    assert [(f.kind, f.index, f.external_id) for f in report.findings] == [
        (FindingKind.UNRECORDED_REDACTION, 2, log.ids[2])
    ]
    assert "no redaction record in the log names it" in report.findings[0].line()
    assert report.summary().startswith("TAMPERING FOUND: 1 finding (1 unrecorded_redaction)")

    # redacting it again through the service appends the missing record (a late, but
    # public, trace): the audit is clean again
    redaction = redact_entry(database, log.ids[2])
    assert redaction.already and redaction.record.leaf_index == 3
    with unit_of_work(database.reader) as session:
        assert find_record(session, 2) == redaction.record
    assert audit_from_settings(log.settings, database).clean


def test_a_record_names_only_an_earlier_leaf_and_an_entry_cannot_pose_as_one(
    log: LogBuilder, database: Database, client: TestClient, headers: Headers
) -> None:
    log.head(2)
    # a writer's entry whose metadata mimics a record is an ordinary entry
    payload = {
        "external_id": "mimic-1",
        "occurred_at": "2026-11-21T08:15:00Z",
        "postings": [
            {"account": "a", "amount": "1", "currency": "IDR"},
            {"account": "b", "amount": "-1", "currency": "IDR"},
        ],
        "metadata": {"kind": "redaction", "leaf_index": 0},
    }
    posted = client.post("/v1/entries", json=payload, headers=headers(Role.WRITER))
    assert posted.status_code == 201
    assert redacted_index(json.dumps(posted.json()["document"]).encode()) is None
    refused = client.post(
        "/v1/entries", json={**payload, "external_id": "~redaction:0"}, headers=headers(Role.WRITER)
    )
    assert refused.status_code == 422  # no entry can take a record's id

    record = encode_redaction_record(
        7, bytes(32), reason=None, redacted_at=datetime(2026, 12, 4, tzinfo=UTC), salt=bytes(16)
    )
    assert redacted_index(record.document) == 7
    assert record.leaf_hash == leaf_hash(record.document)
    assert json.loads(record.document)["reason_sha256"] is None
    assert record.document == (
        b'{"external_id":"~redaction:7","kind":"redaction","leaf_hash":"' + b"00" * 32
        + b'","leaf_index":7,"reason_sha256":null,"redacted_at":"2026-12-04T00:00:00Z",'
        b'"salt":"' + b"00" * 16 + b'"}'
    )  # fmt: skip
