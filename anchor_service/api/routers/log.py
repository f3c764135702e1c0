"""``/v1/log``: the log's heads, and consistency proofs between anchored heads (auditors)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from anchor_service.api.deps import DB_BIGINT_MAX, AuditorDep, ProofReadsDep, ReadSessionDep
from anchor_service.api.errors import error_responses
from anchor_service.api.schemas.log import (
    AnchoredHeadOut,
    ConsistencyOut,
    LogHeadOut,
    SealedHeadOut,
)
from anchor_service.db.repositories.batches import BatchRepository
from anchor_service.db.repositories.log_state import LogStateRepository
from anchor_service.db.repositories.proofs import SqlProofRows
from anchor_service.services.proofs.bundles import BundleService
from anchor_service.services.proofs.store import ProofStore

__all__ = ["router"]

router = APIRouter(prefix="/v1/log", tags=["log"])


@router.get(
    "/head",
    response_model=LogHeadOut,
    summary="The log's newest heads",
    description="Needs an `auditor` or `admin` key.",
    responses=error_responses(401, 403),
)
def log_head(_caller: AuditorDep, session: ReadSessionDep, reads: ProofReadsDep) -> LogHeadOut:
    stored = LogStateRepository(session).next_index()
    batch = BatchRepository(session).latest()
    heads = reads.heads.all(ProofStore(SqlProofRows(session.connection())))
    confirmed = [head for head in heads if head.confirmed]
    sealed_size = batch.end_index if batch is not None else 0
    return LogHeadOut(
        entries=stored,
        pending=max(stored - sealed_size, 0),
        sealed=SealedHeadOut.of(batch),
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
    responses=error_responses(401, 403, 404, 422),
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
    return ConsistencyOut.of(proof)
