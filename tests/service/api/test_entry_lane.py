"""``POST /v1/entries`` answered by its fast lane (``anchor_service.api.lanes``) exactly as
by the route: the same stored entry, status, headers, receipt and errors.

A query string sends the request through FastAPI's routing (the route ignores it), so
each case compares the two answers; every other test of the write route runs through
the lane.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from anchor_service.api.lanes import plain_entry_post
from anchor_service.db.models import Role
from tests.support.lanes import LanesAlone

Auth = Callable[[Role], dict[str, str]]


def _post(client: TestClient, body: Any, headers: dict[str, str], query: str = "") -> tuple:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = client.post(f"/v1/entries{query}", content=data,
                           headers={**headers, "Content-Type": "application/json"})  # fmt: skip
    answer = response.json() if response.content else None
    if isinstance(answer, dict):
        answer.pop("receipt", None)  # signed with the time: compared apart
        answer.pop("received_at", None)
        if isinstance(answer.get("document"), dict):
            answer["document"].pop("salt", None)
    return (response.status_code, answer, response.headers.get("location"),
            response.headers.get("content-type"), "x-request-id" in response.headers)  # fmt: skip


def test_lane_and_route_store_and_answer_alike(
    client: TestClient, auth: Auth, make_entry: Callable[..., dict]
) -> None:
    writer = auth(Role.WRITER)
    lane = _post(client, make_entry("lane-1"), writer)
    routed = _post(client, make_entry("lane-2"), writer, "?routed=1")
    assert lane[0] == routed[0] == 201
    assert lane[2] == "/v1/entries/lane-1" and routed[2] == "/v1/entries/lane-2"
    assert lane[3:] == routed[3:]
    for key in ("external_id", "leaf_index", "document", "content_hash", "leaf_hash"):
        lane[1].pop(key, None)
        routed[1].pop(key, None)
    assert lane[1] == routed[1]
    replay_lane = _post(client, make_entry("lane-1"), writer)
    replay_routed = _post(client, make_entry("lane-1"), writer, "?routed=1")
    assert replay_lane == replay_routed and replay_lane[0] == 200
    stored = client.get("/v1/entries/lane-1", headers=auth(Role.AUDITOR)).json()
    assert stored["leaf_index"] == 0 and stored["status"] in {"pending", "logged"}


@pytest.mark.parametrize(
    ("body", "role", "status"),
    [
        (b"{not json", Role.WRITER, 422),
        ({"external_id": "x"}, Role.WRITER, 422),
        (None, Role.AUDITOR, 403),
        (None, None, 401),
    ],
)
def test_lane_and_route_refuse_alike(
    client: TestClient,
    auth: Auth,
    make_entry: Callable[..., dict],
    body: Any,
    role: Role | None,
    status: int,
) -> None:
    headers = auth(role) if role else {}
    payload = make_entry("refused") if body is None else body
    lane = _post(client, payload, headers)
    assert lane == _post(client, payload, headers, "?routed=1")
    assert lane[0] == status


def test_a_conflicting_body_is_409_in_both(
    client: TestClient, auth: Auth, make_entry: Callable[..., dict]
) -> None:
    writer = auth(Role.WRITER)
    assert _post(client, make_entry("same"), writer)[0] == 201
    changed = make_entry("same", amount=1)
    lane = _post(client, changed, writer)
    assert lane == _post(client, changed, writer, "?routed=1") and lane[0] == 409


def test_the_lane_writes_without_routing(
    client: TestClient, auth: Auth, make_entry: Callable[..., dict]
) -> None:
    lanes = LanesAlone(client, auth(Role.WRITER)["Authorization"])
    body = json.dumps(make_entry("no-router")).encode()
    assert lanes.request("POST", "/v1/entries", body=body)[0] == 201 and lanes.routed == []
    assert lanes.request("POST", "/v1/entries", b"routed=1", b"{}")[0] == 418
    assert lanes.routed == ["/v1/entries"]


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        ("POST", "/v1/entries", b"", True),
        ("POST", "/v1/entries", b"a=1", False),
        ("POST", "/v1/entries/", b"", False),
        ("POST", "/v1/entries/bulk", b"", False),
        ("GET", "/v1/entries", b"", False),
        ("PUT", "/v1/entries", b"", False),
    ],
)
def test_the_lane_takes_only_the_plain_write(
    method: str, path: str, query: bytes, expected: bool
) -> None:
    scope = {"type": "http", "method": method, "path": path, "query_string": query}
    assert plain_entry_post(scope) is expected
