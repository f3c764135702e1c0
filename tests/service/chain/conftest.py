"""Fixtures for the chain layer: one real ganache per session, a fresh registry per test.

Accounts (ganache's deterministic wallet, public test-only keys): 0 deploys and
administers, 1 anchors, 2 is an outsider with no role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from web3 import Web3
from web3.types import RPCEndpoint

from anchor_service.chain import (
    DEV_ACCOUNT_KEYS,
    ContractArtifact,
    DevChain,
    RegistryClient,
    Signer,
    connect,
    deploy_registry,
    free_port,
    load_artifact,
)


@pytest.fixture(scope="session")
def devchain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevChain]:
    db_path: Path = tmp_path_factory.mktemp("ganache-db")
    with DevChain(db_path, port=free_port()) as chain:
        yield chain


@pytest.fixture(scope="session")
def web3(devchain: DevChain) -> Web3:
    return connect(devchain.rpc_url, expected_chain_id=1337)


@pytest.fixture(scope="session")
def artifact() -> ContractArtifact:
    return load_artifact()


@pytest.fixture(scope="session")
def admin() -> Signer:
    return Signer.from_key(DEV_ACCOUNT_KEYS[0])


@pytest.fixture(scope="session")
def anchorer() -> Signer:
    return Signer.from_key(DEV_ACCOUNT_KEYS[1])


@pytest.fixture(scope="session")
def outsider() -> Signer:
    return Signer.from_key(DEV_ACCOUNT_KEYS[2])


@pytest.fixture
def rpc(web3: Web3) -> Callable[..., Any]:
    """Call a ganache-specific JSON-RPC method (evm_mine, evm_snapshot, miner_stop...)."""

    def call(method: str, *params: Any) -> Any:
        response = web3.provider.make_request(RPCEndpoint(method), list(params))
        assert "error" not in response, response
        return response["result"]

    return call


@pytest.fixture
def registry(
    web3: Web3, artifact: ContractArtifact, admin: Signer, anchorer: Signer
) -> RegistryClient:
    """A freshly deployed registry; the anchorer holds ANCHORER_ROLE, admin PAUSER_ROLE."""
    deployment = deploy_registry(web3, admin, admin.address, artifact)
    client = RegistryClient(web3, deployment.address, artifact=artifact, chain_id=1337)
    client.grant_anchorer(admin, anchorer.address)
    client.grant_pauser(admin, admin.address)
    return client
