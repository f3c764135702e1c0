"""Build and sign EIP-1559 transactions; send-and-wait for one-off admin transactions.

Building is separate from sending so a caller can record the signed transaction
(hash, nonce, fees) before it is broadcast.
"""

from __future__ import annotations

import logging
from typing import Any

from web3 import Web3
from web3.types import TxReceipt

from anchor_service.chain.boundary import rpc_errors
from anchor_service.chain.errors import FeeCapExceededError
from anchor_service.chain.fees import FeePolicy, Fees, gas_with_margin, suggest_fees
from anchor_service.chain.models import SignedTx
from anchor_service.chain.revert import RevertDecoder
from anchor_service.chain.signer import Signer
from anchor_service.chain.transactions import (
    pending_nonce,
    raise_if_reverted,
    send_raw_transaction,
    wait_for_receipt,
)

__all__ = ["build_signed_tx", "estimate_gas", "transact"]

logger = logging.getLogger(__name__)


def estimate_gas(
    web3: Web3, sender: str, to: str | None, data: bytes, decoder: RevertDecoder
) -> int:
    """The node's gas estimate; a revert raises :class:`TransactionRevertedError`."""
    request: dict[str, Any] = {"from": sender, "data": data, "value": 0}
    if to is not None:
        request["to"] = to
    with rpc_errors("estimate gas", decoder):
        return int(web3.eth.estimate_gas(request))  # type: ignore[arg-type]


def build_signed_tx(
    web3: Web3,
    signer: Signer,
    *,
    to: str | None,
    data: bytes,
    nonce: int,
    chain_id: int,
    policy: FeePolicy,
    decoder: RevertDecoder,
    gas: int | None = None,
    fees: Fees | None = None,
) -> SignedTx:
    """Sign a type-2 transaction calling ``to`` (``None`` deploys) with ``data``.

    ``gas`` defaults to the estimate plus the policy's margin (so a call that would
    revert raises :class:`TransactionRevertedError` here, before anything is sent);
    ``fees`` default to :func:`suggest_fees`. Given fees above the cap raise
    :class:`FeeCapExceededError`.
    """
    if nonce < 0:
        raise ValueError("nonce must be >= 0")
    if fees is None:
        fees = suggest_fees(web3, policy)
    elif fees.max_fee_per_gas > policy.max_fee_cap_wei:
        raise FeeCapExceededError(fees.max_fee_per_gas, policy.max_fee_cap_wei)
    if gas is None:
        gas = gas_with_margin(estimate_gas(web3, signer.address, to, data, decoder), policy)
    transaction: dict[str, Any] = {
        "type": 2,
        "chainId": chain_id,
        "nonce": nonce,
        "gas": gas,
        "maxFeePerGas": fees.max_fee_per_gas,
        "maxPriorityFeePerGas": fees.max_priority_fee_per_gas,
        "value": 0,
        "data": data,
    }
    if to is not None:
        transaction["to"] = to
    signed = signer.sign_transaction(transaction)
    logger.debug(
        "signed transaction 0x%s nonce=%d gas=%d max_fee=%d priority=%d",
        bytes(signed.hash).hex(),
        nonce,
        gas,
        fees.max_fee_per_gas,
        fees.max_priority_fee_per_gas,
    )
    return SignedTx(
        raw=bytes(signed.raw_transaction),
        tx_hash=bytes(signed.hash),
        sender=signer.address,
        to=to,
        nonce=nonce,
        gas=gas,
        fees=fees,
        chain_id=chain_id,
    )


def transact(
    web3: Web3,
    signer: Signer,
    *,
    to: str | None,
    data: bytes,
    chain_id: int,
    policy: FeePolicy,
    decoder: RevertDecoder,
    timeout: float = 120.0,
) -> TxReceipt:
    """Build, sign, send and wait for one transaction at the signer's pending nonce.

    For admin operations (deploy, role grants, pause). A mined revert raises
    :class:`TransactionRevertedError` with the replayed reason.
    """
    nonce = pending_nonce(web3, signer.address)
    signed = build_signed_tx(
        web3,
        signer,
        to=to,
        data=data,
        nonce=nonce,
        chain_id=chain_id,
        policy=policy,
        decoder=decoder,
    )
    send_raw_transaction(web3, signed.raw)
    receipt = wait_for_receipt(web3, signed.tx_hash, timeout=timeout)
    raise_if_reverted(web3, receipt, decoder)
    return receipt
