"""Fees under a cap, replacement, confirmations and reorgs, on a real ganache.

``miner_stop``/``miner_start`` keep a transaction pending; ``evm_snapshot``/``evm_revert``
remove mined blocks the way a reorg does. Ganache treats a pooled transaction with
nonce 0 as "no nonce", so tests that pool or re-send transactions anchor once first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3
from web3.types import Wei

from anchor_service import merkle
from anchor_service.chain import (
    GWEI,
    AnchorCall,
    FeeCapExceededError,
    FeePolicy,
    Fees,
    InsufficientFundsError,
    NonceTooLowError,
    RegistryClient,
    ReplacementUnderpricedError,
    SignedTx,
    Signer,
    TransactionTimeoutError,
    TxState,
)
from anchor_service.chain.fees import latest_base_fee, suggest_fees, suggest_priority_fee
from anchor_service.chain.txbuilder import build_signed_tx
from anchor_service.dev import DEV_ACCOUNT_KEYS

LEAVES = [merkle.leaf_hash(f"tx-{i}".encode()) for i in range(16)]
STATEMENT = b"\x5a" * 32
Rpc = Callable[..., Any]


def head(size: int, old_size: int = 0) -> AnchorCall:
    proof = merkle.consistency_proof(LEAVES[:size], old_size) if old_size else []
    return AnchorCall(size, merkle.root(LEAVES[:size]), STATEMENT, tuple(proof))


def mined(registry: RegistryClient, signer: Signer, call: AnchorCall) -> SignedTx:
    signed = registry.build_anchor(signer, call, registry.pending_nonce(signer.address))
    assert registry.wait_for_receipt(registry.send_raw(signed.raw), timeout=10).succeeded
    return signed


def with_policy(registry: RegistryClient, policy: FeePolicy) -> RegistryClient:
    return RegistryClient(
        registry.web3, registry.address, artifact=registry.artifact, fee_policy=policy,
        chain_id=registry.chain_id,
    )  # fmt: skip


def test_suggested_fees_follow_the_latest_base_fee_and_node_tip(web3: Web3) -> None:
    policy = FeePolicy(max_fee_cap_wei=500 * GWEI)
    base_fee = latest_base_fee(web3)
    assert suggest_priority_fee(web3, policy) == 1 * GWEI  # ganache's eth_maxPriorityFeePerGas
    fees = suggest_fees(web3, policy)
    assert fees == Fees(max_fee_per_gas=2 * base_fee + GWEI, max_priority_fee_per_gas=GWEI)


def test_anchor_fees_never_exceed_a_tight_cap(
    web3: Web3, registry: RegistryClient, anchorer: Signer
) -> None:
    cap = latest_base_fee(web3) + GWEI // 10
    capped = with_policy(registry, FeePolicy(max_fee_cap_wei=cap))
    signed = capped.build_anchor(anchorer, head(1), capped.pending_nonce(anchorer.address))
    assert signed.fees.max_fee_per_gas <= cap
    assert signed.fees.max_priority_fee_per_gas <= GWEI // 10
    receipt = capped.wait_for_receipt(capped.send_raw(signed.raw), timeout=10)
    assert receipt.succeeded
    assert receipt.effective_gas_price <= cap


def test_cap_below_the_base_fee_refuses_to_build(
    web3: Web3, registry: RegistryClient, anchorer: Signer
) -> None:
    cap = latest_base_fee(web3) // 2
    capped = with_policy(registry, FeePolicy(max_fee_cap_wei=cap))
    nonce = capped.pending_nonce(anchorer.address)
    with pytest.raises(FeeCapExceededError) as info:
        capped.build_anchor(anchorer, head(1), nonce)
    assert info.value.cap_wei == cap
    assert capped.pending_nonce(anchorer.address) == nonce
    with pytest.raises(FeeCapExceededError):
        capped.build_anchor(anchorer, head(1), nonce, fees=Fees(cap + 1, 1))


def test_replacement_that_would_pass_the_cap_is_refused(
    registry: RegistryClient, anchorer: Signer
) -> None:
    policy = FeePolicy(max_fee_cap_wei=10 * GWEI)
    capped = with_policy(registry, policy)
    with pytest.raises(FeeCapExceededError):
        capped.build_anchor_replacement(anchorer, head(1), 5, Fees(9 * GWEI, GWEI))


def test_stuck_transaction_is_replaced_by_the_same_nonce_with_bumped_fees(
    registry: RegistryClient, anchorer: Signer, rpc: Rpc
) -> None:
    mined(registry, anchorer, head(1))
    nonce = registry.pending_nonce(anchorer.address)
    call = head(4, 1)
    rpc("miner_stop")
    try:
        first = registry.build_anchor(anchorer, call, nonce)
        assert registry.send_raw(first.raw) == first.tx_hash
        assert registry.transaction_state(first.tx_hash) is TxState.PENDING
        assert registry.get_receipt(first.tx_hash) is None
        with pytest.raises(TransactionTimeoutError):
            registry.wait_for_receipt(first.tx_hash, timeout=0.3)
        assert registry.send_raw(first.raw) == first.tx_hash  # re-sending is idempotent

        weak_fees = Fees(  # +5 %: below the node's 10 % replacement rule
            first.fees.max_fee_per_gas * 105 // 100,
            first.fees.max_priority_fee_per_gas * 105 // 100,
        )
        weak = registry.build_anchor(anchorer, call, nonce, gas=first.gas, fees=weak_fees)
        with pytest.raises(ReplacementUnderpricedError):
            registry.send_raw(weak.raw)

        second = registry.build_anchor_replacement(anchorer, call, nonce, first.fees, gas=first.gas)
        assert (second.nonce, second.gas) == (nonce, first.gas)
        assert second.tx_hash != first.tx_hash
        assert second.fees.max_fee_per_gas * 8 >= first.fees.max_fee_per_gas * 9
        assert second.fees.max_priority_fee_per_gas * 8 >= first.fees.max_priority_fee_per_gas * 9
        assert registry.send_raw(second.raw) == second.tx_hash
    finally:
        rpc("miner_start")
    receipt = registry.wait_for_receipt(second.tx_hash, timeout=10)
    assert receipt.succeeded
    assert receipt.head_anchored is not None and receipt.head_anchored.tree_size == 4
    assert registry.transaction_state(first.tx_hash) is TxState.UNKNOWN
    assert registry.get_receipt(first.tx_hash) is None
    assert registry.anchor_count() == 2


def test_confirmations_count_blocks_from_the_receipt_block_to_the_head(
    registry: RegistryClient, anchorer: Signer, rpc: Rpc
) -> None:
    signed = mined(registry, anchorer, head(2))
    receipt = registry.get_receipt(signed.tx_hash)
    assert receipt is not None
    assert registry.transaction_state(signed.tx_hash) is TxState.MINED
    assert registry.confirmations(receipt) == 1
    rpc("evm_mine")
    rpc("evm_mine")
    assert registry.confirmations(receipt) == 3
    assert registry.head_block_number() == receipt.block_number + 2
    assert registry.block_hash_at(receipt.block_number) == receipt.block_hash
    assert registry.block_hash_at(registry.head_block_number() + 100) is None


def test_reorg_removes_the_mined_anchor_and_the_same_bytes_can_be_resent(
    registry: RegistryClient, anchorer: Signer, rpc: Rpc
) -> None:
    mined(registry, anchorer, head(1))
    snapshot = rpc("evm_snapshot")
    signed = mined(registry, anchorer, head(6, 1))
    receipt = registry.get_receipt(signed.tx_hash)
    assert receipt is not None
    rpc("evm_mine")
    assert registry.confirmations(receipt) == 2

    assert rpc("evm_revert", snapshot) is True
    assert registry.get_receipt(signed.tx_hash) is None
    assert registry.transaction_state(signed.tx_hash) is TxState.UNKNOWN
    assert registry.block_hash_at(receipt.block_number) is None
    assert registry.confirmations(receipt) == 0
    rpc("evm_mine")
    replaced = registry.block_hash_at(receipt.block_number)
    assert replaced is not None and replaced != receipt.block_hash
    assert registry.confirmations(receipt) == 0
    latest = registry.latest_head()
    assert latest is not None and latest.tree_size == 1

    assert registry.send_raw(signed.raw) == signed.tx_hash
    again = registry.wait_for_receipt(signed.tx_hash, timeout=10)
    assert again.succeeded
    assert again.block_hash != receipt.block_hash
    assert registry.confirmations(again) == 1


def test_resending_a_mined_transaction_returns_its_hash_without_executing_it_again(
    web3: Web3, registry: RegistryClient
) -> None:
    fresh = Signer.from_key(Account.create().key.hex())
    # Fund a fresh account so its first transaction has nonce 0: ganache re-executes a
    # re-sent nonce-0 transaction, which send_raw must not let happen.
    funder = Account.from_key(DEV_ACCOUNT_KEYS[9]).address  # unlocked in ganache
    web3.eth.send_transaction({"from": funder, "to": fresh.address, "value": Wei(10**18)})
    signed = build_signed_tx(
        web3, fresh, to=fresh.address, data=b"", nonce=0, chain_id=1337,
        policy=FeePolicy(), decoder=registry.decoder, gas=21_000,
    )  # fmt: skip
    assert registry.send_raw(signed.raw) == signed.tx_hash
    assert registry.wait_for_receipt(signed.tx_hash, timeout=10).succeeded
    head_before = registry.head_block_number()
    assert registry.send_raw(signed.raw) == signed.tx_hash
    assert registry.mined_nonce(fresh.address) == 1
    assert registry.head_block_number() == head_before


def test_other_transaction_at_a_used_nonce_raises_nonce_too_low(
    registry: RegistryClient, anchorer: Signer
) -> None:
    mined(registry, anchorer, head(1))
    used = mined(registry, anchorer, head(3, 1)).nonce
    stale = registry.build_anchor(anchorer, head(5, 3), used, gas=300_000)
    with pytest.raises(NonceTooLowError):
        registry.send_raw(stale.raw)


def test_unfunded_sender_raises_insufficient_funds(registry: RegistryClient) -> None:
    pauper = Signer.from_key(Account.create().key.hex())
    signed = registry.build_anchor(pauper, head(1), 0, gas=300_000)
    with pytest.raises(InsufficientFundsError):
        registry.send_raw(signed.raw)
