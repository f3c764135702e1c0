"""Probes, OpenAPI, and behaviour when the database is unreachable."""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from anchor_service.api import create_app
from anchor_service.api.auth import ApiKeyCache, Authenticator, Principal
from anchor_service.api.deps import state_of
from anchor_service.api.schemas import BulkEntriesOut, EntryOut
from anchor_service.db import Role
from anchor_service.db.repositories.api_keys import hash_token
from anchor_service.settings import Settings


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_healthz_and_readyz_answer(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


def test_unreachable_database_makes_readyz_and_writes_503(
    make_entry: Callable[..., dict[str, Any]],
) -> None:
    url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/anchor"
    app = create_app(Settings(_env_file=None, database_url=url))  # type: ignore[call-arg]
    token = "ak_0123456789abcdef_" + "A" * 43
    # A key verified before the database went away (still cached), so the write is tried.
    cache = ApiKeyCache(60)
    cache.put(hash_token(token), Principal("0123456789abcdef", Role.WRITER))
    with TestClient(app) as client:
        state = state_of(app)
        state.authenticator = Authenticator(state.database, cache)
        ready = client.get("/readyz")
        write = client.post(
            "/v1/entries", json=make_entry(), headers={"Authorization": f"Bearer {token}"}
        )
        unauthenticated = client.post(
            "/v1/entries", json=make_entry(),
            headers={"Authorization": "Bearer ak_fedcba9876543210_" + "B" * 43},
        )
    for response in (ready, write, unauthenticated):
        assert response.status_code == 503, response.text
        assert response.json()["error"] == "DatabaseUnavailable"


def test_openapi_documents_bodies_examples_errors_and_auth(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    post = schema["paths"]["/v1/entries"]["post"]
    body = post["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/EntryIn"}
    assert body["examples"]["example1"]["value"]["external_id"] == "pay-2026-11-21-000123"
    assert {"201", "200", "401", "403", "409", "413", "422"} <= set(post["responses"])
    components = schema["components"]["schemas"]
    assert {"EntryIn", "PostingIn", "BulkEntriesIn", "ErrorBody", "EntryOut"} <= set(components)
    account = components["PostingIn"]["properties"]["account"]
    assert account["pattern"].startswith("^[a-z0-9]")
    assert schema["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    assert post["security"] == [{"ApiKey": []}]
    bulk = schema["paths"]["/v1/entries/bulk"]["post"]["requestBody"]["content"]
    assert bulk["application/json"]["schema"] == {"$ref": "#/components/schemas/BulkEntriesIn"}


def test_rendered_bodies_match_the_documented_models(
    client: TestClient,
    auth: Callable[[Role], dict[str, str]],
    make_entry: Callable[..., dict[str, Any]],
) -> None:
    headers = auth(Role.WRITER)
    single = client.post("/v1/entries", json=make_entry(), headers=headers).json()
    bulk = client.post("/v1/entries/bulk", json={"entries": [make_entry()]}, headers=headers).json()
    model = EntryOut.model_validate(single)
    assert model.received_at == datetime.fromisoformat(single["received_at"])
    assert model.model_dump(mode="json", exclude={"received_at"}) == {
        k: v for k, v in single.items() if k != "received_at"
    }
    assert BulkEntriesOut.model_validate(bulk).model_dump(mode="json") == bulk
