"""Send raw transactions and follow them: nonce, state, receipts, confirmations, reorgs.

Contract-agnostic; :class:`anchor_service.chain.registry.RegistryClient` wraps these for
the registry (and decodes its events).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import BlockNotFound, TransactionNotFound, Web3RPCError
from web3.types import TxReceipt

from anchor_service.chain.boundary import node_message, reverted_error, rpc_errors
from anchor_service.chain.errors import (
    ChainRequestError,
    InsufficientFundsError,
    NonceTooLowError,
    ReplacementUnderpricedError,
    TransactionRejectedError,
    TransactionRevertedError,
    TransactionTimeoutError,
)
from anchor_service.chain.models import HeadAnchoredEvent, Receipt, TxState
from anchor_service.chain.revert import RevertDecoder, RevertReason

__all__ = [
    "block_hash_at",
    "confirmations",
    "fetch_receipt",
    "head_block_number",
    "mined_nonce",
    "pending_nonce",
    "raise_if_reverted",
    "receipt_from",
    "replay_revert_reason",
    "send_raw_transaction",
    "transaction_state",
    "wait_for_receipt",
]

logger = logging.getLogger(__name__)

_KNOWN = ("already known", "known transaction", "already imported", "already exists")
_NONCE_LOW = ("nonce too low", "correct nonce", "nonce is too low")


def pending_nonce(web3: Web3, address: str) -> int:
    """Next nonce of ``address`` counting pool transactions (``"pending"`` tag).

    Ganache 7 ignores its pool here (returns the mined count); nodes such as geth count
    pending transactions too.
    """
    with rpc_errors("read pending nonce"):
        return int(web3.eth.get_transaction_count(to_checksum_address(address), "pending"))


def mined_nonce(web3: Web3, address: str) -> int:
    """Number of transactions of ``address`` in the latest block's state (``"latest"``).

    A recorded transaction with a nonce below this that is not mined itself was
    replaced by another transaction of the same account.
    """
    with rpc_errors("read mined nonce"):
        return int(web3.eth.get_transaction_count(to_checksum_address(address), "latest"))


def send_raw_transaction(web3: Web3, raw: bytes) -> bytes:
    """Broadcast signed bytes and return the transaction hash; idempotent.

    Bytes the node already knows (pending or mined) are not sent again: their hash is
    returned, so an intent can be re-sent safely after a crash. (The check comes first
    because ganache 7 re-executes a re-sent nonce-0 transaction as a new one.) Refusals
    raise :class:`NonceTooLowError`, :class:`ReplacementUnderpricedError`,
    :class:`InsufficientFundsError` or :class:`TransactionRejectedError`.
    """
    tx_hash = keccak(raw)
    if transaction_state(web3, tx_hash) is not TxState.UNKNOWN:
        logger.info("transaction 0x%s already known to the node; not re-sent", tx_hash.hex())
        return tx_hash
    try:
        with rpc_errors("send raw transaction"):
            try:
                sent = bytes(web3.eth.send_raw_transaction(raw))
            except Web3RPCError as exc:
                message = node_message(exc)
                if any(word in message.lower() for word in _KNOWN):
                    return tx_hash
                raise _rejection(message) from exc
    except (NonceTooLowError, ReplacementUnderpricedError):
        if transaction_state(web3, tx_hash) is not TxState.UNKNOWN:
            logger.info("transaction 0x%s already known to the node", tx_hash.hex())
            return tx_hash
        raise
    if sent != tx_hash:  # pragma: no cover - would mean the node hashes differently
        raise ChainRequestError(f"node returned hash 0x{sent.hex()} for 0x{tx_hash.hex()}")
    logger.info("sent transaction 0x%s", tx_hash.hex())
    return tx_hash


def _rejection(message: str) -> TransactionRejectedError:
    lower = message.lower()
    if any(word in lower for word in _NONCE_LOW):
        cls: type[TransactionRejectedError] = NonceTooLowError
    elif "underpriced" in lower:
        cls = ReplacementUnderpricedError
    elif "insufficient funds" in lower:
        cls = InsufficientFundsError
    else:
        cls = TransactionRejectedError
    return cls(f"node refused the transaction: {message}", node_message=message)


def transaction_state(web3: Web3, tx_hash: bytes) -> TxState:
    """Whether the node has ``tx_hash`` mined, pending, or not at all."""
    with rpc_errors("read transaction"):
        try:
            tx = web3.eth.get_transaction(HexBytes(tx_hash))
        except TransactionNotFound:
            return TxState.UNKNOWN
    return TxState.PENDING if tx.get("blockNumber") is None else TxState.MINED


def fetch_receipt(web3: Web3, tx_hash: bytes) -> TxReceipt | None:
    """The node's receipt of ``tx_hash``, ``None`` while it is not mined."""
    with rpc_errors("read receipt"):
        try:
            return web3.eth.get_transaction_receipt(HexBytes(tx_hash))
        except TransactionNotFound:
            return None


