"""``/v1/batches``: sealed batches, their heads and settlement statements (auditors).

Lists are keyset-paginated on ``seq``: pass the ``next`` of one page as ``after`` to get
the following one (``next`` is null on the last page).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from anchor_service.api.deps import DB_INT_MAX, AuditorDep, ReadSessionDep
from anchor_service.api.errors import error_responses
from anchor_service.api.pagination import PageQuery, keyset
from anchor_service.api.schemas.batches import BatchOut, BatchPageOut
from anchor_service.db.repositories.batches import BatchRepository

__all__ = ["router"]

router = APIRouter(prefix="/v1/batches", tags=["batches"])

_READ_ERRORS = error_responses(401, 403, 404, 422)


@router.get(
    "",
    response_model=BatchPageOut,
    summary="List sealed batches",
    description="Oldest first, keyset-paginated. Needs an `auditor` or `admin` key.",
    responses=_READ_ERRORS,
)
def list_batches(
    _caller: AuditorDep,
    session: ReadSessionDep,
    page: Annotated[PageQuery, keyset("batches", maximum=DB_INT_MAX)],
) -> BatchPageOut:
    rows = BatchRepository(session).with_anchors(after=page.floor, limit=page.fetch)
    items = [BatchOut.of_row(batch, anchor) for batch, anchor in rows]
    return BatchPageOut.of(items, page.limit, key=lambda item: item.seq)


@router.get(
    "/{seq}",
    response_model=BatchOut,
    summary="One sealed batch",
    description="Needs an `auditor` or `admin` key.",
    responses=_READ_ERRORS,
)
def get_batch(
    seq: Annotated[int, Path(ge=0, le=DB_INT_MAX)], _caller: AuditorDep, session: ReadSessionDep
) -> BatchOut:
    return BatchOut.of_row(*BatchRepository(session).get_with_anchor(seq))


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
    seq: Annotated[int, Path(ge=0, le=DB_INT_MAX)], _caller: AuditorDep, session: ReadSessionDep
) -> Response:
    batch = BatchRepository(session).get(seq)
    return Response(
        batch.statement,
        media_type="application/json",
        headers={"X-Statement-SHA256": batch.statement_hash.hex()},
    )
