"""Every state change of an anchor, each in its own short database transaction.

Nothing here talks to the chain: the caller reads the chain first, then records what it
saw. Each method opens a writer unit of work, locks the anchor row, re-checks that the
anchor is still in the state the change applies to (another process may have moved it
meanwhile), changes it together with the batches it covers, and commits. No database
lock is held while the chain is being asked.

Batches follow their anchor (wave-2 design): ``anchored`` while an anchor covering them
is submitted, ``settled`` once it is confirmed, back to ``sealed`` if it fails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from anchor_service.chain import AnchorCall, Receipt, SignedTx
from anchor_service.db.models_anchoring import (
    IN_FLIGHT,
    Anchor,
    AnchorStatus,
    AnchorTransaction,
)
from anchor_service.db.repositories.anchors import AnchorRepository
from anchor_service.db.repositories.batches import BatchRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.services.anchoring.views import AnchorView, AttemptView

__all__ = ["AnchorRecords", "HeadToAnchor"]

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class HeadToAnchor:
    """What a new anchor is for: the newest batch, the call, and where it goes."""

    batch_seq: int
    from_size: int
    call: AnchorCall
    chain_id: int
    registry_address: str
    sender: str


class AnchorRecords:
    """Reads and records anchor state in ``database`` (one transaction per change)."""

    def __init__(self, database: Database, *, clock: Clock = _utc_now) -> None:
        self._database = database
        self._clock = clock

    # --- reads ------------------------------------------------------------------------
    def view(self, anchor_id: int) -> AnchorView:
        """The anchor and its transactions; :class:`NotFoundError` if unknown."""
        with unit_of_work(self._database.reader) as session:
            anchors = AnchorRepository(session)
            return AnchorView.of(anchors.get(anchor_id), anchors.transactions(anchor_id))

    def in_flight(self) -> AnchorView | None:
        """The prepared or submitted anchor, if any."""
        with unit_of_work(self._database.reader) as session:
            anchors = AnchorRepository(session)
            row = anchors.in_flight()
            return None if row is None else AnchorView.of(row, anchors.transactions(row.id))

    def nonce_floor(self, sender: str) -> int:
        """The lowest nonce a new transaction of ``sender`` may use, by our records
        (one above the highest nonce of an anchor in flight; 0 when none is)."""
        with unit_of_work(self._database.reader) as session:
            highest = AnchorRepository(session).highest_nonce_in_flight(sender)
        return 0 if highest is None else highest + 1

    # --- new anchors ------------------------------------------------------------------
    def record_intent(self, head: HeadToAnchor, signed: SignedTx) -> AnchorView | None:
        """Store a prepared anchor and its signed transaction, before anything is sent.

        Returns ``None`` (nothing stored) when another anchor is in flight already.
        """
        now = self._clock()
        try:
            with unit_of_work(self._database.writer) as session:
                anchors = AnchorRepository(session)
                anchor = anchors.add(
                    self._new_anchor(head, AnchorStatus.PREPARED, now, in_flight=IN_FLIGHT)
                )
                attempt = anchors.add_transaction(_attempt_row(anchor.id, signed, now))
                view = AnchorView.of(anchor, [attempt])
        except IntegrityError:
            logger.info("another anchor is in flight; not recording a second one")
            return None
        logger.info(
            "recorded anchor #%d: size %d, nonce %d, tx 0x%s",
            view.id,
            view.tree_size,
            signed.nonce,
            signed.tx_hash.hex(),
        )
        return view

    def record_refusal(self, head: HeadToAnchor, error_name: str, error: str) -> AnchorView:
        """Store a failed anchor for a head that was never sent (reverted at estimate,
        the registry disagrees with our log, fees above the cap).

        The same failure (same error name) for the same head again updates the last
        failed anchor instead of adding a row per try.
        """
        now = self._clock()
        with unit_of_work(self._database.writer) as session:
            anchors = AnchorRepository(session)
            last = anchors.latest()
            if (
                last is not None
                and last.status == AnchorStatus.FAILED
                and last.tree_size == head.call.tree_size
                and last.error_name == error_name
                and not anchors.transactions(last.id)
            ):
                anchor = last
                anchor.updated_at = now
            else:
                anchor = anchors.add(self._new_anchor(head, AnchorStatus.FAILED, now))
            anchor.error_name = error_name
            anchor.error = error
            session.flush()
            view = AnchorView.of(anchor, [])
        logger.warning("cannot anchor size %d: %s", head.call.tree_size, error)
        return view

    def _new_anchor(
        self, head: HeadToAnchor, status: AnchorStatus, now: datetime, in_flight: int | None = None
    ) -> Anchor:
        call = head.call
        return Anchor(
            tree_size=call.tree_size,
            root=call.root,
            statement_hash=call.statement_hash,
            batch_seq=head.batch_seq,
            from_size=head.from_size,
            consistency_proof=b"".join(call.consistency_proof),
            status=status,
            in_flight=in_flight,
            chain_id=head.chain_id,
            registry_address=head.registry_address,
            sender=head.sender,
            reorgs=0,
            created_at=now,
            updated_at=now,
        )

    # --- changes of an in-flight anchor ----------------------------------------------
    def mark_sent(self, anchor_id: int, attempt_id: int) -> AnchorView:
        """The node has the transaction ``attempt_id``: the anchor is submitted and the
        batches it covers are ``anchored``."""
        now = self._clock()
        with unit_of_work(self._database.writer) as session:
            anchors = AnchorRepository(session)
            anchor = anchors.lock(anchor_id)
            attempt = anchors.transaction(attempt_id)
            if attempt.sent_at is None:
                attempt.sent_at = now
            if AnchorStatus(anchor.status).in_flight:
                self._submitted(session, anchor, now)
            session.flush()
            return AnchorView.of(anchor, anchors.transactions(anchor_id))

    def record_replacement(
        self, anchor_id: int, replaced_id: int, signed: SignedTx
    ) -> AttemptView | None:
        """Store a replacement of transaction ``replaced_id`` before it is sent.

        ``None`` (nothing stored) if the anchor is no longer in flight or that
        transaction was replaced already (by another process).
        """
        now = self._clock()
        with unit_of_work(self._database.writer) as session:
            anchors = AnchorRepository(session)
            anchor = anchors.lock(anchor_id)
            replaced = anchors.transaction(replaced_id)
            if not AnchorStatus(anchor.status).in_flight or replaced.replaced_by is not None:
                return None
            attempt = anchors.add_transaction(_attempt_row(anchor_id, signed, now))
            replaced.replaced_by = attempt.id
            anchor.updated_at = now
            session.flush()
            return AttemptView.of(attempt)

    def record_mined(self, anchor_id: int, attempt_id: int, receipt: Receipt) -> AnchorView:
        """A receipt of transaction ``attempt_id`` was seen (first time, or in another
        block than recorded: then it counts as a reorg)."""
        now = self._clock()
        with unit_of_work(self._database.writer) as session:
            anchors = AnchorRepository(session)
            anchor = anchors.lock(anchor_id)
            if AnchorStatus(anchor.status).in_flight:
                attempt = anchors.transaction(attempt_id)
                if attempt.sent_at is None:
                    attempt.sent_at = now
                if anchor.block_hash is not None and anchor.block_hash != receipt.block_hash:
                    anchor.reorgs += 1
                _set_receipt(anchor, receipt)
                self._submitted(session, anchor, now)
            session.flush()
            return AnchorView.of(anchor, anchors.transactions(anchor_id))

    def record_reorg(self, anchor_id: int) -> AnchorView:
        """The recorded receipt's block left the chain: forget it, back to submitted."""
        now = self._clock()
        with unit_of_work(self._database.writer) as session:
            anchors = AnchorRepository(session)
            anchor = anchors.lock(anchor_id)
            if AnchorStatus(anchor.status).in_flight and anchor.block_hash is not None:
                anchor.reorgs += 1
                anchor.status = AnchorStatus.SUBMITTED
                for name in (
                    "chain_seq", "tx_hash", "block_number", "block_hash", "gas_used",
                    "effective_gas_price", "fee_wei",
                ):  # fmt: skip
                    setattr(anchor, name, None)
                anchor.updated_at = now
            session.flush()
            return AnchorView.of(anchor, anchors.transactions(anchor_id))

    def confirm(self, anchor_id: int) -> AnchorView:
        """Enough confirmations: the anchor is final and its batches are settled."""
        now = self._clock()
        with unit_of_work(self._database.writer) as session:
            anchors = AnchorRepository(session)
            anchor = anchors.lock(anchor_id)
            if AnchorStatus(anchor.status).in_flight and anchor.block_hash is not None:
                anchor.status = AnchorStatus.CONFIRMED
                anchor.in_flight = None
                anchor.confirmed_at = now
                anchor.updated_at = now
                anchor.error_name = anchor.error = None
                settled = BatchRepository(session).mark_settled(
                    anchor.tree_size, anchor_id=anchor_id, settled_at=now
                )
                logger.info("anchor #%d confirmed; %d batch(es) settled", anchor_id, settled)
            session.flush()
            return AnchorView.of(anchor, anchors.transactions(anchor_id))

    def fail(
        self, anchor_id: int, error_name: str, error: str, *, receipt: Receipt | None = None
    ) -> AnchorView:
        """The anchor will not make it (reverted, refused, nonce lost); its batches go back
        to ``sealed`` so the next anchor covers them."""
        now = self._clock()
        with unit_of_work(self._database.writer) as session:
            anchors = AnchorRepository(session)
            anchor = anchors.lock(anchor_id)
            if AnchorStatus(anchor.status).in_flight:
                anchor.status = AnchorStatus.FAILED
                anchor.in_flight = None
                anchor.error_name = error_name
                anchor.error = error
                anchor.updated_at = now
                if receipt is not None:
                    _set_receipt(anchor, receipt)
                BatchRepository(session).unmark_anchored(anchor_id)
                logger.warning("anchor #%d failed: %s", anchor_id, error)
            session.flush()
            return AnchorView.of(anchor, anchors.transactions(anchor_id))

    def note_error(self, anchor_id: int, error_name: str | None, error: str | None) -> None:
        """Record (or clear) a non-fatal problem of an in-flight anchor, such as a stuck
        transaction that cannot be replaced under the fee cap."""
        with unit_of_work(self._database.writer) as session:
            anchor = AnchorRepository(session).lock(anchor_id)
            if AnchorStatus(anchor.status).in_flight and anchor.error != error:
                anchor.error_name = error_name
                anchor.error = error
                anchor.updated_at = self._clock()

    def _submitted(self, session: Session, anchor: Anchor, now: datetime) -> None:
        if anchor.status == AnchorStatus.PREPARED:
            anchor.status = AnchorStatus.SUBMITTED
        if anchor.submitted_at is None:
            anchor.submitted_at = now
        anchor.updated_at = now
        BatchRepository(session).mark_anchored(anchor.tree_size, anchor.id)


def _attempt_row(anchor_id: int, signed: SignedTx, now: datetime) -> AnchorTransaction:
    return AnchorTransaction(
        anchor_id=anchor_id,
        nonce=signed.nonce,
        tx_hash=signed.tx_hash,
        raw_tx=signed.raw,
        max_fee_per_gas=signed.fees.max_fee_per_gas,
        max_priority_fee_per_gas=signed.fees.max_priority_fee_per_gas,
        gas=signed.gas,
        created_at=now,
        sent_at=None,
    )


def _set_receipt(anchor: Anchor, receipt: Receipt) -> None:
    anchor.tx_hash = receipt.tx_hash
    anchor.block_number = receipt.block_number
    anchor.block_hash = receipt.block_hash
    anchor.gas_used = receipt.gas_used
    anchor.effective_gas_price = receipt.effective_gas_price
    anchor.fee_wei = receipt.gas_used * receipt.effective_gas_price
    if receipt.head_anchored is not None:
        anchor.chain_seq = receipt.head_anchored.seq
