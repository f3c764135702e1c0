"""Fixtures for the verifier: a real ganache, a small log anchored on it, real bundles.

The log has 7 entries made with the ledger's canonical encoder (fresh salts). Two heads
are anchored in one registry: seq 0 at tree size 4, seq 1 at tree size 7 (with the
consistency proof from 4); one more block is mined on top.

The ganache (``devchain``, ``web3``, ``rpc``) is the shared one of tests/service/conftest.py.
Accounts (its deterministic wallet, public test-only keys): 3 deploys and administers, 4
anchors, 6 is the forger of test_forgery.py, so these tests never touch the nonces of
accounts 0-2 that other suites use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from web3 import Web3
from web3.types import RPCEndpoint

from anchor_service.chain import RegistryClient, Signer, deploy_registry
from anchor_service.dev import DEV_ACCOUNT_KEYS, DevChain, free_port
from anchor_service.settings import Settings
from anchor_service.verifier.onchain import Web3ChainView

from .anchored import FIRST_HEAD, LOG_SIZE, AnchoredLog, anchor_head, make_entries
from .forgery import Forgery, build_forgery


@pytest.fixture(scope="session")
def verifier_admin() -> Signer:
    return Signer.from_key(DEV_ACCOUNT_KEYS[3])


@pytest.fixture(scope="session")
def verifier_anchorer() -> Signer:
    return Signer.from_key(DEV_ACCOUNT_KEYS[4])


@pytest.fixture(scope="session")
def new_registry(
    web3: Web3, verifier_admin: Signer, verifier_anchorer: Signer
) -> Callable[[], RegistryClient]:
    """Deploy a fresh registry whose anchorer is ``verifier_anchorer``."""

    def deploy() -> RegistryClient:
        deployment = deploy_registry(web3, verifier_admin, verifier_admin.address)
        client = RegistryClient(web3, deployment.address, chain_id=1337)
        client.grant_anchorer(verifier_admin, verifier_anchorer.address)
        return client

    return deploy


@pytest.fixture(scope="session")
def anchored_log(
    web3: Web3, new_registry: Callable[[], RegistryClient], verifier_anchorer: Signer
) -> AnchoredLog:
    entries = make_entries(LOG_SIZE)
    leaves = [entry.leaf_hash for entry in entries]
    registry = new_registry()
    first = anchor_head(registry, verifier_anchorer, leaves, FIRST_HEAD, 0)
    second = anchor_head(registry, verifier_anchorer, leaves, LOG_SIZE, FIRST_HEAD)
    web3.provider.make_request(RPCEndpoint("evm_mine"), [])  # 2 confirmations for seq 1
    return AnchoredLog(1337, registry.address, entries, (first, second))


@pytest.fixture(scope="session")
def chain(web3: Web3) -> Web3ChainView:
    return Web3ChainView(web3)


@pytest.fixture
def settings(
    make_settings: Callable[..., Settings], devchain: DevChain, anchored_log: AnchoredLog
) -> Settings:
    """Service settings (for the API tests) reading the test ganache, 1 confirmation, with
    the test log's registry as the service's own (its trust root)."""
    return make_settings(
        rpc_url=devchain.rpc_url, confirmations=1, registry_address=anchored_log.registry
    )


@pytest.fixture(scope="session")
def attacker() -> Signer:
    """The forger: a ganache account no other suite uses, deploying its own registry."""
    return Signer.from_key(DEV_ACCOUNT_KEYS[6])


@pytest.fixture(scope="session")
def forgery(
    web3: Web3,
    new_registry: Callable[[], RegistryClient],
    verifier_anchorer: Signer,
    attacker: Signer,
) -> Forgery:
    """The genuine log in a registry of its own and the forged copy in the attacker's."""
    genuine = new_registry()
    deployment = deploy_registry(web3, attacker, attacker.address)
    forged = RegistryClient(web3, deployment.address, chain_id=1337)
    forged.grant_anchorer(attacker, attacker.address)
    built = build_forgery(genuine, verifier_anchorer, forged, attacker)
    web3.provider.make_request(RPCEndpoint("evm_mine"), [])  # 2 confirmations each
    return built


@pytest.fixture(scope="session")
def other_ganache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevChain]:
    """A second ganache with the same chain id (1337) but its own, different chain."""
    with DevChain(tmp_path_factory.mktemp("other-ganache"), port=free_port()) as chain:
        yield chain
