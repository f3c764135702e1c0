"""Bundles anchored in a v1 AnchorRegistry (the service deploys AnchorRegistryV2, but v1
registries exist in the field) still verify: the verifier tells v1 by its code and reads
``rootAt`` / ``anchorAt``; a tampered root is still caught."""

from __future__ import annotations

from typing import Any

from eth_account import Account
from web3 import Web3
from web3.types import RPCEndpoint, Wei

from anchor_service.chain import (
    REGISTRY_ARTIFACT_PATH,
    RegistryClient,
    Signer,
    deploy_registry,
    load_artifact,
)
from anchor_service.dev import DEV_ACCOUNT_KEYS
from anchor_service.verifier import (
    ANCHOR_RECORD,
    REGISTRY_ROOT,
    Outcome,
    Status,
    TrustRoot,
    parse_bundle,
    verify_bundle,
)
from anchor_service.verifier.onchain import Web3ChainView

from .anchored import FIRST_HEAD, LOG_SIZE, AnchoredLog, anchor_head, make_entries


def _v1_log(web3: Web3) -> AnchoredLog:
    signer = Signer.from_key(Account.create().key.hex())
    funder = Account.from_key(DEV_ACCOUNT_KEYS[9]).address  # unlocked in ganache
    funding = web3.eth.send_transaction(
        {"from": funder, "to": signer.address, "value": Wei(2 * 10**17)}
    )
    web3.eth.wait_for_transaction_receipt(funding, timeout=10)
    v1 = load_artifact(REGISTRY_ARTIFACT_PATH)
    deployment = deploy_registry(web3, signer, signer.address, v1)
    registry = RegistryClient(web3, deployment.address, artifact=v1, chain_id=1337)
    registry.grant_anchorer(signer, signer.address)
    entries = make_entries(LOG_SIZE)
    leaves = [entry.leaf_hash for entry in entries]
    first = anchor_head(registry, signer, leaves, FIRST_HEAD, 0)
    second = anchor_head(registry, signer, leaves, LOG_SIZE, FIRST_HEAD)
    web3.provider.make_request(RPCEndpoint("evm_mine"), [])
    return AnchoredLog(1337, registry.address, entries, (first, second))


def _verify(bundle: dict[str, Any], chain: Web3ChainView, registry: str) -> Any:
    parsed = parse_bundle(bundle)
    trust = TrustRoot.for_registry(1337, registry, "pinned by the test")
    return verify_bundle(parsed, chain, min_confirmations=1, trust=trust)


def test_a_bundle_of_a_v1_registry_verifies_and_a_tampered_root_fails(web3: Web3) -> None:
    log = _v1_log(web3)
    chain = Web3ChainView(web3)
    assert RegistryClient.detect(web3, log.registry).artifact.contract_name == "AnchorRegistry"

    report = _verify(log.bundle_json(3), chain, log.registry)
    assert (report.valid, report.status) == (True, Status.VALID), report.to_json()
    assert report.check(REGISTRY_ROOT).reason == f"rootAt({LOG_SIZE}) = inclusion.root"
    assert report.check(ANCHOR_RECORD).outcome is Outcome.PASSED

    tampered = log.bundle_json(3)
    tampered["inclusion"]["root"] = "ab" * 32
    report = _verify(tampered, chain, log.registry)
    assert report.status is not Status.VALID
    assert report.check(REGISTRY_ROOT).outcome is Outcome.FAILED, report.to_json()
