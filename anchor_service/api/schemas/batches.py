"""Sealed batches on the wire: the batch head, its anchor, and what a seal made.

:class:`BatchHeadOut` is the one JSON form of a batch head: ``GET /v1/batches``,
``POST /v1/admin/seal``, ``anchor-service seal --json`` and ``anchor-service scheduler
--once --json`` all write it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel, Field

from anchor_service.api.schemas.common import AnchorRecord, BatchHead, tx_hex
from anchor_service.api.schemas.pages import Page
from anchor_service.db.models_sealing import Batch

__all__ = [
    "BatchAnchorOut",
    "BatchHeadOut",
    "BatchOut",
    "BatchPageOut",
    "SealOut",
    "SealedBatchOut",
]


class BatchHeadOut(BaseModel):
    """A sealed batch: leaf range, tree head, statement hash, period."""

    seq: int = Field(examples=[3])
    start_index: int = Field(description="First leaf index of the batch.", examples=[1200])
    end_index: int = Field(description="One past its last leaf index.", examples=[1500])
    tree_size: int = Field(description="Size of the log at the batch's head.", examples=[1500])
    entry_count: int = Field(examples=[300])
    root: str = Field(description="Root of the log at tree_size, lower-case hex.")
    statement_hash: str = Field(description="SHA-256 of the statement bytes, lower-case hex.")
    period_start: datetime
    period_end: datetime
    sealed_at: datetime

    @classmethod
    def of(cls, batch: BatchHead, **more: Any) -> Self:
        """From a batch row or a seal's result; ``more`` fills a subclass's own fields."""
        return cls(
            seq=batch.seq,
            start_index=batch.start_index,
            end_index=batch.end_index,
            tree_size=batch.tree_size,
            entry_count=batch.entry_count,
            root=batch.root.hex(),
            statement_hash=batch.statement_hash.hex(),
            period_start=batch.period_start,
            period_end=batch.period_end,
            sealed_at=batch.sealed_at,
            **more,
        )


class SealedBatchOut(BatchHeadOut):
    """A batch created by a seal: leaf range, tree head, statement hash, period."""


class SealOut(BaseModel):
    """What a seal did: the new batches (none when nothing was pending)."""

    message: str = Field(examples=["sealed 300 entries in 1 batch; tree size 1500"])
    batches: list[SealedBatchOut]


class BatchAnchorOut(BaseModel):
    """The anchor that covers the batch (its head, or a later one that extends it)."""

    id: int = Field(description="The anchor's id in this service.")
    seq: int | None = Field(description="Anchor sequence number in the registry, once mined.")
    tree_size: int = Field(description="Size of the anchored head (>= the batch's end).")
    tx_hash: str | None = Field(description="The mined transaction, 0x-prefixed.")
    status: str = Field(examples=["confirmed"])

    @classmethod
    def of(cls, anchor: AnchorRecord) -> BatchAnchorOut:
        return cls(
            id=anchor.id,
            seq=anchor.chain_seq,
            tree_size=anchor.tree_size,
            tx_hash=tx_hex(anchor.tx_hash),
            status=str(anchor.status),
        )


class BatchOut(BatchHeadOut):
    """A sealed batch: leaf range, tree head, statement hash, period and status."""

    status: str = Field(description="sealed, anchored or settled.", examples=["settled"])
    settled_at: datetime | None
    anchor: BatchAnchorOut | None

    @classmethod
    def of_row(cls, batch: Batch, anchor: AnchorRecord | None) -> BatchOut:
        """From a ``batches`` row and the anchor that covers it (``None``: not anchored)."""
        return cls.of(
            batch,
            status=str(batch.status),
            settled_at=batch.settled_at,
            anchor=None if anchor is None else BatchAnchorOut.of(anchor),
        )


class BatchPageOut(Page[BatchOut]):
    """One page of batches, oldest first."""
