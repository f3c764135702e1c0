"""``/v1/log``: the log's heads, and consistency proofs between anchored heads (auditors)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from anchor_service.api.deps import DB_BIGINT_MAX, AuditorDep, ProofReadsDep, SessionDep
from anchor_service.api.errors import ERROR_RESPONSES
from anchor_service.db.repositories.batches import BatchRepository
from anchor_service.db.repositories.log_state import LogStateRepository
from anchor_service.merkle import EMPTY_ROOT
from anchor_service.services.proofs.anchored_heads import AnchoredHead
from anchor_service.services.proofs.bundles import BundleService
from anchor_service.services.proofs.store import SqlProofStore

__all__ = ["AnchoredHeadOut", "ConsistencyOut", "LogHeadOut", "router"]

router = APIRouter(prefix="/v1/log", tags=["log"])

_HEX = "lower-case hex"


class AnchorRefOut(BaseModel):
    """Where a head was anchored: the registry and the mined transaction."""

    chain_id: int = Field(examples=[1337])
    registry: str = Field(description="Registry address, 0x-prefixed.")
    seq: int = Field(description="Anchor sequence number in the registry.", examples=[0])
    tx_hash: str = Field(description="Anchor transaction hash, 0x-prefixed.")
    block_number: int
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
        return cls.model_validate(head.to_json())


class SealedHeadOut(BaseModel):
    """The newest sealed tree head (size 0 and the empty root before the first seal)."""

    tree_size: int = Field(examples=[1500])
    root: str = Field(description=f"Root at tree_size, {_HEX}.")
    batch_seq: int | None = Field(description="The newest batch; null before the first seal.")
    sealed_at: datetime | None


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


@router.get(
    "/head",
    response_model=LogHeadOut,
    summary="The log's newest heads",
    description="Needs an `auditor` or `admin` key.",
    responses={code: ERROR_RESPONSES[code] for code in (401, 403)},
)
def log_head(_caller: AuditorDep, session: SessionDep, reads: ProofReadsDep) -> LogHeadOut:
    stored = LogStateRepository(session).next_index()
    batch = BatchRepository(session).latest()
    heads = reads.heads.all(SqlProofStore(session.connection()))
    confirmed = [head for head in heads if head.confirmed]
    sealed_size = batch.end_index if batch is not None else 0
    return LogHeadOut(
        entries=stored,
        pending=max(stored - sealed_size, 0),
        sealed=SealedHeadOut(
            tree_size=sealed_size,
            root=(batch.root if batch is not None else EMPTY_ROOT).hex(),
            batch_seq=batch.seq if batch is not None else None,
            sealed_at=batch.sealed_at if batch is not None else None,
        ),
        anchored=AnchoredHeadOut.of(heads[-1]) if heads else None,
        confirmed=AnchoredHeadOut.of(confirmed[-1]) if confirmed else None,
    )


@router.get(
    "/consistency",
    response_model=ConsistencyOut,
    summary="Consistency proof between two anchored heads",
    description=(
        "Proves that the anchored head of `first` leaves is a prefix of the anchored head "
        "of `second` leaves (RFC 9162 §2.1.4): check it with any RFC 9162 verifier or the "
        "registry's `verifyConsistency`. Both sizes must be sizes of anchored heads (`GET "
        "/v1/anchors`), `first <= second`; **404** otherwise. Needs an `auditor` or "
        "`admin` key."
    ),
    responses={code: ERROR_RESPONSES[code] for code in (401, 403, 404, 422)},
)
def consistency(
    _caller: AuditorDep,
    reads: ProofReadsDep,
    first: Annotated[
        int, Query(ge=1, le=DB_BIGINT_MAX, description="Size of the older anchored head.")
    ],
    second: Annotated[
        int, Query(ge=1, le=DB_BIGINT_MAX, description="Size of the newer anchored head.")
    ],
) -> ConsistencyOut:
    with reads.store() as store:
        proof = BundleService(store, reads.heads, reads.nodes).consistency(first, second)
    return ConsistencyOut.model_validate(proof.to_json())
