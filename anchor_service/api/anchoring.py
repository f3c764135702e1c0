"""The bodies of anchor responses (the admin anchor route, ``/v1/anchors``).

The app's :class:`~anchor_service.services.anchoring.anchorer.Anchorer` is reached through
``AnchorerDep`` (:mod:`anchor_service.api.deps`).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from anchor_service.services.anchoring.views import AnchorOutcome, AnchorView

__all__ = [
    "AnchorOut",
    "AnchorOutcomeOut",
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
    def of(cls, view: AnchorView) -> AnchorOut:
        """From the anchor's wire form (:meth:`AnchorView.to_json`, also the CLI's)."""
        return cls.model_validate(view.to_json())


class AnchorOutcomeOut(BaseModel):
    """What ``POST /v1/admin/anchor`` did, and the anchor concerned."""

    outcome: str = Field(
        examples=["submitted"],
        description="submitted, in_flight, nothing_to_do, failed",
    )
    message: str
    anchor: AnchorOut | None

    @classmethod
    def of(cls, outcome: AnchorOutcome) -> AnchorOutcomeOut:
        return cls(
            outcome=outcome.kind.value,
            message=outcome.message,
            anchor=None if outcome.anchor is None else AnchorOut.of(outcome.anchor),
        )
