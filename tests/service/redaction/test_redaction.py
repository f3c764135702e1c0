"""Redaction erases an entry's personal data and keeps every proof of the log valid."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from anchor_service.db.models import Entry, Role
from anchor_service.db.models_sealing import EntryPosting
from anchor_service.db.session import Database, unit_of_work
from anchor_service.errors import EntryNotSealedError, NotFoundError
from anchor_service.services.audit.run import audit_from_settings
from anchor_service.services.redaction import redact_entry
from anchor_service.verifier import Status, TrustRoot, parse_bundle, verify_bundle
from anchor_service.verifier.onchain import Web3ChainView

from .conftest import LogBuilder, entry_payload

Headers = Callable[[Role], dict[str, str]]


def bundle_of(client: TestClient, headers: Headers, external_id: str) -> dict:
    response = client.get(f"/v1/entries/{external_id}/proof", headers=headers(Role.AUDITOR))
    assert response.status_code == 200, response.text
    body: dict = response.json()
    return body


def test_redacted_entry_says_so_and_every_other_proof_still_verifies(
    log: LogBuilder, client: TestClient, headers: Headers, chain_view: Web3ChainView
) -> None:
    log.head(3)
    log.head(4)
    before = {external_id: bundle_of(client, headers, external_id) for external_id in log.ids}
    target = log.ids[4]
    response = client.post(
        f"/v1/admin/entries/{target}/redact",
        json={"reason": "UU PDP erasure request #2026-0142"},
        headers=headers(Role.ADMIN),
    )
    assert response.status_code == 200, response.text
    assert response.json()["already_redacted"] is False
    assert response.json()["leaf_hash"] == before[target]["leaf"]["hash"]

    redacted = bundle_of(client, headers, target)
    assert (redacted["entry"], redacted["redacted"]) == (None, True)
    ignored = ("entry", "redacted", "redaction_record")
    assert {key: value for key, value in redacted.items() if key not in ignored} == {
        key: value for key, value in before[target].items() if key != "entry"
    }
    record = response.json()["record"]  # the leaf appended to record the erasure
    assert redacted["redaction_record"] == {"index": 7, "hash": record["leaf_hash"]}
    trust = TrustRoot.for_registry(1337, log.settings.registry_address or "", "the log's")
    report = verify_bundle(parse_bundle(redacted), chain_view, min_confirmations=2, trust=trust)
    assert report.status is Status.REDACTED and not report.valid
    assert report.redaction_record == f"leaf 7 (hash {record['leaf_hash']})"
    for external_id in log.ids:
        if external_id == target:
            continue
        after = bundle_of(client, headers, external_id)
        assert after == before[external_id]
        bundle = parse_bundle(after)
        report = verify_bundle(bundle, chain_view, min_confirmations=2, trust=trust)
        assert report.status is Status.VALID

    entry = client.get(f"/v1/entries/{target}", headers=headers(Role.AUDITOR)).json()
    assert entry["document"] is None and entry["leaf_index"] == 4


def test_redaction_erases_document_salt_content_hash_and_postings(
    log: LogBuilder, database: Database
) -> None:
    log.head(2)
    redaction = redact_entry(database, log.ids[0], reason="erasure request 7")
    with unit_of_work(database.reader) as session:
        entry = session.scalars(select(Entry).where(Entry.leaf_index == 0)).one()
        postings = session.scalar(
            select(func.count()).select_from(EntryPosting).where(EntryPosting.leaf_index == 0)
        )
        kept = session.scalar(select(func.count()).select_from(EntryPosting))
    assert (entry.document, entry.salt, entry.content_hash) == (None, None, None)
    assert entry.redacted_at == redaction.redacted_at
    assert entry.redaction_reason == "erasure request 7"
    assert entry.leaf_hash == redaction.leaf_hash and entry.external_id == log.ids[0]
    assert (postings, kept) == (0, 2)  # the other entry keeps its two postings


def test_audit_stays_clean_after_a_redaction(log: LogBuilder, database: Database) -> None:
    log.head(4)
    redact_entry(database, log.ids[2])
    report = audit_from_settings(log.settings, database)
    assert report.clean, [finding.line() for finding in report.findings]
    assert (report.redacted, report.entries_checked) == (1, 5)  # 4 entries + the record


def test_redacted_entry_cannot_be_slipped_a_different_leaf_hash(
    log: LogBuilder, database: Database
) -> None:
    log.head(3)
    redact_entry(database, log.ids[1])
    log.sql("UPDATE entries SET leaf_hash = :leaf WHERE leaf_index = 1", leaf=bytes(32))
    report = audit_from_settings(log.settings, database)
    assert [(f.kind.value, f.index) for f in report.findings][:1] == [("altered", 1)]


def test_redaction_is_idempotent_and_refused_for_pending_or_unknown_entries(
    log: LogBuilder, database: Database, client: TestClient, headers: Headers
) -> None:
    log.head(1)
    first = redact_entry(database, log.ids[0])
    again = redact_entry(database, log.ids[0], reason="ignored")
    assert (again.already, again.redacted_at, again.reason) == (True, first.redacted_at, None)
    [pending] = log.add(1)
    with pytest.raises(EntryNotSealedError):
        redact_entry(database, pending)
    with pytest.raises(NotFoundError):
        redact_entry(database, "no-such-entry")
    response = client.post(f"/v1/admin/entries/{pending}/redact", headers=headers(Role.ADMIN))
    assert response.status_code == 409
    assert (response.json()["error"], response.json()["status"]) == ("EntryNotSealed", "pending")
    assert bundle_of(client, headers, log.ids[0])["redacted"] is True


def test_redaction_needs_an_admin_key(
    log: LogBuilder, client: TestClient, headers: Headers
) -> None:
    log.head(1)
    url = f"/v1/admin/entries/{log.ids[0]}/redact"
    assert client.post(url, headers=headers(Role.AUDITOR)).status_code == 403
    assert client.post(url, headers=headers(Role.WRITER)).status_code == 403
    too_long = client.post(url, json={"reason": "x" * 201}, headers=headers(Role.ADMIN))
    assert too_long.status_code == 422
    assert "redacted" not in bundle_of(client, headers, log.ids[0])


def test_replaying_a_redacted_entry_is_refused_as_redacted_not_a_new_entry(
    log: LogBuilder, database: Database, client: TestClient, headers: Headers
) -> None:
    log.head(1)
    redact_entry(database, log.ids[0])
    response = client.post(
        "/v1/entries", json=entry_payload(log.ids[0], 1000), headers=headers(Role.WRITER)
    )
    assert response.status_code == 409 and response.json()["error"] == "EntryRedacted"


def test_a_nul_in_the_reason_is_a_422_and_nothing_is_redacted(
    log: LogBuilder, client: TestClient, headers: Headers
) -> None:
    log.head(1)
    url = f"/v1/admin/entries/{log.ids[0]}/redact"
    response = client.post(url, json={"reason": "erasure\u0000#1"}, headers=headers(Role.ADMIN))
    assert response.status_code == 422, response.text
    assert (response.json()["error"], response.json()["field"]) == ("InvalidRequest", "reason")
    assert "\x00" not in response.text
    assert "redacted" not in bundle_of(client, headers, log.ids[0])
