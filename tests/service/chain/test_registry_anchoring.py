"""Deploying the committed artifact and anchoring heads on a real ganache."""

from __future__ import annotations

import pytest
from hexbytes import HexBytes
from web3 import Web3

from anchor_service import merkle
from anchor_service.chain import (
    ANCHORER_ROLE,
    DEFAULT_ADMIN_ROLE,
    PAUSER_ROLE,
    AnchorCall,
    ContractArtifact,
    RegistryClient,
    Signer,
    TransactionRevertedError,
    deploy_registry,
)

LEAVES = [merkle.leaf_hash(f"entry-{i}".encode()) for i in range(16)]
STATEMENT = bytes(range(32))


def head(size: int, old_size: int = 0) -> AnchorCall:
    """The call anchoring the log's first ``size`` leaves, extending ``old_size``."""
    proof = merkle.consistency_proof(LEAVES[:size], old_size) if old_size else []
    return AnchorCall(size, merkle.root(LEAVES[:size]), STATEMENT, tuple(proof))


def anchor(registry: RegistryClient, signer: Signer, call: AnchorCall) -> int:
    """Anchor ``call`` and return its sequence number from the mined event."""
    signed = registry.build_anchor(signer, call, registry.pending_nonce(signer.address))
    receipt = registry.wait_for_receipt(registry.send_raw(signed.raw), timeout=10)
    assert receipt.succeeded
    assert receipt.head_anchored is not None
    return receipt.head_anchored.seq


def test_deploy_from_committed_artifact_gives_admin_role_and_empty_registry(
    web3: Web3, artifact: ContractArtifact, admin: Signer, outsider: Signer
) -> None:
    deployment = deploy_registry(web3, admin, outsider.address, artifact)
    registry = RegistryClient(web3, deployment.address, artifact=artifact)
    assert registry.is_deployed()
    receipt = web3.eth.get_transaction_receipt(HexBytes(deployment.tx_hash))
    assert (receipt["blockNumber"], receipt["contractAddress"]) == (
        deployment.block_number,
        deployment.address,
    )
    assert registry.has_role(DEFAULT_ADMIN_ROLE, outsider.address)
    assert not registry.has_role(DEFAULT_ADMIN_ROLE, admin.address)
    assert not registry.has_role(ANCHORER_ROLE, outsider.address)
    assert registry.latest_head() is None
    assert registry.anchor_count() == 0
    assert registry.root_at(1) is None
    assert registry.anchor_at(0) is None
    assert not registry.is_paused()


def test_deploy_with_zero_admin_reverts_with_invalid_admin(
    web3: Web3, artifact: ContractArtifact, admin: Signer
) -> None:
    with pytest.raises(TransactionRevertedError) as info:
        deploy_registry(web3, admin, "0x" + "00" * 20, artifact)
    assert info.value.error_name == "AnchorRegistryInvalidAdmin"
    assert info.value.error_args == {"admin": "0x" + "00" * 20}


def test_address_without_code_is_not_deployed(web3: Web3, outsider: Signer) -> None:
    assert not RegistryClient(web3, outsider.address).is_deployed()


def test_fixture_grants_roles(registry: RegistryClient, anchorer: Signer, admin: Signer) -> None:
    assert registry.has_role(ANCHORER_ROLE, anchorer.address)
    assert registry.has_role(PAUSER_ROLE, admin.address)


def test_first_head_is_anchored_with_event_and_stored_record(
    registry: RegistryClient, anchorer: Signer
) -> None:
    call = head(1)
    signed = registry.build_anchor(anchorer, call, registry.pending_nonce(anchorer.address))
    tx_hash = registry.send_raw(signed.raw)
    assert tx_hash == signed.tx_hash
    receipt = registry.wait_for_receipt(tx_hash, timeout=10)
    assert receipt.succeeded
    assert receipt.head_anchored is not None
    assert (receipt.head_anchored.seq, receipt.head_anchored.tree_size) == (0, 1)
    assert receipt.head_anchored.root == LEAVES[0] == call.root
    assert receipt.head_anchored.statement_hash == STATEMENT
    assert 0 < receipt.gas_used <= signed.gas
    assert receipt.effective_gas_price <= signed.fees.max_fee_per_gas

    latest = registry.latest_head()
    assert latest is not None
    assert (latest.seq, latest.tree_size, latest.root) == (0, 1, call.root)
    assert registry.root_at(1) == call.root
    record = registry.anchor_at(0)
    assert record is not None
    assert (record.tree_size, record.root, record.statement_hash) == (1, call.root, STATEMENT)
    assert record.block_number == receipt.block_number
    assert record.timestamp > 0
    assert registry.anchor_count() == 1


def test_extension_with_a_real_consistency_proof_is_anchored(
    registry: RegistryClient, anchorer: Signer
) -> None:
    assert anchor(registry, anchorer, head(1)) == 0
    assert anchor(registry, anchorer, head(5, 1)) == 1
    assert anchor(registry, anchorer, head(13, 5)) == 2
    latest = registry.latest_head()
    assert latest is not None
    assert (latest.seq, latest.tree_size, latest.root) == (2, 13, merkle.root(LEAVES[:13]))
    assert registry.root_at(5) == merkle.root(LEAVES[:5])
    assert registry.root_at(6) is None


