"""Fixtures for anchoring: a real ganache, a fresh registry and signer per test, sealed heads.

Each test gets a fresh signing account (funded from ganache's deterministic account 9)
that deploys its own registry (nonce 0) and grants itself the anchorer and pauser roles,
as ``anchor-service deploy`` does; so anchors never use nonce 0 (ganache treats a pooled
nonce-0 transaction as "no nonce"), and tests do not share nonces or heads.

The ganache (``devchain``, ``web3``, ``rpc``) and the databases are the shared ones of
``tests/service/conftest.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from web3 import Web3
from web3.types import RPCEndpoint, Wei

from anchor_service.chain import (
    ANCHORER_ROLE,
    DEFAULT_ADMIN_ROLE,
    PAUSER_ROLE,
    FeePolicy,
    RegistryClient,
    Signer,
    deploy_registry,
    load_artifact,
)
from anchor_service.chain.txbuilder import transact
from anchor_service.cli.main import main
from anchor_service.db.models import Role
from anchor_service.db.repositories.anchors import AnchorRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.dev import DEV_ACCOUNT_KEYS
from anchor_service.services.anchoring.anchorer import Anchorer
from anchor_service.services.anchoring.chain_context import ChainContext
from anchor_service.services.anchoring.views import AnchorView
from anchor_service.services.sealing import seal_pending
from anchor_service.settings import Settings

Rpc = Callable[..., Any]
MakeAnchorer = Callable[..., Anchorer]
SealEntries = Callable[[int], int]


def make_rpc(web3: Web3) -> Rpc:
    def call(method: str, *params: Any) -> Any:
        response = web3.provider.make_request(RPCEndpoint(method), list(params))
        assert "error" not in response, response
        return response["result"]

    return call


def fund(web3: Web3, address: str, ether: int = 1) -> None:
    funder = Account.from_key(DEV_ACCOUNT_KEYS[9]).address  # unlocked in ganache
    tx_hash = web3.eth.send_transaction(
        {"from": funder, "to": address, "value": Wei(ether * 10**18)}
    )
    web3.eth.wait_for_transaction_receipt(tx_hash, timeout=10)


def deploy_for(web3: Web3, signer: Signer, chain_id: int = 1337) -> RegistryClient:
    """Deploy a registry with ``signer`` as admin, anchorer and pauser."""
    deployment = deploy_registry(web3, signer, signer.address)
    registry = RegistryClient(web3, deployment.address, fee_policy=FeePolicy(), chain_id=chain_id)
    registry.grant_anchorer(signer, signer.address)
    registry.grant_pauser(signer, signer.address)
    return registry


@pytest.fixture
def signer_key(web3: Web3) -> str:
    """The private key of a fresh funded account (hex)."""
    key: str = Account.create().key.hex()
    fund(web3, Signer.from_key(key).address)
    return key


@pytest.fixture
def signer(signer_key: str) -> Signer:
    """The fresh funded account (its first nonces go to deploying and granting)."""
    return Signer.from_key(signer_key)


@pytest.fixture
def chain(web3: Web3, signer: Signer) -> ChainContext:
    registry = deploy_for(web3, signer)
    return ChainContext(web3=web3, signer=signer, registry=registry, chain_id=1337)


@pytest.fixture
def make_anchorer(database: Database, chain: ChainContext) -> MakeAnchorer:
    """A fresh :class:`Anchorer` (as after a restart) over the test's database and chain."""

    def build(**options: Any) -> Anchorer:
        values: dict[str, Any] = {"confirmations": 2, "stuck_seconds": 300.0}
        values.update(options)
        context = values.pop("chain", chain)
        return Anchorer(database, context, **values)

    return build


