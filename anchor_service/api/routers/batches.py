"""``/v1/batches``: sealed batches, their heads and settlement statements (auditors).

Lists are keyset-paginated on ``seq``: pass the ``next`` of one page as ``after`` to get
the following one (``next`` is null on the last page).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from anchor_service.api.deps import DB_INT_MAX, AuditorDep, SessionDep
from anchor_service.api.errors import ERROR_RESPONSES
from anchor_service.api.schemas import BatchHeadOut
from anchor_service.db.models_anchoring import Anchor
from anchor_service.db.models_sealing import Batch
from anchor_service.db.repositories.batches import BatchRepository

__all__ = ["BatchOut", "BatchPageOut", "router"]

router = APIRouter(prefix="/v1/batches", tags=["batches"])

_READ_ERRORS: dict[int | str, dict[str, Any]] = {
    code: ERROR_RESPONSES[code] for code in (401, 403, 404, 422)
}
PageLimit = Annotated[int, Query(ge=1, le=500, description="Most items in the page.")]


class BatchAnchorOut(BaseModel):
    """The anchor that covers the batch (its head, or a later one that extends it)."""

    id: int = Field(description="The anchor's id in this service.")
    seq: int | None = Field(description="Anchor sequence number in the registry, once mined.")
    tree_size: int = Field(description="Size of the anchored head (>= the batch's end).")
    tx_hash: str | None = Field(description="The mined transaction, 0x-prefixed.")
    status: str = Field(examples=["confirmed"])


class BatchOut(BatchHeadOut):
    """A sealed batch: leaf range, tree head, statement hash, period and status."""

    status: str = Field(description="sealed, anchored or settled.", examples=["settled"])
    settled_at: datetime | None
    anchor: BatchAnchorOut | None

    @classmethod
    def of(cls, batch: Batch, anchor: Anchor | None) -> BatchOut:
        return cls(
            **cls.head_fields(batch),
            status=str(batch.status),
            settled_at=batch.settled_at,
            anchor=None
            if anchor is None
            else BatchAnchorOut(
                id=anchor.id,
                seq=anchor.chain_seq,
                tree_size=anchor.tree_size,
                tx_hash=None if anchor.tx_hash is None else "0x" + anchor.tx_hash.hex(),
                status=str(anchor.status),
            ),
        )


class BatchPageOut(BaseModel):
    """One page of batches, oldest first."""

    items: list[BatchOut]
    next: str | None = Field(description="Pass as `after` for the next page; null at the end.")


@router.get(
    "",
    response_model=BatchPageOut,
    summary="List sealed batches",
    description="Oldest first, keyset-paginated. Needs an `auditor` or `admin` key.",
    responses=_READ_ERRORS,
)
def list_batches(
    _caller: AuditorDep,
    session: SessionDep,
    limit: PageLimit = 50,
    after: Annotated[
        int | None,
        Query(ge=-1, le=DB_INT_MAX, description="Return batches with seq greater than this."),
    ] = None,
) -> BatchPageOut:
    rows = BatchRepository(session).with_anchors(
        after=-1 if after is None else after, limit=limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return BatchPageOut(
        items=[BatchOut.of(batch, anchor) for batch, anchor in rows],
        next=str(rows[-1][0].seq) if more else None,
    )


@router.get(
    "/{seq}",
    response_model=BatchOut,
    summary="One sealed batch",
    description="Needs an `auditor` or `admin` key.",
    responses=_READ_ERRORS,
)
def get_batch(
    seq: Annotated[int, Path(ge=0, le=DB_INT_MAX)], _caller: AuditorDep, session: SessionDep
) -> BatchOut:
    return BatchOut.of(*BatchRepository(session).get_with_anchor(seq))


@router.get(
    "/{seq}/statement",
    summary="The batch's settlement statement, byte for byte",
    description=(
        "The exact canonical JSON (RFC 8785) bytes whose SHA-256 is the batch's "
        "`statement_hash`, the value anchored on chain with its head. The hash is repeated "
        "in the `X-Statement-SHA256` header. Needs an `auditor` or `admin` key."
    ),
    responses={
        200: {"description": "The statement bytes.", "content": {"application/json": {}}},
        **_READ_ERRORS,
    },
)
def get_statement(
    seq: Annotated[int, Path(ge=0, le=DB_INT_MAX)], _caller: AuditorDep, session: SessionDep
) -> Response:
    batch = BatchRepository(session).get(seq)
    return Response(
        batch.statement,
        media_type="application/json",
        headers={"X-Statement-SHA256": batch.statement_hash.hex()},
    )
