"""``/v1/anchors``: the tree heads recorded on chain, by registry sequence number (auditors).

Only anchors whose transaction is mined have a sequence number and are listed here
(``anchor-service anchor`` and ``POST /v1/admin/anchor`` show the one in flight).
``confirmations`` is read from the node (cached for a second or two per worker); it is
null when the node cannot be reached, and the rest of the answer comes from the database.
The list is keyset-paginated on ``seq``: pass ``next`` as ``after``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy.orm import Session

from anchor_service.api.deps import (
    DB_BIGINT_MAX,
    AuditorDep,
    ChainHeadDep,
    ReadSessionDep,
    SettingsDep,
)
from anchor_service.api.errors import error_responses
from anchor_service.api.pagination import PageQuery, keyset
from anchor_service.api.schemas.anchors import AnchorOnChainOut, AnchorPageOut
from anchor_service.db.repositories.anchors import AnchorRepository
from anchor_service.errors import NotFoundError
from anchor_service.services.anchoring.views import AnchorView

__all__ = ["router"]

router = APIRouter(prefix="/v1/anchors", tags=["anchors"])

_READ_ERRORS = error_responses(401, 403, 404, 422)


def _views(session: Session, *, after: int | None, seq: int | None, limit: int) -> list[AnchorView]:
    anchors = AnchorRepository(session)
    rows = anchors.on_chain(after=after, seq=seq, limit=limit)
    attempts = anchors.transactions_of([row.id for row in rows])
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
    session: ReadSessionDep,
    settings: SettingsDep,
    chain_head: ChainHeadDep,
    page: Annotated[PageQuery, keyset("anchors", maximum=DB_BIGINT_MAX)],
) -> AnchorPageOut:
    views = _views(session, after=page.after, seq=None, limit=page.fetch)
    head = chain_head.head() if views else None
    items = [AnchorOnChainOut.on_chain(view, head, settings.confirmations) for view in views]
    return AnchorPageOut.of(items, page.limit, key=lambda item: _seq(item.seq))


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
    session: ReadSessionDep,
    settings: SettingsDep,
    chain_head: ChainHeadDep,
) -> AnchorOnChainOut:
    views = _views(session, after=None, seq=seq, limit=1)
    if not views:
        raise NotFoundError(f"no anchor with seq {seq} is recorded on chain")
    head = chain_head.head()
    return AnchorOnChainOut.on_chain(views[0], head, settings.confirmations)


def _seq(seq: int | None) -> int:
    assert seq is not None  # listed anchors are mined, so they have a registry seq
    return seq