@pytest.fixture
def admin_headers(make_key: Callable[[Role], str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_key(Role.ADMIN)}"}


@pytest.fixture
def seal_entries(
    client: TestClient,
    admin_headers: dict[str, str],
    make_entry: Callable[..., dict[str, Any]],
    database: Database,
    settings: Settings,
) -> SealEntries:
    """Post ``count`` entries through the API and seal them; return the sealed size."""

    def run(count: int) -> int:
        for number in range(count):
            response = client.post(
                "/v1/entries", json=make_entry(amount=1000 + number), headers=admin_headers
            )
            assert response.status_code == 201, response.text
        batches = seal_pending(database, settings)
        assert batches, "nothing was sealed"
        return batches[-1].end_index

    return run


def latest_anchor(database: Database) -> AnchorView:
    """The most recently created anchor."""
    with unit_of_work(database.reader) as session:
        anchors = AnchorRepository(session)
        row = anchors.latest()
        assert row is not None, "no anchor stored"
        return AnchorView.of(row, anchors.transactions(row.id))


def finish(anchorer: Anchorer, rpc: Rpc, *, rounds: int = 8) -> AnchorView:
    """Run confirm rounds, mining a block after each, until no anchor is in flight;
    return the latest anchor."""
    for _ in range(rounds):
        anchorer.confirm()
        if anchorer.records.in_flight() is None:
            break
        rpc("evm_mine")
    return latest_anchor(anchorer.database)


def registry_call(registry: RegistryClient, signer: Signer, function: str, *args: Any) -> None:
    """Send a registry admin function (revokeRole, grantRole, ...) and wait for it."""
    contract = registry.web3.eth.contract(address=registry.address, abi=registry.artifact.abi)
    data = bytes.fromhex(contract.encode_abi(function, args=list(args))[2:])
    transact(
        registry.web3, signer, to=registry.address, data=data, chain_id=registry.chain_id,
        policy=registry.fee_policy, decoder=registry.decoder, timeout=10,
    )  # fmt: skip


def revoke_anchorer(chain: ChainContext, admin: Signer | None = None) -> None:
    """Take the anchorer role from the chain context's signer (``admin`` signs)."""
    registry_call(chain.registry, admin or chain.signer, "revokeRole", ANCHORER_ROLE, chain.sender)


def settings_after_cli_deploy(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    settings: Settings,
    web3: Web3,
    signer_key: str,
    rpc_url: str,
    capsys: pytest.CaptureFixture[str],
    *,
    version_flag: str,
    contract: str,
    artifact_path: Path,
) -> Settings:
    """``anchor-service deploy VERSION_FLAG --admin A --pauser P`` run as the CLI runs it
    (the roles checked: the signer may only anchor); the service's settings then name
    nothing but the deployment file it wrote."""
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "ANCHOR_DATABASE_URL": settings.database_url,
        "ANCHOR_RPC_URL": rpc_url,
        "ANCHOR_CHAIN_ID": "1337",
        "ANCHOR_SIGNER_KEY": signer_key,
        "ANCHOR_DATA_DIR": str(tmp_path / ".data"),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ANCHOR_REGISTRY_ADDRESS", raising=False)
    admin, pauser = Account.create().address, Account.create().address
    assert main(["deploy", version_flag, "--admin", admin, "--pauser", pauser, "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["contractName"] == contract
    registry = RegistryClient(web3, record["address"], artifact=load_artifact(artifact_path))
    signer = Signer.from_key(signer_key).address
    assert registry.has_role(DEFAULT_ADMIN_ROLE, admin) and registry.has_role(PAUSER_ROLE, pauser)
    assert registry.has_role(ANCHORER_ROLE, signer)
    assert not registry.has_role(DEFAULT_ADMIN_ROLE, signer)
    assert not registry.has_role(PAUSER_ROLE, signer)
    return settings.model_copy(
        update={
            "rpc_url": rpc_url,
            "chain_id": 1337,
            "data_dir": tmp_path / ".data",
            "deployment_file": tmp_path / ".data" / "deployment.json",
            "registry_address": None,
            "signer_key": signer_key,
            "confirmations": 2,
        }
    )
