"""``/v1/admin``: operations an admin runs on demand (the scheduler runs them on its own)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.concurrency import run_in_threadpool

from anchor_service.api.deps import AdminDep, AnchorerDep, DatabaseDep, SettingsDep
from anchor_service.api.errors import error_responses
from anchor_service.api.schemas.anchors import AnchorOutcomeOut
from anchor_service.api.schemas.batches import SealedBatchOut, SealOut
from anchor_service.chain.errors import ChainUnavailableError
from anchor_service.services.anchoring.views import OutcomeKind
from anchor_service.services.sealing import seal_pending

__all__ = ["router"]

router = APIRouter(prefix="/v1/admin", tags=["admin"])

_ADMIN_ERRORS = error_responses(401, 403, 422, 503)


@router.post(
    "/seal",
    status_code=status.HTTP_201_CREATED,
    summary="Seal the pending entries now",
    description=(
        "Extends the Merkle log over every entry stored so far, in batches of at most "
        "`max_batch_entries` (default `ANCHOR_SEAL_MAX_BATCH_ENTRIES`), each with its "
        "settlement statement. **201** with the new batches; **200** with an empty list "
        "when nothing was pending. Needs an `admin` key."
    ),
    responses={200: {"model": SealOut, "description": "Nothing was pending"}, **_ADMIN_ERRORS},
)
async def seal(
    _caller: AdminDep,
    database: DatabaseDep,
    settings: SettingsDep,
    response: Response,
    max_batch_entries: Annotated[
        int | None, Query(ge=1, description="Most entries per batch for this seal.")
    ] = None,
) -> SealOut:
    batches = await run_in_threadpool(
        seal_pending, database, settings, max_batch_entries=max_batch_entries
    )
    if not batches:
        response.status_code = status.HTTP_200_OK
        return SealOut(message="nothing to seal: every stored entry is sealed already", batches=[])
    entries = sum(batch.entry_count for batch in batches)
    noun = "batch" if len(batches) == 1 else "batches"
    return SealOut(
        message=(
            f"sealed {entries} entries in {len(batches)} {noun}; tree size {batches[-1].tree_size}"
        ),
        batches=[SealedBatchOut.of(batch) for batch in batches],
    )


@router.post(
    "/anchor",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Anchor the newest sealed tree head now",
    description=(
        "Sends the newest sealed tree head to the registry (reading the registry's head "
        "from the chain first), or follows up the anchor already in flight. **202** when "
        "a new anchor was submitted; **200** when there was nothing to do, an anchor was "
        "already in flight, or the anchor failed (`outcome` is `failed` and "
        "`anchor.error` holds the decoded reason, such as "
        "`AccessControlUnauthorizedAccount(...)`); **503** when the chain node is "
        "unreachable. Confirmation and settlement follow in the background (or "
        "`anchor-service anchor --wait`). Needs an `admin` key."
    ),
    responses={
        200: {"model": AnchorOutcomeOut, "description": "Nothing new submitted"},
        **_ADMIN_ERRORS,
    },
)
def anchor(_caller: AdminDep, anchorer: AnchorerDep, response: Response) -> AnchorOutcomeOut:
    outcome = anchorer.anchor_latest()
    if outcome.kind is OutcomeKind.UNAVAILABLE:
        raise ChainUnavailableError(outcome.message)
    if outcome.kind is not OutcomeKind.SUBMITTED:
        response.status_code = status.HTTP_200_OK
    return AnchorOutcomeOut.of(outcome)
