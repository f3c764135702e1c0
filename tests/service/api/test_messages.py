"""Error messages say what is wrong in words a first-time user can act on (issue 17)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from anchor_service.db import Role
from anchor_service.services.audit.report import AuditReport
from anchor_service.verifier import BundleFormatError, parse_bundle


def test_a_writer_calling_an_admin_route_is_told_it_needs_an_admin_key(
    client: TestClient, auth: Callable[[Role], dict[str, str]]
) -> None:
    response = client.post("/v1/admin/seal", headers=auth(Role.WRITER))
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert "'admin' or 'admin'" not in detail
    assert re.search(r"has role 'writer'; this needs an 'admin' key$", detail), detail


def test_a_writer_calling_an_auditor_route_is_told_both_roles_that_may(
    client: TestClient, auth: Callable[[Role], dict[str, str]]
) -> None:
    response = client.get("/v1/batches", headers=auth(Role.WRITER))
    assert response.status_code == 403
    assert response.json()["detail"].endswith("this needs an 'auditor' or 'admin' key")


def test_a_duplicate_key_in_a_posting_is_named_instead_of_a_balance_error(
    client: TestClient,
    auth: Callable[[Role], dict[str, str]],
    make_entry: Callable[..., dict[str, Any]],
) -> None:
    text = json.dumps(make_entry())
    # the second posting says "amount" twice; the last value unbalances the entry
    text = text.replace('"amount": "150000"', '"amount": "150000", "amount": "150001"')
    response = client.post(
        "/v1/entries", content=text.encode(),
        headers={**auth(Role.WRITER), "Content-Type": "application/json"},
    )  # fmt: skip
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert "'amount' twice" in detail, detail
    assert "balance" not in detail



def test_a_duplicate_key_in_a_bulk_posting_is_named_instead_of_a_balance_error(
    client: TestClient,
    auth: Callable[[Role], dict[str, str]],
    make_entry: Callable[..., dict[str, Any]],
) -> None:
    text = json.dumps({"entries": [make_entry(), make_entry()]})
    # the second entry's second posting says "amount" twice; the last value unbalances it
    head, tail = text.rsplit('"amount": "150000"', 1)
    text = head + '"amount": "150000", "amount": "150001"' + tail
    response = client.post(
        "/v1/entries/bulk", content=text.encode(),
        headers={**auth(Role.WRITER), "Content-Type": "application/json"},
    )  # fmt: skip
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert "'amount' twice" in detail, detail
    assert "balance" not in detail

def test_an_api_error_document_saved_as_a_bundle_is_recognised_and_quoted() -> None:
    error = {"error": "NotFound", "detail": "no entry 'tour-9'", "field": None, "index": None}
    with pytest.raises(BundleFormatError) as caught:
        parse_bundle(json.dumps(error))
    message = str(caught.value)
    assert "API error" in message and "NotFound" in message and "no entry 'tour-9'" in message
    assert "field required" not in message


def test_counts_of_one_are_singular() -> None:
    report = AuditReport()
    report.entries_checked, report.batches_checked = 1, 1
    report.heads_checked = [1]
    summary = report.summary()
    assert "1 entry (0 redacted), 1 batch, 1 tree head" in summary, summary
