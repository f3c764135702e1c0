"""Follow an in-flight anchor to confirmation: receipts, confirmations, reorgs, stuck txs.

One :meth:`ConfirmationTracker.follow` round for an anchor:

1. Look for a receipt of any of its transactions (newest first): whichever is mined
   wins, the original or a replacement.
2. No receipt: if one was recorded, its block left the chain (reorg): the anchor goes
   back to ``submitted`` and its transaction is sent again (same bytes). Then the newest
   transaction is pushed: sent if the node does not know it (first send after a crash,
   after a reorg, or dropped from the pool); replaced with higher fees if it has been
   pending for ``stuck_seconds``.
3. A receipt with status 0: the anchor fails with the revert reason decoded (replayed at
   the parent block), e.g. ``AccessControlUnauthorizedAccount(account=0x..,
   neededRole=0x..)``.
4. A receipt: recorded (the batches are ``anchored``). Once the receipt's block has
   ``required`` confirmations and the block hash at its height is re-checked against
   the chain, and the registry's record of it matches, the anchor is ``confirmed`` and
   the batches up to its tree size are ``settled``. A receipt in another block than the
   recorded one counts as a reorg.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from anchor_service.chain import Receipt, TxState
from anchor_service.services.anchoring.chain_context import ChainContext
from anchor_service.services.anchoring.records import AnchorRecords
from anchor_service.services.anchoring.sending import TransactionSender
from anchor_service.services.anchoring.views import (
    AnchorChange,
    AnchorView,
    AttemptView,
    ChangeKind,
)

__all__ = ["ConfirmationTracker"]

logger = logging.getLogger(__name__)


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


class ConfirmationTracker:
    """Moves in-flight anchors forward; see the module docstring for one round."""

    def __init__(
        self,
        chain: ChainContext,
        records: AnchorRecords,
        sender: TransactionSender,
        *,
        required: int,
        stuck_seconds: float,
        clock: Callable[[], datetime],
    ) -> None:
        self._chain = chain
        self._records = records
        self._sender = sender
        self.required = max(required, 1)
        self.stuck_seconds = stuck_seconds
        self._clock = clock

    def follow(self, view: AnchorView) -> list[AnchorChange]:
        """One round for ``view`` (an in-flight anchor); what happened, in order."""
        found = self._find_receipt(view)
        if found is None:
            changes: list[AnchorChange] = []
            if view.mined:
                assert view.block_number is not None and view.block_hash is not None
                message = (
                    f"block {view.block_number} ({_hex(view.block_hash)}) with transaction "
                    f"{_hex(view.tx_hash or b'')} left the chain; sending it again"
                )
                logger.warning("anchor #%d reorged: %s", view.id, message)
                view = self._records.record_reorg(view.id)
                changes.append(AnchorChange(ChangeKind.REORGED, view.id, message))
            changes.append(self._push(view))
            return changes
        attempt, receipt = found
        if not receipt.succeeded:
            return [self._reverted(view, receipt)]
        return self._mined(view, attempt, receipt)

    def _find_receipt(self, view: AnchorView) -> tuple[AttemptView, Receipt] | None:
        registry = self._chain.registry
        for attempt in reversed(view.attempts):
            receipt = registry.get_receipt(attempt.tx_hash)
            if receipt is not None:
                return attempt, receipt
        return None

    def _push(self, view: AnchorView) -> AnchorChange:
        attempt = view.latest_attempt
        assert attempt is not None, "an in-flight anchor has a transaction"
        state = self._chain.registry.transaction_state(attempt.tx_hash)
        if state is TxState.MINED:
            return AnchorChange(
                ChangeKind.WAITING, view.id, "just mined; its receipt is read next round",
                tx_hash=attempt.tx_hash,
            )  # fmt: skip
        if state is TxState.UNKNOWN:
            change = self._sender.send(view, attempt)
            if change.kind is ChangeKind.WAITING and self._stuck(attempt):
                return self._sender.replace(self._records.view(view.id), attempt)
            return change
        if attempt.sent_at is None:  # sent before a crash, not yet recorded as sent
            self._records.mark_sent(view.id, attempt.id)
            return AnchorChange(
                ChangeKind.SENT, view.id,
                f"transaction {_hex(attempt.tx_hash)} was already sent; recorded as submitted",
                tx_hash=attempt.tx_hash,
            )  # fmt: skip
        if self._stuck(attempt):
            return self._sender.replace(view, attempt)
        return AnchorChange(
            ChangeKind.WAITING, view.id,
            f"transaction {_hex(attempt.tx_hash)} is pending (nonce {attempt.nonce})",
            tx_hash=attempt.tx_hash,
        )  # fmt: skip

    def _stuck(self, attempt: AttemptView) -> bool:
        since = attempt.sent_at or attempt.created_at
        return (self._clock() - since).total_seconds() >= self.stuck_seconds

    def _reverted(self, view: AnchorView, receipt: Receipt) -> AnchorChange:
        reason = self._chain.registry.revert_reason(receipt.tx_hash)
        message = f"transaction {_hex(receipt.tx_hash)} reverted: {reason.message}"
        self._records.fail(view.id, reason.error_name or "Reverted", message, receipt=receipt)
        return AnchorChange(
            ChangeKind.FAILED, view.id, message,
            tx_hash=receipt.tx_hash, block_number=receipt.block_number,
        )  # fmt: skip

    def _mined(
        self, view: AnchorView, attempt: AttemptView, receipt: Receipt
    ) -> list[AnchorChange]:
        changes: list[AnchorChange] = []
        registry = self._chain.registry
        if view.block_hash != receipt.block_hash:
            where = f"block {receipt.block_number} ({_hex(receipt.block_hash)})"
            if view.mined:
                kind, message = ChangeKind.REORGED, f"now mined in {where} after a reorg"
            else:
                kind, message = ChangeKind.MINED, f"mined in {where}"
            view = self._records.record_mined(view.id, attempt.id, receipt)
            changes.append(self._about(kind, view, receipt, message))
        confirmations = registry.confirmations(receipt)
        if confirmations >= self.required:
            if registry.block_hash_at(receipt.block_number) != receipt.block_hash:
                confirmations = 0  # the chain moved between the two reads; next round
            else:
                problem = self._registry_disagrees(view, receipt)
                if problem is not None:
                    self._records.fail(view.id, "RegistryMismatch", problem, receipt=receipt)
                    changes.append(AnchorChange(ChangeKind.FAILED, view.id, problem))
                    return changes
                self._records.confirm(view.id)
                message = (
                    f"confirmed: {confirmations} confirmations of block "
                    f"{receipt.block_number}, registry seq {view.chain_seq}"
                )
                changes.append(
                    self._about(ChangeKind.CONFIRMED, view, receipt, message, confirmations)
                )
                return changes
        message = f"{confirmations}/{self.required} confirmations of block {receipt.block_number}"
        changes.append(self._about(ChangeKind.WAITING, view, receipt, message, confirmations))
        return changes

    def _about(
        self,
        kind: ChangeKind,
        view: AnchorView,
        receipt: Receipt,
        message: str,
        confirmations: int | None = None,
    ) -> AnchorChange:
        if kind in (ChangeKind.MINED, ChangeKind.REORGED):
            message = f"transaction {_hex(receipt.tx_hash)} {message}"
        return AnchorChange(
            kind,
            view.id,
            message,
            tx_hash=receipt.tx_hash,
            block_number=receipt.block_number,
            confirmations=confirmations,
            required=None if confirmations is None else self.required,
        )

    def _registry_disagrees(self, view: AnchorView, receipt: Receipt) -> str | None:
        event = receipt.head_anchored
        if event is None:
            return (
                f"transaction {_hex(receipt.tx_hash)} succeeded but emitted no HeadAnchored "
                f"event from {self._chain.registry.address}"
            )
        record = self._chain.registry.anchor_at(event.seq)
        expected = (view.tree_size, view.root, view.statement_hash)
        if record is None or (record.tree_size, record.root, record.statement_hash) != expected:
            return f"registry anchor #{event.seq} does not hold size {view.tree_size} as sent"
        return None
