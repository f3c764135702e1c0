"""The log's heads on the wire: sealed and anchored heads, and consistency proofs."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from anchor_service.api.schemas.common import BatchHead
from anchor_service.merkle import EMPTY_ROOT
from anchor_service.services.proofs.anchored_heads import AnchoredHead
from anchor_service.services.proofs.bundles import ConsistencyBetweenHeads
from anchor_service.verifier import BundleAnchorOut

__all__ = ["AnchorRefOut", "AnchoredHeadOut", "ConsistencyOut", "LogHeadOut", "SealedHeadOut"]

_HEX = "lower-case hex"


class AnchorRefOut(BundleAnchorOut):
    """Where a head was anchored: the registry and the mined transaction."""

    status: str = Field(
        description="`confirmed`, or `mined` while it has fewer confirmations than required.",
        examples=["confirmed"],
    )


class AnchoredHeadOut(BaseModel):
    """A tree head recorded on chain."""

    tree_size: int = Field(examples=[1500])
    root: str = Field(description=f"Root at tree_size, {_HEX}.")
    statement_hash: str = Field(description=f"SHA-256 of the batch's statement, {_HEX}.")
    batch_seq: int = Field(description="The batch whose head this is.")
    anchor: AnchorRefOut

    @classmethod
    def of(cls, head: AnchoredHead) -> AnchoredHeadOut:
        return cls(
            tree_size=head.tree_size,
            root=head.root.hex(),
            statement_hash=head.statement_hash.hex(),
            batch_seq=head.batch_seq,
            anchor=AnchorRefOut.of(head.anchor, status="confirmed" if head.confirmed else "mined"),
        )


class SealedHeadOut(BaseModel):
    """The newest sealed tree head (size 0 and the empty root before the first seal)."""

    tree_size: int = Field(examples=[1500])
    root: str = Field(description=f"Root at tree_size, {_HEX}.")
    batch_seq: int | None = Field(description="The newest batch; null before the first seal.")
    sealed_at: datetime | None

    @classmethod
    def of(cls, batch: BatchHead | None) -> SealedHeadOut:
        """The head of the newest batch ``batch`` (``None``: nothing sealed yet)."""
        if batch is None:
            return cls(tree_size=0, root=EMPTY_ROOT.hex(), batch_seq=None, sealed_at=None)
        return cls(
            tree_size=batch.end_index,
            root=batch.root.hex(),
            batch_seq=batch.seq,
            sealed_at=batch.sealed_at,
        )


class LogHeadOut(BaseModel):
    """How far the log is: stored, sealed, anchored (mined) and confirmed."""

    entries: int = Field(description="Entries stored (sealed or pending).", examples=[1520])
    pending: int = Field(description="Entries stored but not sealed yet.", examples=[20])
    sealed: SealedHeadOut
    anchored: AnchoredHeadOut | None = Field(
        description="The largest head whose anchor transaction is mined."
    )
    confirmed: AnchoredHeadOut | None = Field(
        description="The largest head whose anchor has all its confirmations."
    )


class ConsistencyOut(BaseModel):
    """An RFC 9162 consistency proof from the anchored head `first` to `second`."""

    first: AnchoredHeadOut
    second: AnchoredHeadOut
    proof: list[str] = Field(description=f"Proof hashes, {_HEX} (empty for equal sizes).")

    @classmethod
    def of(cls, consistency: ConsistencyBetweenHeads) -> ConsistencyOut:
        return cls(
            first=AnchoredHeadOut.of(consistency.first),
            second=AnchoredHeadOut.of(consistency.second),
            proof=[node.hex() for node in consistency.proof],
        )
