"""Reverts, refusals and stuck transactions: decoded, recorded, recovered from."""

from __future__ import annotations

import pytest
from web3 import Web3

from anchor_service.chain import (
    ANCHORER_ROLE,
    GWEI,
    FeePolicy,
    RegistryClient,
    Signer,
    TxState,
)
from anchor_service.chain.fees import latest_base_fee
from anchor_service.db.models_anchoring import AnchorStatus
from anchor_service.db.models_sealing import BatchStatus
from anchor_service.db.session import Database
from anchor_service.services.anchoring.chain_context import ChainContext
from anchor_service.services.anchoring.sending import Checkpoint
from anchor_service.services.anchoring.views import AnchorView, ChangeKind, OutcomeKind

from .conftest import (
    MakeAnchorer,
    Rpc,
    SealEntries,
    finish,
    fund,
    registry_call,
    revoke_anchorer,
)
from .test_anchor_lifecycle import batch_statuses


class SimulatedCrash(BaseException):
    pass


def crash_when_recorded(point: Checkpoint, _view: AnchorView) -> None:
    if point is Checkpoint.RECORDED:
        raise SimulatedCrash


def test_revoked_anchorer_role_fails_with_the_decoded_reason_until_granted_again(
    seal_entries: SealEntries,
    make_anchorer: MakeAnchorer,
    chain: ChainContext,
    database: Database,
    rpc: Rpc,
) -> None:
    size = seal_entries(3)
    revoke_anchorer(chain)
    anchorer = make_anchorer()

    outcome = anchorer.anchor_latest()
    assert outcome.kind is OutcomeKind.FAILED
    failed = outcome.anchor
    assert failed is not None and failed.status is AnchorStatus.FAILED
    assert failed.error_name == "AccessControlUnauthorizedAccount"
    assert failed.error is not None
    assert f"account={chain.sender}" in failed.error
    assert f"neededRole=0x{ANCHORER_ROLE.hex()}" in failed.error
    assert failed.attempts == ()
    assert batch_statuses(database) == [(size, BatchStatus.SEALED, None)]
    assert anchorer.anchor_latest().anchor.id == failed.id  # type: ignore[union-attr]

    chain.registry.grant_anchorer(chain.signer, chain.sender)
    outcome = anchorer.anchor_latest()
    assert outcome.kind is OutcomeKind.SUBMITTED
    assert outcome.anchor is not None and outcome.anchor.id != failed.id
    final = finish(anchorer, rpc)
    assert final.status is AnchorStatus.CONFIRMED
    assert batch_statuses(database) == [(size, BatchStatus.SETTLED, final.id)]
    assert anchorer.status(failed.id).status is AnchorStatus.FAILED
    assert chain.registry.anchor_count() == 1


def test_paused_registry_fails_with_enforced_pause(
    seal_entries: SealEntries, make_anchorer: MakeAnchorer, chain: ChainContext
) -> None:
    seal_entries(2)
    chain.registry.pause(chain.signer)
    outcome = make_anchorer().anchor_latest()
    assert outcome.kind is OutcomeKind.FAILED
    assert outcome.anchor is not None and outcome.anchor.error_name == "EnforcedPause"
    assert chain.registry.anchor_count() == 0


def test_transaction_reverted_on_chain_fails_with_the_replayed_reason(
    web3: Web3,
    seal_entries: SealEntries,
    make_anchorer: MakeAnchorer,
    chain: ChainContext,
    database: Database,
    rpc: Rpc,
) -> None:
    size = seal_entries(3)
    other_admin = Signer.from_key("0x" + "5e" * 32)
    fund(web3, other_admin.address, ether=1)
    # AnchorRegistryV2 hands the admin role over in two steps (admin delay 0 here)
    registry_call(chain.registry, chain.signer, "beginDefaultAdminTransfer", other_admin.address)
    rpc("evm_increaseTime", 2)
    rpc("evm_mine")
    registry_call(chain.registry, other_admin, "acceptDefaultAdminTransfer")
    with pytest.raises(SimulatedCrash):
        make_anchorer(checkpoint=crash_when_recorded).anchor_latest()
    revoke_anchorer(chain, admin=other_admin)  # while the signed anchor waits unsent

    anchorer = make_anchorer()
    outcome = anchorer.anchor_latest()  # sends the recorded bytes: gas was estimated before
    assert outcome.kind is OutcomeKind.IN_FLIGHT
    changes = anchorer.confirm()
    assert [change.kind for change in changes] == [ChangeKind.FAILED]
    view = anchorer.status(outcome.anchor.id)  # type: ignore[union-attr]
    assert view.status is AnchorStatus.FAILED
    assert view.error_name == "AccessControlUnauthorizedAccount"
    assert "reverted: AccessControlUnauthorizedAccount(" in (view.error or "")
    assert view.block_number is not None and view.fee_wei is not None and view.fee_wei > 0
    assert batch_statuses(database) == [(size, BatchStatus.SEALED, None)]
    assert chain.registry.anchor_count() == 0


