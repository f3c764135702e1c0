"""API keys on the wire: 401 without a valid key, 403 with the wrong role."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from anchor_service.api import create_app
from anchor_service.db import Database, Role, unit_of_work
from anchor_service.db.repositories import ApiKeyRepository
from anchor_service.settings import Settings

MakeKey = Callable[[Role], str]


def _post(client: TestClient, entry: dict[str, Any], headers: dict[str, str]) -> Any:
    return client.post("/v1/entries", json=entry, headers=headers)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer not-a-key"},
        {"Authorization": "Bearer ak_0123456789abcdef_" + "A" * 43},
    ],
    ids=["none", "empty", "no token", "basic", "malformed", "unknown"],
)
def test_missing_or_invalid_keys_are_401(
    client: TestClient, make_entry: Callable[..., dict[str, Any]], headers: dict[str, str]
) -> None:
    for response in (_post(client, make_entry(), headers), client.get("/v1/entries/x",
                                                                      headers=headers)):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["error"] == "Unauthenticated"


@pytest.mark.parametrize(
    ("role", "post_status", "get_status"),
    [(Role.WRITER, 201, 403), (Role.AUDITOR, 403, 404), (Role.ADMIN, 201, 404)],
)
def test_roles_decide_who_writes_and_who_reads(
    client: TestClient,
    make_key: MakeKey,
    make_entry: Callable[..., dict[str, Any]],
    role: Role,
    post_status: int,
    get_status: int,
) -> None:
    headers = {"Authorization": f"Bearer {make_key(role)}"}
    posted = _post(client, make_entry(), headers)
    read = client.get("/v1/entries/absent", headers=headers)
    assert (posted.status_code, read.status_code) == (post_status, get_status)
    for response in (posted, read):
        if response.status_code == 403:
            assert response.json()["error"] == "PermissionDenied"
            assert f"role '{role.value}'" in response.json()["detail"]


def test_revoked_key_is_401(
    client: TestClient, database: Database, make_entry: Callable[..., dict[str, Any]]
) -> None:
    with unit_of_work(database.writer) as session:
        new = ApiKeyRepository(session).create(Role.WRITER)
    headers = {"Authorization": f"Bearer {new.token}"}
    assert _post(client, make_entry(), headers).status_code == 201
    with unit_of_work(database.writer) as session:
        ApiKeyRepository(session).revoke(new.key.id)
    response = _post(client, make_entry(), headers)
    assert response.status_code == 401
    assert response.json()["detail"] == "API key has been revoked"


def test_cached_key_stops_working_once_the_cache_expires(
    settings: Settings, database: Database, make_entry: Callable[..., dict[str, Any]]
) -> None:
    app = create_app(settings.model_copy(update={"api_key_cache_seconds": 0.5}), database)
    with unit_of_work(database.writer) as session:
        new = ApiKeyRepository(session).create(Role.WRITER)
    headers = {"Authorization": f"Bearer {new.token}"}
    with TestClient(app) as client:
        assert _post(client, make_entry(), headers).status_code == 201
        with unit_of_work(database.writer) as session:
            ApiKeyRepository(session).revoke(new.key.id)
        assert _post(client, make_entry(), headers).status_code == 201  # cached
        time.sleep(0.6)
        assert _post(client, make_entry(), headers).status_code == 401


def test_authentication_comes_before_body_validation(client: TestClient) -> None:
    response = client.post("/v1/entries", content=b"not json")
    assert response.status_code == 401
