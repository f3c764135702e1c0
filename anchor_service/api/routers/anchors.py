"""``/v1/anchors``: the tree heads recorded on chain, by registry sequence number (auditors).

Only anchors whose transaction is mined have a sequence number and are listed here
(``anchor-service anchor`` and ``POST /v1/admin/anchor`` show the one in flight).
``confirmations`` is read from the node (cached for a second or two per worker); it is
null when the node cannot be reached, and the rest of the answer comes from the database.
The list is keyset-paginated on ``seq``: pass ``next`` as ``after``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from anchor_service.api.anchoring import AnchorOut
from anchor_service.api.deps import (
    DB_BIGINT_MAX,
    AuditorDep,
    ChainHeadDep,
    SessionDep,
    SettingsDep,
)
from anchor_service.api.errors import ERROR_RESPONSES
from anchor_service.db.models_anchoring import Anchor, AnchorStatus
from anchor_service.db.repositories.anchors import AnchorRepository
from anchor_service.errors import NotFoundError
from anchor_service.services.anchoring.views import AnchorView

__all__ = ["AnchorOnChainOut", "AnchorPageOut", "router"]

router = APIRouter(prefix="/v1/anchors", tags=["anchors"])

_READ_ERRORS: dict[int | str, dict[str, Any]] = {
    code: ERROR_RESPONSES[code] for code in (401, 403, 404, 422)
}
_ON_CHAIN = (AnchorStatus.SUBMITTED, AnchorStatus.CONFIRMED)


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
        return cls(
            **AnchorOut.of(view).model_dump(),
            confirmations=confirmations,
            required_confirmations=required,
        )


class AnchorPageOut(BaseModel):
    """One page of on-chain anchors, by registry sequence number."""

    items: list[AnchorOnChainOut]
    next: str | None = Field(description="Pass as `after` for the next page; null at the end.")


def _views(session: Session, *, after: int | None, seq: int | None, limit: int) -> list[AnchorView]:
    statement = select(Anchor).where(Anchor.status.in_(_ON_CHAIN), Anchor.chain_seq.is_not(None))
    if after is not None:
        statement = statement.where(Anchor.chain_seq > after)
    if seq is not None:
        statement = statement.where(Anchor.chain_seq == seq)
    rows = list(session.scalars(statement.order_by(Anchor.chain_seq, Anchor.id).limit(limit)))
    attempts = AnchorRepository(session).transactions_of([row.id for row in rows])
    return [AnchorView.of(row, attempts[row.id]) for row in rows]


@router.get(
    "",
    response_model=AnchorPageOut,
    summary="List the anchors recorded on chain",
    description=(
        "By registry sequence number, keyset-paginated. Each anchor has its transaction "
        "(and any replacement), block, confirmations, status (`submitted`: mined, not yet "
        "confirmed; `confirmed`), gas used and fee. Needs an `auditor` or `admin` key."
    ),
    responses=_READ_ERRORS,
)
def list_anchors(
    _caller: AuditorDep,
    session: SessionDep,
    settings: SettingsDep,
    chain_head: ChainHeadDep,
    limit: Annotated[int, Query(ge=1, le=500, description="Most items in the page.")] = 50,
    after: Annotated[
        int | None,
        Query(ge=-1, le=DB_BIGINT_MAX, description="Return anchors with seq greater than this."),
    ] = None,
) -> AnchorPageOut:
    views = _views(session, after=after, seq=None, limit=limit + 1)
    more = len(views) > limit
    views = views[:limit]
    head = chain_head.head() if views else None
    return AnchorPageOut(
        items=[AnchorOnChainOut.on_chain(view, head, settings.confirmations) for view in views],
        next=str(views[-1].chain_seq) if more else None,
    )


@router.get(
    "/{seq}",
    response_model=AnchorOnChainOut,
    summary="One anchor, by registry sequence number",
    description="Needs an `auditor` or `admin` key.",
    responses=_READ_ERRORS,
)
def get_anchor(
    seq: Annotated[
        int, Path(ge=0, le=DB_BIGINT_MAX, description="Anchor sequence number in the registry.")
    ],
    _caller: AuditorDep,
    session: SessionDep,
    settings: SettingsDep,
    chain_head: ChainHeadDep,
) -> AnchorOnChainOut:
    views = _views(session, after=None, seq=seq, limit=1)
    if not views:
        raise NotFoundError(f"no anchor with seq {seq} is recorded on chain")
    head = chain_head.head()
    return AnchorOnChainOut.on_chain(views[0], head, settings.confirmations)
