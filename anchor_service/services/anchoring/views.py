"""Immutable snapshots of anchors, and what anchoring reports back to its callers.

Services hand these out instead of ORM rows (which belong to a session). Their wire form
is :mod:`anchor_service.api.schemas.anchors` (the API and the CLI's ``--json``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from anchor_service.chain import AnchorCall, Fees
from anchor_service.db.models_anchoring import Anchor, AnchorStatus, AnchorTransaction

__all__ = [
    "AnchorChange",
    "AnchorOutcome",
    "AnchorView",
    "AttemptView",
    "ChangeKind",
    "OutcomeKind",
]


@dataclass(frozen=True)
class AttemptView:
    """One signed transaction of an anchor."""

    id: int
    nonce: int
    tx_hash: bytes
    raw_tx: bytes
    fees: Fees
    gas: int
    created_at: datetime
    sent_at: datetime | None
    replaced_by: int | None

    @classmethod
    def of(cls, row: AnchorTransaction) -> AttemptView:
        return cls(
            id=row.id,
            nonce=row.nonce,
            tx_hash=row.tx_hash,
            raw_tx=row.raw_tx,
            fees=Fees(row.max_fee_per_gas, row.max_priority_fee_per_gas),
            gas=row.gas,
            created_at=row.created_at,
            sent_at=row.sent_at,
            replaced_by=row.replaced_by,
        )


@dataclass(frozen=True)
class AnchorView:
    """An anchor and its signed transactions (oldest first), as stored."""

    id: int
    status: AnchorStatus
    tree_size: int
    root: bytes
    statement_hash: bytes
    batch_seq: int
    from_size: int
    consistency_proof: tuple[bytes, ...]
    chain_id: int
    registry_address: str
    sender: str
    chain_seq: int | None
    tx_hash: bytes | None
    block_number: int | None
    block_hash: bytes | None
    gas_used: int | None
    effective_gas_price: int | None
    fee_wei: int | None
    reorgs: int
    error_name: str | None
    error: str | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    confirmed_at: datetime | None
    attempts: tuple[AttemptView, ...] = field(default=())

    @classmethod
    def of(cls, row: Anchor, attempts: list[AnchorTransaction]) -> AnchorView:
        return cls(
            id=row.id,
            status=AnchorStatus(row.status),
            tree_size=row.tree_size,
            root=row.root,
            statement_hash=row.statement_hash,
            batch_seq=row.batch_seq,
            from_size=row.from_size,
            consistency_proof=row.proof_nodes,
            chain_id=row.chain_id,
            registry_address=row.registry_address,
            sender=row.sender,
            chain_seq=row.chain_seq,
            tx_hash=row.tx_hash,
            block_number=row.block_number,
            block_hash=row.block_hash,
            gas_used=row.gas_used,
            effective_gas_price=row.effective_gas_price,
            fee_wei=row.fee_wei,
            reorgs=row.reorgs,
            error_name=row.error_name,
            error=row.error,
            created_at=row.created_at,
            updated_at=row.updated_at,
            submitted_at=row.submitted_at,
            confirmed_at=row.confirmed_at,
            attempts=tuple(AttemptView.of(attempt) for attempt in attempts),
        )

    @property
    def call(self) -> AnchorCall:
        """The ``anchor(...)`` arguments this anchor sends."""
        return AnchorCall(self.tree_size, self.root, self.statement_hash, self.consistency_proof)

    @property
    def latest_attempt(self) -> AttemptView | None:
        """The newest signed transaction (the one with the highest fees)."""
        return self.attempts[-1] if self.attempts else None

    @property
    def mined(self) -> bool:
        """Whether a receipt has been recorded (and not reorged away since)."""
        return self.block_number is not None


class OutcomeKind(enum.StrEnum):
    """What :meth:`Anchorer.anchor_latest` did."""

    SUBMITTED = "submitted"  # a new anchor was signed, recorded and sent
    IN_FLIGHT = "in_flight"  # an anchor was already in flight; it was followed up instead
    NOTHING_TO_DO = "nothing_to_do"  # nothing sealed, or the newest head is on chain
    FAILED = "failed"  # the newest head cannot be anchored now; ``anchor.error`` says why
    UNAVAILABLE = "unavailable"  # the chain node is unreachable; retried after ``retry_in``


@dataclass(frozen=True)
class AnchorOutcome:
    """The result of one :meth:`Anchorer.anchor_latest` call."""

    kind: OutcomeKind
    message: str
    anchor: AnchorView | None = None
    retry_in: float | None = None


class ChangeKind(enum.StrEnum):
    """What happened to an in-flight anchor during one :meth:`Anchorer.confirm` round."""

    SENT = "sent"  # recorded bytes sent (first time, or again after a crash or reorg)
    MINED = "mined"  # a receipt was seen; batches are 'anchored'
    WAITING = "waiting"  # nothing changed: pending, or mined with too few confirmations
    REPLACED = "replaced"  # stuck past the timeout; replaced by the same nonce, higher fees
    REORGED = "reorged"  # its block left the chain; back to submitted, re-sent
    CONFIRMED = "confirmed"  # enough confirmations; batches settled
    FAILED = "failed"  # reverted (reason decoded), refused, or its nonce was lost
    UNAVAILABLE = "unavailable"  # the chain node is unreachable; retried after a backoff
    STOPPED = "stopped"  # the registry on chain disagrees with the database (chain watch)


@dataclass(frozen=True)
class AnchorChange:
    """One thing that happened (or did not) to anchor ``anchor_id``."""

    kind: ChangeKind
    anchor_id: int | None
    message: str
    tx_hash: bytes | None = None
    block_number: int | None = None
    confirmations: int | None = None
    required: int | None = None