def test_nonce_used_by_another_transaction_fails_and_the_next_anchor_takes_a_new_one(
    seal_entries: SealEntries,
    make_anchorer: MakeAnchorer,
    chain: ChainContext,
    database: Database,
    rpc: Rpc,
) -> None:
    size = seal_entries(2)
    with pytest.raises(SimulatedCrash):
        make_anchorer(checkpoint=crash_when_recorded).anchor_latest()
    registry_call(chain.registry, chain.signer, "grantRole", ANCHORER_ROLE, chain.sender)

    anchorer = make_anchorer()
    outcome = anchorer.anchor_latest()
    assert outcome.kind is OutcomeKind.FAILED
    assert outcome.anchor is not None and outcome.anchor.error_name == "NonceUsed"
    assert batch_statuses(database) == [(size, BatchStatus.SEALED, None)]

    retry = anchorer.anchor_latest()
    assert retry.kind is OutcomeKind.SUBMITTED
    assert retry.anchor is not None
    assert retry.anchor.attempts[0].nonce == outcome.anchor.attempts[0].nonce + 1
    assert finish(anchorer, rpc).status is AnchorStatus.CONFIRMED
    assert chain.registry.anchor_count() == 1


def test_fee_cap_below_the_base_fee_fails_without_sending(
    web3: Web3, seal_entries: SealEntries, make_anchorer: MakeAnchorer, chain: ChainContext
) -> None:
    seal_entries(2)
    cap = latest_base_fee(web3) // 2
    capped = ChainContext(
        web3=web3,
        signer=chain.signer,
        registry=RegistryClient(
            web3, chain.registry.address, fee_policy=FeePolicy(max_fee_cap_wei=cap), chain_id=1337
        ),
        chain_id=1337,
    )
    outcome = make_anchorer(chain=capped).anchor_latest()
    assert outcome.kind is OutcomeKind.FAILED
    assert outcome.anchor is not None and outcome.anchor.error_name == "FeeCapExceeded"
    assert outcome.anchor.attempts == ()


def test_stuck_transaction_is_replaced_with_higher_fees_and_the_replacement_wins(
    seal_entries: SealEntries, make_anchorer: MakeAnchorer, chain: ChainContext, rpc: Rpc
) -> None:
    seal_entries(3)
    anchorer = make_anchorer(stuck_seconds=0.0, confirmations=1)
    rpc("miner_stop")
    try:
        outcome = anchorer.anchor_latest()
        assert outcome.kind is OutcomeKind.SUBMITTED
        changes = anchorer.confirm()
        assert [change.kind for change in changes] == [ChangeKind.REPLACED]
    finally:
        rpc("miner_start")
    view = anchorer.status(outcome.anchor.id)  # type: ignore[union-attr]
    first, second = view.attempts
    assert first.nonce == second.nonce and first.replaced_by == second.id
    assert second.fees.max_fee_per_gas * 8 >= first.fees.max_fee_per_gas * 9
    assert second.sent_at is not None

    final = finish(anchorer, rpc)
    assert final.status is AnchorStatus.CONFIRMED
    assert final.tx_hash == second.tx_hash
    assert chain.registry.transaction_state(first.tx_hash) is TxState.UNKNOWN
    assert chain.registry.anchor_count() == 1


def test_stuck_transaction_that_cannot_be_replaced_under_the_cap_keeps_waiting(
    web3: Web3,
    seal_entries: SealEntries,
    make_anchorer: MakeAnchorer,
    chain: ChainContext,
    rpc: Rpc,
) -> None:
    seal_entries(2)
    cap = 2 * latest_base_fee(web3) + GWEI
    capped = ChainContext(
        web3=web3,
        signer=chain.signer,
        registry=RegistryClient(
            web3, chain.registry.address, fee_policy=FeePolicy(max_fee_cap_wei=cap), chain_id=1337
        ),
        chain_id=1337,
    )
    anchorer = make_anchorer(chain=capped, stuck_seconds=0.0, confirmations=1)
    rpc("miner_stop")
    try:
        outcome = anchorer.anchor_latest()
        assert outcome.kind is OutcomeKind.SUBMITTED
        [change] = anchorer.confirm()
        assert change.kind is ChangeKind.WAITING and "cap" in change.message
        view = anchorer.status(outcome.anchor.id)  # type: ignore[union-attr]
        assert view.status is AnchorStatus.SUBMITTED and view.error_name == "FeeCapExceeded"
        assert len(view.attempts) == 1
    finally:
        rpc("miner_start")
    final = finish(anchorer, rpc)
    assert final.status is AnchorStatus.CONFIRMED and final.error is None
