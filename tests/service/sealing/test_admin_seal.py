"""``POST /v1/admin/seal`` and the sealed status of entries in ``GET /v1/entries/{id}``."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from anchor_service.db.models import Role
from anchor_service.merkle import root

from .helpers import LogWriter, entry_payload

Auth = Callable[[Role], dict[str, str]]


def test_admin_seal_returns_the_new_batches(
    client: TestClient, auth: Auth, log: LogWriter
) -> None:
    admin = auth(Role.ADMIN)
    for payload in [entry_payload() for _ in range(5)]:
        assert client.post("/v1/entries", json=payload, headers=admin).status_code == 201

    response = client.post("/v1/admin/seal?max_batch_entries=3", headers=admin)

    assert response.status_code == 201
    body = response.json()
    leaves = log.leaf_hashes()
    assert body["message"] == "sealed 5 entries in 2 batches; tree size 5"
    assert [(b["seq"], b["start_index"], b["end_index"]) for b in body["batches"]] == [
        (0, 0, 3), (1, 3, 5)
    ]
    assert [b["root"] for b in body["batches"]] == [root(leaves[:3]).hex(), root(leaves).hex()]


def test_admin_seal_with_nothing_pending_returns_200_and_no_batches(
    client: TestClient, auth: Auth
) -> None:
    response = client.post("/v1/admin/seal", headers=auth(Role.ADMIN))

    assert response.status_code == 200
    assert response.json() == {
        "message": "nothing to seal: every stored entry is sealed already",
        "batches": [],
    }


def test_admin_seal_needs_an_admin_key(client: TestClient, auth: Auth) -> None:
    for role in (Role.WRITER, Role.AUDITOR):
        response = client.post("/v1/admin/seal", headers=auth(role))
        assert response.status_code == 403
        assert response.json()["error"] == "PermissionDenied"
    assert client.post("/v1/admin/seal").status_code == 401


def test_entry_status_moves_from_pending_to_sealed_with_its_batch(
    client: TestClient, auth: Auth, log: LogWriter
) -> None:
    admin = auth(Role.ADMIN)
    first, second = entry_payload(), entry_payload()
    client.post("/v1/entries", json=first, headers=admin)
    pending = client.get(f"/v1/entries/{first['external_id']}", headers=admin).json()
    assert pending["status"] == "pending" and pending["batch"] is None

    client.post("/v1/admin/seal", headers=admin)
    client.post("/v1/entries", json=second, headers=admin)

    sealed = client.get(f"/v1/entries/{first['external_id']}", headers=admin).json()
    assert sealed["status"] == "sealed"
    assert sealed["batch"] == {
        "seq": 0, "tree_size": 1, "root": root(log.leaf_hashes()[:1]).hex()
    }
    still_pending = client.get(f"/v1/entries/{second['external_id']}", headers=admin).json()
    assert still_pending["status"] == "pending" and still_pending["batch"] is None
