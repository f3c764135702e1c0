"""``POST /v1/proofs/verify``: the same checks as the CLI, for auditors and admins."""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi.testclient import TestClient

from anchor_service.api import create_app
from anchor_service.db.models import Role
from anchor_service.db.session import Database
from anchor_service.dev import free_port
from anchor_service.settings import Settings
from anchor_service.verifier import CHAIN_CHECKS

from .anchored import AnchoredLog

URL = "/v1/proofs/verify"
Auth = Callable[[Role], dict[str, str]]


def test_auditor_gets_every_check_of_a_valid_bundle(
    client: TestClient, auth: Auth, anchored_log: AnchoredLog
) -> None:
    response = client.post(URL, json=anchored_log.bundle_json(1), headers=auth(Role.AUDITOR))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["valid"], body["status"], body["chain_checked"]) == (True, "valid", True)
    assert body["trust_root"] == (
        f"registry {anchored_log.registry.lower()} on chain 1337 (this service's)"
    )
    assert len(body["checks"]) == 10
    outcomes = {check["name"]: check["outcome"] for check in body["checks"]}
    assert outcomes.pop("signed checkpoint") == "skipped"  # the bundle carries none
    assert set(outcomes.values()) == {"passed"}


def test_admin_may_verify_and_writer_may_not(
    client: TestClient, auth: Auth, anchored_log: AnchoredLog
) -> None:
    bundle = anchored_log.bundle_json(1)
    assert client.post(URL, json=bundle, headers=auth(Role.ADMIN)).status_code == 200
    denied = client.post(URL, json=bundle, headers=auth(Role.WRITER))
    assert denied.status_code == 403
    assert denied.json()["error"] == "PermissionDenied"
    assert client.post(URL, json=bundle).status_code == 401


def test_tampered_bundle_is_200_invalid_with_the_failing_check(
    client: TestClient, auth: Auth, anchored_log: AnchoredLog
) -> None:
    bundle = anchored_log.bundle_json(1)
    bundle["statement_hash"] = "00" * 32
    response = client.post(URL, json=bundle, headers=auth(Role.AUDITOR))
    assert response.status_code == 200
    body = response.json()
    assert (body["valid"], body["status"]) == (False, "invalid")
    failed = {c["name"]: c["reason"] for c in body["checks"] if c["outcome"] == "failed"}
    assert set(failed) == {"anchor record", "anchor transaction"}
    assert "statement hash" in failed["anchor record"]


def test_min_confirmations_can_be_raised_per_request(
    client: TestClient, auth: Auth, anchored_log: AnchoredLog
) -> None:
    response = client.post(
        URL + "?min_confirmations=1000000",
        json=anchored_log.bundle_json(1),
        headers=auth(Role.AUDITOR),
    )
    failed = [c["name"] for c in response.json()["checks"] if c["outcome"] == "failed"]
    assert failed == ["confirmations"]


def test_malformed_bundle_is_422_with_the_standard_error_body(
    client: TestClient, auth: Auth, anchored_log: AnchoredLog
) -> None:
    bundle = anchored_log.bundle_json(1)
    bundle["inclusion"]["path"][1] = "XYZ"
    response = client.post(URL, json=bundle, headers=auth(Role.AUDITOR))
    assert response.status_code == 422
    assert response.json() == {
        "error": "InvalidRequest",
        "detail": "inclusion.path.1: must be 64 lower-case hex digits",
        "field": "inclusion.path.1",
        "index": None,
    }


def test_body_that_is_not_json_is_422(client: TestClient, auth: Auth) -> None:
    response = client.post(URL, content=b"{nope", headers=auth(Role.AUDITOR))
    assert response.status_code == 422
    body = response.json()
    assert body["field"] is None
    assert body["detail"].startswith("not valid JSON")


def test_unreachable_chain_is_reported_not_raised(
    make_settings: Callable[..., Settings],
    database: Database,
    auth: Auth,
    anchored_log: AnchoredLog,
) -> None:
    settings = make_settings(
        rpc_url=f"http://127.0.0.1:{free_port()}", registry_address=anchored_log.registry
    )
    with TestClient(create_app(settings, database)) as client:
        response = client.post(
            URL, content=json.dumps(anchored_log.bundle_json(1)), headers=auth(Role.AUDITOR)
        )
    assert response.status_code == 200
    body = response.json()
    assert (body["valid"], body["status"]) == (False, "unverified")
    outcomes = {check["name"]: check["outcome"] for check in body["checks"]}
    assert outcomes["chain id"] == "error"
    assert [outcomes[name] for name in CHAIN_CHECKS[1:]] == ["skipped"] * 4


def test_route_is_documented_with_the_bundle_schema(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"][URL]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == [
        "version", "entry", "leaf", "inclusion", "statement_hash", "anchor"
    ]  # fmt: skip
