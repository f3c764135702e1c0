"""Anchors on the wire: the anchor record, what anchoring did, and on-chain listings.

Built from the services' frozen values (:mod:`anchor_service.services.anchoring.views`):
``POST /v1/admin/anchor``, ``GET /v1/anchors``, ``anchor-service anchor --json`` and
``anchor-service scheduler --once --json`` all write these models.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field

from anchor_service.api.schemas.common import tx_hex
from anchor_service.api.schemas.pages import Page
from anchor_service.services.anchoring.views import (
    AnchorChange,
    AnchorOutcome,
    AnchorView,
    AttemptView,
)

__all__ = [
    "AnchorChangeOut",
    "AnchorOnChainOut",
    "AnchorOut",
    "AnchorOutcomeCliOut",
    "AnchorOutcomeOut",
    "AnchorPageOut",
    "AnchorTransactionOut",
]


class AnchorTransactionOut(BaseModel):
    """One signed transaction of an anchor (a replacement has the same nonce)."""

    model_config = ConfigDict(extra="forbid")

    id: int
    nonce: int
    tx_hash: str = Field(description="0x-prefixed transaction hash.")
    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    gas: int
    created_at: datetime
    sent_at: datetime | None
    replaced_by: int | None = Field(description="Id of the transaction that replaced this one.")

    @classmethod
    def of(cls, attempt: AttemptView) -> AnchorTransactionOut:
        return cls(
            id=attempt.id,
            nonce=attempt.nonce,
            tx_hash="0x" + attempt.tx_hash.hex(),
            max_fee_per_gas=attempt.fees.max_fee_per_gas,
            max_priority_fee_per_gas=attempt.fees.max_priority_fee_per_gas,
            gas=attempt.gas,
            created_at=attempt.created_at,
            sent_at=attempt.sent_at,
            replaced_by=attempt.replaced_by,
        )


class AnchorOut(BaseModel):
    """An anchor: the tree head it records, where, and how far it got (the same shape as
    ``anchor-service anchor --json`` prints)."""

    model_config = ConfigDict(extra="forbid")

    id: int
    status: str = Field(
        examples=["submitted"], description="prepared, submitted, confirmed or failed"
    )
    tree_size: int
    root: str
    statement_hash: str
    batch_seq: int = Field(description="The newest batch it covers.")
    from_size: int = Field(description="The registry's head size its consistency proof starts at.")
    chain_id: int
    registry: str
    sender: str
    seq: int | None = Field(description="Anchor sequence number in the registry, once mined.")
    tx_hash: str | None = Field(description="The mined transaction, once mined.")
    block_number: int | None
    block_hash: str | None
    gas_used: int | None
    effective_gas_price: int | None
    fee_wei: int | None
    reorgs: int
    error_name: str | None = Field(examples=["AccessControlUnauthorizedAccount"])
    error: str | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    confirmed_at: datetime | None
    transactions: list[AnchorTransactionOut]

    @classmethod
    def of(cls, view: AnchorView, **more: Any) -> Self:
        """From the anchor's snapshot; ``more`` fills a subclass's own fields."""
        return cls(
            id=view.id,
            status=view.status.value,
            tree_size=view.tree_size,
            root=view.root.hex(),
            statement_hash=view.statement_hash.hex(),
            batch_seq=view.batch_seq,
            from_size=view.from_size,
            chain_id=view.chain_id,
            registry=view.registry_address,
            sender=view.sender,
            seq=view.chain_seq,
            tx_hash=tx_hex(view.tx_hash),
            block_number=view.block_number,
            block_hash=tx_hex(view.block_hash),
            gas_used=view.gas_used,
            effective_gas_price=view.effective_gas_price,
            fee_wei=view.fee_wei,
            reorgs=view.reorgs,
            error_name=view.error_name,
            error=view.error,
            created_at=view.created_at,
            updated_at=view.updated_at,
            submitted_at=view.submitted_at,
            confirmed_at=view.confirmed_at,
            transactions=[AnchorTransactionOut.of(attempt) for attempt in view.attempts],
            **more,
        )


class AnchorOutcomeOut(BaseModel):
    """What ``POST /v1/admin/anchor`` did, and the anchor concerned."""

    outcome: str = Field(
        examples=["submitted"],
        description="submitted, in_flight, nothing_to_do, failed",
    )
    message: str
    anchor: AnchorOut | None

    @classmethod
    def of(cls, outcome: AnchorOutcome, **more: Any) -> Self:
        return cls(
            outcome=outcome.kind.value,
            message=outcome.message,
            anchor=None if outcome.anchor is None else AnchorOut.of(outcome.anchor),
            **more,
        )


class AnchorOutcomeCliOut(AnchorOutcomeOut):
    """What ``anchor-service anchor --json`` prints: the outcome, plus when an unreachable
    node is tried again (the API answers 503 instead, so it has no ``retry_in``).
    ``outcome`` may also be ``unavailable``, and with ``--wait`` ``confirmed`` or
    ``not_confirmed``."""

    retry_in: float | None = Field(description="Seconds until the node is tried again.")

    @classmethod
    def of_outcome(cls, outcome: AnchorOutcome) -> AnchorOutcomeCliOut:
        return cls.of(outcome, retry_in=outcome.retry_in)


class AnchorChangeOut(BaseModel):
    """One thing that happened (or did not) to an in-flight anchor in a confirm round."""

    kind: str = Field(examples=["confirmed"])
    anchor_id: int | None
    message: str
    tx_hash: str | None
    block_number: int | None
    confirmations: int | None
    required: int | None

    @classmethod
    def of(cls, change: AnchorChange) -> AnchorChangeOut:
        return cls(
            kind=change.kind.value,
            anchor_id=change.anchor_id,
            message=change.message,
            tx_hash=tx_hex(change.tx_hash),
            block_number=change.block_number,
            confirmations=change.confirmations,
            required=change.required,
        )


class AnchorOnChainOut(AnchorOut):
    """An anchor recorded on chain, with its confirmations now."""

    confirmations: int | None = Field(
        description="Blocks from the anchor's block to the chain head, inclusive; null "
        "when the node cannot be reached."
    )
    required_confirmations: int = Field(description="Confirmations it needs to be settled.")

    @classmethod
    def on_chain(cls, view: AnchorView, head: int | None, required: int) -> AnchorOnChainOut:
        confirmations = None
        if head is not None and view.block_number is not None:
            confirmations = max(head - view.block_number + 1, 0)
        return cls.of(view, confirmations=confirmations, required_confirmations=required)


class AnchorPageOut(Page[AnchorOnChainOut]):
    """One page of on-chain anchors, by registry sequence number."""
