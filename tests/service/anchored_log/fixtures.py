"""Fixtures for the tests of proofs, the audit and redaction (imported by their
``conftest.py``): a real ganache, a fresh registry per test, a log built through the
API, sealed and anchored for real.

Each test gets a fresh funded account (from ganache's deterministic account 9) that
deploys its own registry and holds the anchorer role, so tests share neither nonces nor
heads. The ganache and the databases are the shared ones of ``tests/service/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from web3 import Web3
from web3.types import RPCEndpoint, Wei

from anchor_service.chain import FeePolicy, RegistryClient, Signer
from anchor_service.chain import deploy_registry as deploy
from anchor_service.db.models import Role
from anchor_service.db.session import Database
from anchor_service.dev import DEV_ACCOUNT_KEYS, DevChain
from anchor_service.services.anchoring.anchorer import Anchorer
from anchor_service.services.anchoring.chain_context import ChainContext
from anchor_service.settings import Settings
from anchor_service.verifier.onchain import Web3ChainView

from .builder import LogBuilder

Rpc = Callable[..., Any]


def _fund(web3: Web3, address: str) -> None:
    funder = Account.from_key(DEV_ACCOUNT_KEYS[9]).address  # unlocked in ganache
    tx_hash = web3.eth.send_transaction({"from": funder, "to": address, "value": Wei(2 * 10**17)})
    web3.eth.wait_for_transaction_receipt(tx_hash, timeout=10)


@pytest.fixture
def chain(web3: Web3) -> ChainContext:
    """A fresh funded signer with its own registry (admin, anchorer and pauser)."""
    signer = Signer.from_key(Account.create().key.hex())
    _fund(web3, signer.address)
    deployment = deploy(web3, signer, signer.address)
    registry = RegistryClient(web3, deployment.address, fee_policy=FeePolicy(), chain_id=1337)
    registry.grant_anchorer(signer, signer.address)
    return ChainContext(web3=web3, signer=signer, registry=registry, chain_id=1337)


@pytest.fixture
def settings(
    make_settings: Callable[..., Settings], devchain: DevChain, chain: ChainContext
) -> Settings:
    """Settings reading the test ganache and the test's registry; 2 confirmations."""
    return make_settings(
        rpc_url=devchain.rpc_url,
        chain_id=1337,
        registry_address=chain.registry.address,
        confirmations=2,
    )


@pytest.fixture
def rpc(web3: Web3) -> Rpc:
    def call(method: str, *params: Any) -> Any:
        response = web3.provider.make_request(RPCEndpoint(method), list(params))
        assert "error" not in response, response
        return response["result"]

    return call


@pytest.fixture
def headers(make_key: Callable[[Role], str]) -> Callable[[Role], dict[str, str]]:
    """Authorization headers for one key per role (created on first use)."""
    keys: dict[Role, dict[str, str]] = {}

    def get(role: Role) -> dict[str, str]:
        if role not in keys:
            keys[role] = {"Authorization": f"Bearer {make_key(role)}"}
        return keys[role]

    return get


@pytest.fixture
def log(
    client: TestClient,
    database: Database,
    settings: Settings,
    chain: ChainContext,
    rpc: Rpc,
    headers: Callable[[Role], dict[str, str]],
) -> LogBuilder:
    anchorer = Anchorer(database, chain, confirmations=settings.confirmations)
    return LogBuilder(client, database, settings, anchorer, rpc, headers(Role.WRITER))


@pytest.fixture
def chain_view(web3: Web3) -> Web3ChainView:
    return Web3ChainView(web3)