def test_contract_views_verify_proofs_like_the_merkle_package(
    registry: RegistryClient, anchorer: Signer
) -> None:
    anchor(registry, anchorer, head(7))
    path = merkle.inclusion_proof(LEAVES[:7], 4)
    assert registry.verify_inclusion(4, 7, LEAVES[4], path)
    assert not registry.verify_inclusion(4, 7, LEAVES[5], path)
    proof = merkle.consistency_proof(LEAVES[:7], 3)
    root3, root7 = merkle.root(LEAVES[:3]), merkle.root(LEAVES[:7])
    assert registry.verify_consistency(3, 7, root3, root7, proof)
    assert not registry.verify_consistency(3, 7, root7, root3, proof)


def test_non_extending_head_reverts_before_sending_with_decoded_error(
    registry: RegistryClient, anchorer: Signer
) -> None:
    anchor(registry, anchorer, head(10))
    nonce = registry.pending_nonce(anchorer.address)
    with pytest.raises(TransactionRevertedError) as info:
        registry.build_anchor(anchorer, head(5), nonce)
    assert info.value.error_name == "AnchorRegistryNotExtending"
    assert info.value.error_args == {"latestSize": 10, "treeSize": 5}
    assert info.value.reason == "AnchorRegistryNotExtending(latestSize=10, treeSize=5)"
    assert registry.pending_nonce(anchorer.address) == nonce


def test_head_with_a_wrong_consistency_proof_reverts_as_inconsistent(
    registry: RegistryClient, anchorer: Signer
) -> None:
    anchor(registry, anchorer, head(4))
    forged = AnchorCall(8, merkle.root(LEAVES[:8]), STATEMENT, head(8, 5).consistency_proof)
    with pytest.raises(TransactionRevertedError) as info:
        registry.build_anchor(anchorer, forged, registry.pending_nonce(anchorer.address))
    assert info.value.reason == "AnchorRegistryInconsistentHead(size1=4, size2=8)"


def test_mined_revert_is_explained_by_replaying_the_call(
    registry: RegistryClient, anchorer: Signer
) -> None:
    anchor(registry, anchorer, head(3))
    # An explicit gas limit skips estimation, so the refused head is mined with status 0.
    signed = registry.build_anchor(
        anchorer, head(2), registry.pending_nonce(anchorer.address), gas=300_000
    )
    receipt = registry.wait_for_receipt(registry.send_raw(signed.raw), timeout=10)
    assert receipt.status == 0
    assert receipt.head_anchored is None
    reason = registry.revert_reason(receipt.tx_hash)
    assert reason.error_name == "AnchorRegistryNotExtending"
    assert dict(reason.args) == {"latestSize": 3, "treeSize": 2}


def test_mined_out_of_gas_is_reported_without_a_custom_error(
    registry: RegistryClient, anchorer: Signer
) -> None:
    signed = registry.build_anchor(
        anchorer, head(1), registry.pending_nonce(anchorer.address), gas=30_000
    )
    receipt = registry.wait_for_receipt(registry.send_raw(signed.raw), timeout=10)
    assert receipt.status == 0
    reason = registry.revert_reason(receipt.tx_hash)
    assert reason.error_name == ""
    assert "out of gas" in reason.message


def test_unauthorised_signer_decodes_to_access_control_error(
    registry: RegistryClient, outsider: Signer
) -> None:
    with pytest.raises(TransactionRevertedError) as info:
        registry.build_anchor(outsider, head(1), registry.pending_nonce(outsider.address))
    assert info.value.error_name == "AccessControlUnauthorizedAccount"
    assert info.value.error_args == {"account": outsider.address, "neededRole": ANCHORER_ROLE}
    assert info.value.reason == (
        f"AccessControlUnauthorizedAccount(account={outsider.address}, "
        f"neededRole=0x{ANCHORER_ROLE.hex()})"
    )


def test_paused_registry_refuses_anchors_with_enforced_pause_until_unpaused(
    registry: RegistryClient, admin: Signer, anchorer: Signer
) -> None:
    registry.pause(admin)
    assert registry.is_paused()
    with pytest.raises(TransactionRevertedError) as info:
        registry.build_anchor(anchorer, head(1), registry.pending_nonce(anchorer.address))
    assert (info.value.error_name, info.value.reason) == ("EnforcedPause", "EnforcedPause()")
    registry.unpause(admin)
    assert anchor(registry, anchorer, head(1)) == 0


def test_admin_call_without_role_raises_decoded_revert(
    registry: RegistryClient, anchorer: Signer
) -> None:
    with pytest.raises(TransactionRevertedError) as info:
        registry.pause(anchorer)
    assert info.value.error_name == "AccessControlUnauthorizedAccount"
    assert info.value.error_args["neededRole"] == PAUSER_ROLE
