"""The proof route's fast lane (``anchor_service.api.lanes``) answers exactly as the
routed request does: the same bundles, errors, headers, keys and metrics.

``?format=json`` asks for the same bundle as the plain form but has a query string, so
it goes through FastAPI's routing: each case compares the two answers. Runs on SQLite
(bundles built on a proof thread) and PostgreSQL (the entry read on the event loop).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from anchor_service.api.lanes import plain_proof_request
from anchor_service.db.models import Role
from anchor_service.verifier import Status, TrustRoot, parse_bundle, verify_bundle
from anchor_service.verifier.onchain import Web3ChainView
from tests.support.lanes import LanesAlone

from .conftest import LogBuilder

Headers = Callable[[Role], dict[str, str]]


def _both(client: TestClient, path: str, headers: dict[str, str]) -> tuple[object, object]:
    """(lane, routed) answers to the same question: status, body and headers that matter."""

    def answer(query: str) -> tuple[int, bytes, str | None, str | None, bool]:
        response = client.get(path + query, headers=headers)
        return (
            response.status_code,
            response.content,
            response.headers.get("content-type"),
            response.headers.get("retry-after"),
            "x-request-id" in response.headers,
        )

    return answer(""), answer("?format=json")


def test_lane_and_route_give_the_same_bundle_and_it_verifies(
    log: LogBuilder, client: TestClient, headers: Headers, chain_view: Web3ChainView
) -> None:
    log.head(5)
    trust = TrustRoot.for_registry(1337, log.settings.registry_address or "", "the log's")
    for external_id in log.ids:
        lane, routed = _both(client, f"/v1/entries/{external_id}/proof", headers(Role.AUDITOR))
        assert lane == routed
        assert lane[0] == 200 and lane[4]  # 200, with the request id
        bundle = parse_bundle(lane[1])
        report = verify_bundle(bundle, chain_view, min_confirmations=2, trust=trust)
        assert report.status is Status.VALID, report.to_json()


def test_lane_and_route_give_the_same_errors(
    log: LogBuilder, client: TestClient, headers: Headers
) -> None:
    log.head(2)
    pending = log.add(1)[0]  # not sealed: 409 with the entry's status
    cases = [
        (f"/v1/entries/{pending}/proof", headers(Role.AUDITOR), 409),
        ("/v1/entries/no-such-entry/proof", headers(Role.AUDITOR), 404),
        (f"/v1/entries/{log.ids[0]}/proof", headers(Role.WRITER), 403),
        (f"/v1/entries/{log.ids[0]}/proof", {}, 401),
        (f"/v1/entries/{log.ids[0]}/proof", {"Authorization": "Bearer wrong"}, 401),
    ]
    for path, key, status in cases:
        lane, routed = _both(client, path, key)
        assert lane == routed, path
        assert lane[0] == status, lane
    body = client.get(f"/v1/entries/{pending}/proof", headers=headers(Role.AUDITOR)).json()
    assert body["error"] == "EntryNotAnchored" and body["detail"]


def test_an_account_key_reads_its_entries_and_not_others_in_both(
    log: LogBuilder, client: TestClient
) -> None:
    [own] = log.add(1)  # wallet:user:981 -> escrow:project:42
    other = log.add_for("wallet:user:1204")
    log.seal()
    log.anchor()
    scoped = log.account_key("wallet:user:981")
    lane, routed = _both(client, f"/v1/entries/{own}/proof", scoped)
    assert lane == routed and lane[0] == 200
    lane, routed = _both(client, f"/v1/entries/{other}/proof", scoped)
    assert lane == routed and lane[0] == 404  # like a missing entry


def test_lane_requests_are_counted_under_the_route_template(
    log: LogBuilder, client: TestClient, headers: Headers
) -> None:
    log.head(1)
    client.get(f"/v1/entries/{log.ids[0]}/proof", headers=headers(Role.AUDITOR))
    metrics = client.get("/metrics").text
    assert 'route="/v1/entries/{external_id}/proof"' in metrics
    assert log.ids[0] not in metrics


def test_the_lane_answers_the_plain_form_without_routing(
    log: LogBuilder, client: TestClient, headers: Headers
) -> None:
    log.head(2)
    lanes = LanesAlone(client, headers(Role.AUDITOR)["Authorization"])
    path = f"/v1/entries/{log.ids[1]}/proof"
    status, body = lanes.request("GET", path)
    assert status == 200 and lanes.routed == []
    assert body == client.get(path, headers=headers(Role.AUDITOR)).content
    assert lanes.request("GET", "/v1/entries/no-such/proof")[0] == 404
    assert lanes.request("GET", path, b"format=json")[0] == 418
    assert lanes.routed == [path]


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        ("GET", "/v1/entries/pay-1/proof", b"", "pay-1"),
        ("GET", "/v1/entries/a:b%20c/proof", b"", "a:b%20c"),
        ("GET", "/v1/entries/pay-1/proof", b"tree_size=3", None),
        ("HEAD", "/v1/entries/pay-1/proof", b"", None),
        ("POST", "/v1/entries/pay-1/proof", b"", None),
        ("GET", "/v1/entries//proof", b"", None),
        ("GET", "/v1/entries/a/b/proof", b"", None),
        ("GET", "/v1/entries/pay-1", b"", None),
        ("GET", "/v1/entries/proof", b"", None),
    ],
)
def test_the_lane_takes_only_the_plain_form(
    method: str, path: str, query: bytes, expected: str | None
) -> None:
    scope = {"type": "http", "method": method, "path": path, "query_string": query}
    assert plain_proof_request(scope) == expected
