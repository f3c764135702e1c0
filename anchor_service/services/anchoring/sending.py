"""Send an anchor's recorded transactions, and replace a stuck one.

Bytes are always recorded first (:class:`AnchorRecords`), then sent; sending recorded
bytes again is harmless (the node answers with the same hash, or already knows it), so
after a crash the same transaction is sent again and never a second one.

How a refusal by the node is handled:

- *replacement underpriced*: another of this anchor's transactions (same nonce) is
  pending: keep waiting; it is replaced with higher fees once stuck;
- *nonce too low*: if one of this anchor's transactions is known to the node it is
  mined or about to be (the next round reads its receipt); otherwise the nonce was used
  by another transaction of the account and the anchor fails (``NonceUsed``);
- any other refusal (insufficient funds, ...): the anchor fails with the node's message,
  unless another of its transactions is still known to the node (then it waits).

``checkpoint`` is called after recording and after sending, so tests can stop the
process at exactly those points; production passes nothing.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable

from anchor_service.chain import (
    FeeCapExceededError,
    NonceTooLowError,
    ReplacementUnderpricedError,
    TransactionRejectedError,
    TxState,
)
from anchor_service.services.anchoring.chain_context import ChainContext
from anchor_service.services.anchoring.records import AnchorRecords
from anchor_service.services.anchoring.views import (
    AnchorChange,
    AnchorView,
    AttemptView,
    ChangeKind,
)

__all__ = ["Checkpoint", "CheckpointHook", "TransactionSender"]

logger = logging.getLogger(__name__)


class Checkpoint(enum.StrEnum):
    """Points between the steps of sending a transaction."""

    RECORDED = "recorded"  # signed bytes committed to the database, not yet sent
    SENT = "sent"  # the node accepted the bytes; the database does not know yet


CheckpointHook = Callable[[Checkpoint, AnchorView], None]


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


class TransactionSender:
    """Sends recorded transactions of anchors through one :class:`ChainContext`."""

    def __init__(
        self,
        chain: ChainContext,
        records: AnchorRecords,
        checkpoint: CheckpointHook | None = None,
    ) -> None:
        self._chain = chain
        self._records = records
        self._checkpoint = checkpoint

    def checkpoint(self, point: Checkpoint, view: AnchorView) -> None:
        """Call the checkpoint hook, if any."""
        if self._checkpoint is not None:
            self._checkpoint(point, view)

    def send(self, view: AnchorView, attempt: AttemptView) -> AnchorChange:
        """Send ``attempt``'s recorded bytes; returns SENT, WAITING or FAILED."""
        registry = self._chain.registry
        try:
            registry.send_raw(attempt.raw_tx)
        except ReplacementUnderpricedError as exc:
            logger.info("anchor #%d: %s", view.id, exc.detail)
            return AnchorChange(
                ChangeKind.WAITING,
                view.id,
                f"another transaction with nonce {attempt.nonce} is pending: {exc.node_message}",
                tx_hash=attempt.tx_hash,
            )
        except NonceTooLowError as exc:
            if self._any_known(view):
                return AnchorChange(
                    ChangeKind.WAITING,
                    view.id,
                    f"nonce {attempt.nonce} is used by one of this anchor's transactions",
                    tx_hash=attempt.tx_hash,
                )
            reason = (
                f"nonce {attempt.nonce} of {view.sender} was used by another transaction; "
                f"this anchor was not mined ({exc.node_message})"
            )
            return self._failed(view, "NonceUsed", reason)
        except TransactionRejectedError as exc:
            if self._any_known(view):
                self._records.note_error(view.id, type(exc).__name__, exc.detail)
                return AnchorChange(
                    ChangeKind.WAITING, view.id, exc.detail, tx_hash=attempt.tx_hash
                )
            return self._failed(view, type(exc).__name__.removesuffix("Error"), exc.detail)
        self.checkpoint(Checkpoint.SENT, view)
        self._records.mark_sent(view.id, attempt.id)
        return AnchorChange(
            ChangeKind.SENT,
            view.id,
            f"sent transaction {_hex(attempt.tx_hash)} (nonce {attempt.nonce})",
            tx_hash=attempt.tx_hash,
        )

    def replace(self, view: AnchorView, stuck: AttemptView) -> AnchorChange:
        """Sign, record and send a replacement of ``stuck`` (same nonce, higher fees)."""
        if view.sender != self._chain.sender:
            message = (
                f"transaction {_hex(stuck.tx_hash)} is stuck but was signed by {view.sender}, "
                f"not by the configured signer {self._chain.sender}; cannot replace it"
            )
            self._records.note_error(view.id, "SignerChanged", message)
            return AnchorChange(ChangeKind.WAITING, view.id, message, tx_hash=stuck.tx_hash)
        try:
            signed = self._chain.registry.build_anchor_replacement(
                self._chain.signer, view.call, stuck.nonce, stuck.fees, gas=stuck.gas
            )
        except FeeCapExceededError as exc:
            message = f"transaction {_hex(stuck.tx_hash)} is stuck; {exc.detail}"
            logger.warning("anchor #%d: %s", view.id, message)
            self._records.note_error(view.id, "FeeCapExceeded", message)
            return AnchorChange(ChangeKind.WAITING, view.id, message, tx_hash=stuck.tx_hash)
        attempt = self._records.record_replacement(view.id, stuck.id, signed)
        if attempt is None:
            return AnchorChange(ChangeKind.WAITING, view.id, "already replaced by another process")
        view = self._records.view(view.id)
        self.checkpoint(Checkpoint.RECORDED, view)
        change = self.send(view, attempt)
        if change.kind is not ChangeKind.SENT:
            return change
        self._records.note_error(view.id, None, None)
        return AnchorChange(
            ChangeKind.REPLACED,
            view.id,
            f"transaction {_hex(stuck.tx_hash)} was stuck; replaced by {_hex(attempt.tx_hash)} "
            f"(nonce {attempt.nonce}, max fee {attempt.fees.max_fee_per_gas} wei/gas)",
            tx_hash=attempt.tx_hash,
        )

    def _any_known(self, view: AnchorView) -> bool:
        registry = self._chain.registry
        return any(
            registry.transaction_state(attempt.tx_hash) is not TxState.UNKNOWN
            for attempt in view.attempts
        )

    def _failed(self, view: AnchorView, name: str, reason: str) -> AnchorChange:
        self._records.fail(view.id, name, reason)
        return AnchorChange(ChangeKind.FAILED, view.id, reason)
