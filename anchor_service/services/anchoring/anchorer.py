"""Anchoring: send the newest sealed tree head to the registry and follow it to settled.

:class:`Anchorer` is what the scheduler, the CLI and the admin API use:

- :meth:`Anchorer.anchor_latest` anchors the newest sealed head (older sealed heads are
  covered by it). It reads the registry's latest head *from the chain*: if that is our
  newest head already there is nothing to do; if it is larger than our newest head, or
  its root differs from our log's root at its size, the anchor fails without sending.
  Otherwise it builds ``anchor(size, root, statementHash, consistencyProof)`` with the
  consistency proof from the chain's head, checks the head by a second path
  (:mod:`.head_check`: the root recomputed from the entries' leaf hashes must equal the
  batch's and the tiles', and the proof must lead to it; else ``HeadMismatch``, nothing
  signed), signs it at the next nonce (the node's
  pending nonce, never below the nonces of our own transactions in flight), records
  the anchor and the signed bytes, commits, and only then sends. While an anchor is in
  flight it follows that one up instead (one in flight at a time, enforced by the
  database).
- The chain watch (:mod:`.watch`) runs before every anchor and on every
  :meth:`Anchorer.confirm` round (in flight or not): when the registry on chain is not
  the one this database anchored into (a chain reset, a replaced contract, a head
  nobody here anchored) nothing is sent, an anchor in flight is failed instead of being
  sent again, and the refusal (``RegistryDisagrees``) stays until an operator runs
  ``anchor-service registry migrate`` (:mod:`.migration`).
- :meth:`Anchorer.confirm` follows the in-flight anchor one round
  (:class:`~anchor_service.services.anchoring.confirmations.ConfirmationTracker`).
- :meth:`Anchorer.wait_confirmed` repeats :meth:`confirm` until the anchor is
  confirmed or failed, or time runs out.

Failures and retries:

- *Chain unreachable* (:class:`ChainUnavailableError`, or an unclassified node error):
  logged, reported as ``unavailable`` with the delay before the next try (exponential,
  capped at a minute); calls within that delay do not touch the node. Nothing recorded
  is lost: the next call continues from the database.
- *Reverted* (at estimation, or mined with status 0), *refused by the node*, registry
  *mismatch*: the anchor is ``failed`` with the decoded reason in ``error``. A failed
  anchor is final. The rule for retrying: every later :meth:`anchor_latest` call (next
  schedule tick, ``anchor-service anchor``, ``POST /v1/admin/anchor``) starts afresh from
  the chain's state, so fixing the cause (re-granting the anchorer role, unpausing,
  funding the account) is all an operator does. A repeated identical failure that sent
  nothing updates the last failed anchor rather than adding one per tick.
- Configuration errors (no signer, no registry, wrong chain) are raised.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from anchor_service.chain import (
    AnchorCall,
    AnchoredHead,
    ChainRequestError,
    ChainUnavailableError,
    FeeCapExceededError,
    TransactionRevertedError,
    size_in_words,
)
from anchor_service.db.models_anchoring import AnchorStatus
from anchor_service.db.models_sealing import Batch
from anchor_service.db.repositories.batches import BatchRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.services.anchoring.backoff import Backoff
from anchor_service.services.anchoring.chain_context import ChainContext, build_chain_context
from anchor_service.services.anchoring.confirmations import ConfirmationTracker
from anchor_service.services.anchoring.head_check import HeadCheck
from anchor_service.services.anchoring.records import AnchorRecords, HeadToAnchor
from anchor_service.services.anchoring.sending import Checkpoint, CheckpointHook, TransactionSender
from anchor_service.services.anchoring.views import (
    AnchorChange,
    AnchorOutcome,
    AnchorView,
    ChangeKind,
    OutcomeKind,
)
from anchor_service.services.anchoring.watch import REGISTRY_DISAGREES, ChainWatch, WatchReport
from anchor_service.services.proofs.sealed_log import ProofService
from anchor_service.settings import Settings

__all__ = ["Anchorer"]

logger = logging.getLogger(__name__)

_TRANSIENT = (ChainUnavailableError, ChainRequestError)

#: The largest size a database column holds (signed 64 bits).
_BIGINT_MAX = 2**63 - 1


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Anchorer:
    """Anchors sealed heads of ``database`` in the registry of ``chain``."""

    def __init__(
        self,
        database: Database,
        chain: ChainContext,
        *,
        confirmations: int = 3,
        stuck_seconds: float = 300.0,
        backoff: Backoff | None = None,
        checkpoint: CheckpointHook | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.database = database
        self.chain = chain
        self.records = AnchorRecords(database, clock=clock)
        self.backoff = backoff if backoff is not None else Backoff()
        self._head_check = HeadCheck()
        self._sender = TransactionSender(chain, self.records, checkpoint)
        self._tracker = ConfirmationTracker(
            chain,
            self.records,
            self._sender,
            required=confirmations,
            stuck_seconds=stuck_seconds,
            clock=clock,
        )

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        database: Database,
        chain: ChainContext | None = None,
        *,
        backoff: Backoff | None = None,
        checkpoint: CheckpointHook | None = None,
    ) -> Anchorer:
        """An anchorer with ``settings.confirmations`` and ``settings.anchor_stuck_seconds``
        (the chain context is built from settings unless given; no request is made)."""
        return cls(
            database,
            chain if chain is not None else build_chain_context(settings),
            confirmations=settings.confirmations,
            stuck_seconds=settings.anchor_stuck_seconds,
            backoff=backoff,
            checkpoint=checkpoint,
        )

    @property
    def watch(self) -> ChainWatch:
        """The chain watch over the registry in use (see :mod:`.watch`)."""
        return ChainWatch(self.database, self.chain.registry, self.chain.chain_id)

    @property
    def required_confirmations(self) -> int:
        """Confirmations an anchor needs (at least 1: mined, block hash re-checked)."""
        return self._tracker.required

    # --- public API ---------------------------------------------------------------------
    def anchor_latest(self) -> AnchorOutcome:
        """Anchor the newest sealed head, or follow up the anchor in flight."""
        waiting = self.backoff.remaining()
        if waiting > 0:
            return AnchorOutcome(
                OutcomeKind.UNAVAILABLE,
                f"chain unavailable; next try in {waiting:.1f} s",
                retry_in=waiting,
            )
        try:
            outcome = self._anchor_latest()
        except _TRANSIENT as exc:
            delay = self._unavailable(exc)
            anchor = self.records.in_flight()
            return AnchorOutcome(
                OutcomeKind.UNAVAILABLE,
                f"{exc}; retrying in {delay:.1f} s",
                anchor=anchor,
                retry_in=delay,
            )
        self.backoff.success()
        return outcome

    def confirm(self) -> list[AnchorChange]:
        """Follow the anchor in flight one round; what happened (empty: none in flight)."""
        waiting = self.backoff.remaining()
        if waiting > 0:
            flight = self.records.in_flight()
            if flight is None:
                return []
            message = f"chain unavailable; next try in {waiting:.1f} s"
            return [AnchorChange(ChangeKind.UNAVAILABLE, flight.id, message)]
        flight = self.records.in_flight()
        if flight is None:
            try:  # the chain watch runs on every round, in flight or not
                self.chain.verify()
                report = self.watch.check()
            except _TRANSIENT:
                return []  # nothing in flight: the next round looks again
            return [] if report.ok else [self._stop(report)]
        try:
            self.chain.verify()
            report = self.watch.check()
            if not report.ok:
                return [self._stop(report)]
            changes = self._tracker.follow(flight)
        except _TRANSIENT as exc:
            delay = self._unavailable(exc)
            message = f"{exc}; retrying in {delay:.1f} s"
            return [AnchorChange(ChangeKind.UNAVAILABLE, flight.id, message)]
        self.backoff.success()
        for change in changes:
            if change.kind is not ChangeKind.WAITING:
                logger.info("anchor #%s %s: %s", change.anchor_id, change.kind, change.message)
        return changes

    def wait_confirmed(
        self,
        anchor_id: int,
        timeout: float,
        *,
        poll_interval: float = 1.0,
        progress: Callable[[AnchorChange], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> AnchorView:
        """Run :meth:`confirm` rounds until anchor ``anchor_id`` is confirmed or failed, or
        ``timeout`` seconds pass; returns its last state (check ``status``)."""
        deadline = time.monotonic() + timeout
        while True:
            view = self.records.view(anchor_id)
            if not view.status.in_flight:
                return view
            for change in self.confirm():
                if progress is not None and change.anchor_id == anchor_id:
                    progress(change)
            view = self.records.view(anchor_id)
            left = deadline - time.monotonic()
            if not view.status.in_flight or left <= 0:
                return view
            sleep(min(max(poll_interval, self.backoff.remaining()), left))

    def status(self, anchor_id: int) -> AnchorView:
        """The stored state of anchor ``anchor_id``."""
        return self.records.view(anchor_id)

    # --- anchoring ----------------------------------------------------------------------
    def _unavailable(self, exc: Exception) -> float:
        delay = self.backoff.failure()
        logger.warning(
            "chain unavailable (%s, %d in a row); retrying in %.1f s",
            exc,
            self.backoff.failures,
            delay,
        )
        return delay

    def _anchor_latest(self) -> AnchorOutcome:
        flight = self.records.in_flight()
        if flight is not None:
            self.chain.verify()
            report = self.watch.check()
            if not report.ok:
                change = self._stop(report)
                view = self.records.view(flight.id)
                return AnchorOutcome(OutcomeKind.FAILED, change.message, anchor=view)
            changes = self._tracker.follow(flight)
            view = self.records.view(flight.id)
            summary = f"anchor #{view.id} (size {view.tree_size}) is {view.status}: " + "; ".join(
                change.message for change in changes
            )
            if view.status is AnchorStatus.FAILED:
                return AnchorOutcome(OutcomeKind.FAILED, summary, anchor=view)
            if view.status.in_flight:
                return AnchorOutcome(OutcomeKind.IN_FLIGHT, summary, anchor=view)
        return self._anchor_newest()

    def _stop(self, report: WatchReport) -> AnchorChange:
        """The chain watch disagrees: fail the anchor in flight (its transaction is never
        sent again), or record the refusal of the newest head; nothing is sent."""
        message = report.message()
        flight = self.records.in_flight()
        if flight is not None:
            self.records.fail(flight.id, REGISTRY_DISAGREES, message)
            return AnchorChange(ChangeKind.STOPPED, flight.id, message)
        with unit_of_work(self.database.reader) as session:
            batch = BatchRepository(session).latest()
            head = None if batch is None else self._head_of(batch, 0, ())
        if head is None:
            return AnchorChange(ChangeKind.STOPPED, None, message)
        view = self.records.record_refusal(head, REGISTRY_DISAGREES, message)
        return AnchorChange(ChangeKind.STOPPED, view.id, message)

    def _head_of(self, batch: Batch, from_size: int, proof: Sequence[bytes]) -> HeadToAnchor:
        return HeadToAnchor(
            batch_seq=batch.seq,
            from_size=from_size,
            call=AnchorCall(batch.end_index, batch.root, batch.statement_hash, tuple(proof)),
            chain_id=self.chain.chain_id,
            registry_address=self.chain.registry.address,
            sender=self.chain.sender,
        )

    def _anchor_newest(self) -> AnchorOutcome:
        with unit_of_work(self.database.reader) as session:
            batch = BatchRepository(session).latest()
            if batch is None:
                return AnchorOutcome(OutcomeKind.NOTHING_TO_DO, "nothing is sealed yet")
            self.chain.verify()
            chain_head = self.chain.registry.latest_head()
            refusal = _refusal(batch, chain_head, ProofService(session))
            if refusal is None:  # the chain watch: is this still the registry we know?
                report = self.watch.check()
                if not report.ok:
                    refusal = (REGISTRY_DISAGREES, report.message())
            on_chain = chain_head is not None and chain_head.tree_size == batch.end_index
            if refusal is None and on_chain and chain_head is not None:
                return AnchorOutcome(
                    OutcomeKind.NOTHING_TO_DO,
                    f"the newest sealed head (size {batch.end_index}) is already anchored "
                    f"(registry seq {chain_head.seq})",
                )
            from_size = 0 if chain_head is None else chain_head.tree_size
            if from_size > _BIGINT_MAX:  # refused anyway; a forged 2^64-1 fits no column
                from_size = 0
            proof = (
                ProofService(session).consistency_proof(from_size, batch.end_index)
                if from_size and refusal is None
                else []
            )
            if refusal is None:  # check before signing, by a path apart from the tiles
                refusal = self._head_check.refusal(session, batch, chain_head, proof)
            head = self._head_of(batch, from_size, proof)
        if refusal is not None:
            return self._refused(head, *refusal)
        return self._submit(head)

    def _submit(self, head: HeadToAnchor) -> AnchorOutcome:
        registry = self.chain.registry
        nonce = max(registry.pending_nonce(head.sender), self.records.nonce_floor(head.sender))
        try:
            signed = registry.build_anchor(self.chain.signer, head.call, nonce)
        except TransactionRevertedError as exc:
            return self._refused(head, exc.error_name or "Reverted", f"would revert: {exc.reason}")
        except FeeCapExceededError as exc:
            return self._refused(head, "FeeCapExceeded", exc.detail)
        view = self.records.record_intent(head, signed)
        if view is None:
            flight = self.records.in_flight()
            return AnchorOutcome(
                OutcomeKind.IN_FLIGHT, "another process started an anchor just now", anchor=flight
            )
        self._sender.checkpoint(Checkpoint.RECORDED, view)
        attempt = view.latest_attempt
        assert attempt is not None
        change = self._sender.send(view, attempt)
        view = self.records.view(view.id)
        if change.kind is ChangeKind.SENT:
            return AnchorOutcome(
                OutcomeKind.SUBMITTED,
                f"anchor #{view.id} for size {view.tree_size} submitted: {change.message}",
                anchor=view,
            )
        if change.kind is ChangeKind.FAILED:
            return AnchorOutcome(OutcomeKind.FAILED, change.message, anchor=view)
        return AnchorOutcome(  # recorded, not accepted yet: the next rounds send it
            OutcomeKind.IN_FLIGHT,
            f"anchor #{view.id} for size {view.tree_size} is {view.status}: {change.message}",
            anchor=view,
        )

    def _refused(self, head: HeadToAnchor, name: str, reason: str) -> AnchorOutcome:
        view = self.records.record_refusal(head, name, reason)
        return AnchorOutcome(
            OutcomeKind.FAILED, f"cannot anchor size {view.tree_size}: {reason}", anchor=view
        )


def _refusal(
    batch: Batch, chain_head: AnchoredHead | None, proofs: ProofService
) -> tuple[str, str] | None:
    """Why the newest batch must not be sent, as ``(error name, reason)``; ``None`` if fine."""
    if hashlib.sha256(batch.statement).digest() != batch.statement_hash:
        return (
            "StatementHashMismatch",
            f"batch {batch.seq}'s statement does not hash to its stored statement hash",
        )
    if chain_head is None:
        return None
    if chain_head.tree_size > batch.end_index:
        size = chain_head.tree_size
        named = size_in_words(size)
        return (
            "RegistryAhead",
            f"the registry's latest head (seq {chain_head.seq}, tree size {named}) is not a "
            f"head of this log: our newest sealed head has size {batch.end_index}, so every "
            "anchor would revert. Either the registry is not this log's (wrong "
            "ANCHOR_REGISTRY_ADDRESS, or a database restored from an old backup) or its "
            "anchorer key signed a forged head; nothing was sent. Check with `anchor-service "
            "audit`, then move to a new registry: `anchor-service registry migrate --help`",
        )
    ours = proofs.root_at(chain_head.tree_size)
    if ours != chain_head.root:
        return (
            "RootMismatch",
            f"the registry's root at size {chain_head.tree_size} is {chain_head.root.hex()} but "
            f"our log's root at that size is {ours.hex()}: the log or the registry was altered",
        )
    return None