def receipt_from(raw: TxReceipt, head_anchored: HeadAnchoredEvent | None = None) -> Receipt:
    """Convert a web3 receipt into :class:`Receipt`."""
    address = raw.get("contractAddress")
    return Receipt(
        tx_hash=bytes(raw["transactionHash"]),
        block_number=int(raw["blockNumber"]),
        block_hash=bytes(raw["blockHash"]),
        status=int(raw["status"]),
        gas_used=int(raw["gasUsed"]),
        effective_gas_price=int(raw["effectiveGasPrice"]),
        contract_address=to_checksum_address(address) if address else None,
        head_anchored=head_anchored,
    )


def wait_for_receipt(
    web3: Web3, tx_hash: bytes, *, timeout: float = 120.0, poll_interval: float = 0.2
) -> TxReceipt:
    """Poll until ``tx_hash`` is mined; :class:`TransactionTimeoutError` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        receipt = fetch_receipt(web3, tx_hash)
        if receipt is not None:
            return receipt
        if time.monotonic() >= deadline:
            raise TransactionTimeoutError(tx_hash, timeout)
        time.sleep(poll_interval)


def head_block_number(web3: Web3) -> int:
    """Number of the node's latest block."""
    with rpc_errors("read block number"):
        return int(web3.eth.block_number)


def block_hash_at(web3: Web3, number: int) -> bytes | None:
    """Hash of the block at height ``number`` on the node's current chain, if any."""
    with rpc_errors("read block"):
        try:
            block = web3.eth.get_block(number)
        except BlockNotFound:
            return None
    block_hash = block.get("hash")
    return bytes(block_hash) if block_hash is not None else None


def confirmations(web3: Web3, receipt: Receipt) -> int:
    """Blocks on the current chain from ``receipt``'s block to the head, inclusive.

    1 right after mining; 0 if that height now holds another block or none (the
    transaction's block was reorganised away; re-check its state).
    """
    if block_hash_at(web3, receipt.block_number) != receipt.block_hash:
        return 0
    return max(head_block_number(web3) - receipt.block_number + 1, 0)


def replay_revert_reason(web3: Web3, tx_hash: bytes, decoder: RevertDecoder) -> RevertReason:
    """Why a mined transaction with status 0 reverted.

    Mined transactions carry no revert data, so the call is replayed with ``eth_call``
    at the parent block with the same sender, target, data, value and gas. This is
    exact when the transaction was the first of its block touching the same state (a
    dev chain mines one per block). If the replay succeeds, the reason is unknown
    (``detail`` says why: usually out of gas).
    """
    with rpc_errors("read transaction"):
        tx = web3.eth.get_transaction(HexBytes(tx_hash))
    raw = fetch_receipt(web3, tx_hash)
    if raw is None or tx.get("blockNumber") is None:
        return RevertReason("", detail="transaction is not mined")
    call: dict[str, Any] = {
        "from": tx["from"],
        "data": tx["input"],
        "value": tx.get("value", 0),
        "gas": tx["gas"],
    }
    if tx.get("to"):
        call["to"] = tx["to"]
    parent = max(int(raw["blockNumber"]) - 1, 0)
    try:
        with rpc_errors("replay reverted transaction", decoder):
            web3.eth.call(call, parent)  # type: ignore[arg-type]
    except TransactionRevertedError as exc:
        return RevertReason(exc.error_name, exc.error_args, exc.data, _detail(exc))
    if int(raw["gasUsed"]) >= int(tx["gas"]):
        return RevertReason("", detail="out of gas")
    return RevertReason("", detail="replay did not revert; the state changed within the block")


def _detail(exc: TransactionRevertedError) -> str:
    return "" if exc.error_name else exc.reason


def raise_if_reverted(web3: Web3, receipt: TxReceipt, decoder: RevertDecoder) -> None:
    """Raise :class:`TransactionRevertedError` (with the replayed reason) for status 0."""
    if int(receipt["status"]) == 1:
        return
    tx_hash = bytes(receipt["transactionHash"])
    raise reverted_error(replay_revert_reason(web3, tx_hash, decoder), tx_hash)
