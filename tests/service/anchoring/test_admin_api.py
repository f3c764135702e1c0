"""``POST /v1/admin/anchor``: anchor on demand; the outcome and the anchor in the body."""

from __future__ import annotations

from collections.abc import Callable

from eth_account import Account
from fastapi import FastAPI
from fastapi.testclient import TestClient

from anchor_service.api.deps import state_of
from anchor_service.chain import RegistryClient, Signer, connect
from anchor_service.db.models import Role
from anchor_service.db.session import Database
from anchor_service.dev import free_port
from anchor_service.services.anchoring.anchorer import Anchorer
from anchor_service.services.anchoring.backoff import Backoff
from anchor_service.services.anchoring.chain_context import ChainContext

from .conftest import MakeAnchorer, SealEntries, revoke_anchorer

Auth = Callable[[Role], dict[str, str]]


def test_anchor_on_demand_submits_then_reports_the_anchor_in_flight(
    app: FastAPI,
    client: TestClient,
    auth: Auth,
    make_anchorer: MakeAnchorer,
    seal_entries: SealEntries,
    chain: ChainContext,
) -> None:
    state_of(app).anchorer = make_anchorer(confirmations=3)
    headers = auth(Role.ADMIN)
    nothing = client.post("/v1/admin/anchor", headers=headers)
    assert nothing.status_code == 200
    assert nothing.json()["outcome"] == "nothing_to_do" and nothing.json()["anchor"] is None

    size = seal_entries(3)
    response = client.post("/v1/admin/anchor", headers=headers)
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["outcome"] == "submitted"
    anchor = body["anchor"]
    assert (anchor["status"], anchor["tree_size"], anchor["registry"]) == (
        "submitted", size, chain.registry.address,
    )  # fmt: skip
    [transaction] = anchor["transactions"]
    assert transaction["tx_hash"].startswith("0x") and transaction["sent_at"] is not None

    again = client.post("/v1/admin/anchor", headers=headers)
    assert again.status_code == 200
    assert again.json()["outcome"] == "in_flight"
    assert again.json()["anchor"]["id"] == anchor["id"]
    assert again.json()["anchor"]["block_number"] is not None  # followed up: mined
    assert chain.registry.anchor_count() == 1


def test_failed_anchor_is_reported_with_its_decoded_reason_and_the_api_stays_up(
    app: FastAPI,
    client: TestClient,
    auth: Auth,
    make_anchorer: MakeAnchorer,
    seal_entries: SealEntries,
    chain: ChainContext,
) -> None:
    state_of(app).anchorer = make_anchorer()
    seal_entries(2)
    revoke_anchorer(chain)
    response = client.post("/v1/admin/anchor", headers=auth(Role.ADMIN))
    assert response.status_code == 200
    body = response.json()
    assert body["outcome"] == "failed"
    assert body["anchor"]["status"] == "failed"
    assert body["anchor"]["error_name"] == "AccessControlUnauthorizedAccount"
    assert chain.sender in body["anchor"]["error"]
    assert client.get("/healthz").status_code == 200


def test_unreachable_chain_answers_503(
    app: FastAPI, client: TestClient, auth: Auth, database: Database, seal_entries: SealEntries
) -> None:
    web3 = connect(f"http://127.0.0.1:{free_port()}", retries=1, timeout=1)
    registry = RegistryClient(web3, "0x5FbDB2315678afecb367f032d93F642f64180aa3", chain_id=1337)
    signer = Signer.from_key(Account.create().key.hex())
    context = ChainContext(web3=web3, signer=signer, registry=registry, chain_id=1337)
    state_of(app).anchorer = Anchorer(database, context, backoff=Backoff(initial=5.0))
    seal_entries(1)
    response = client.post("/v1/admin/anchor", headers=auth(Role.ADMIN))
    assert response.status_code == 503
    assert response.json()["error"] == "ChainUnavailable"


def test_anchoring_needs_an_admin_key(client: TestClient, auth: Auth) -> None:
    for role in (Role.WRITER, Role.AUDITOR):
        assert client.post("/v1/admin/anchor", headers=auth(role)).status_code == 403
    assert client.post("/v1/admin/anchor").status_code == 401
