"""``/v1/anchors``: the tree heads recorded on chain, by registry sequence number (auditors).

Only anchors whose transaction is mined have a sequence number and are listed here
(``anchor-service anchor`` and ``POST /v1/admin/anchor`` show the one in flight).
``confirmations`` is read from the node (cached for a second or two per worker); it is
null when the node cannot be reached, and the rest of the answer comes from the database.
The list is keyset-paginated on ``seq``: pass ``next`` as ``after``.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Annotated

from fastapi import APIRouter, Path, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from web3 import Web3

from anchor_service.api.deps import DB_BIGINT_MAX, AuditorDep, SessionDep, SettingsDep
from anchor_service.api.errors import error_responses
from anchor_service.api.pagination import PageQuery, keyset
from anchor_service.api.schemas.anchors import AnchorOnChainOut, AnchorPageOut
from anchor_service.chain import ChainError, connect
from anchor_service.chain.transactions import head_block_number
from anchor_service.db.models_anchoring import Anchor, AnchorStatus
from anchor_service.db.repositories.anchors import AnchorRepository
from anchor_service.errors import NotFoundError
from anchor_service.services.anchor_views import AnchorView
from anchor_service.settings import Settings

__all__ = ["ChainHeadReader", "router"]

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/anchors", tags=["anchors"])

_READ_ERRORS = error_responses(401, 403, 404, 422)
_ON_CHAIN = (AnchorStatus.SUBMITTED, AnchorStatus.CONFIRMED)


class ChainHeadReader:
    """The node's newest block number, remembered for ``ttl`` seconds (``None``: unreachable)."""

    def __init__(self, web3: Web3, *, ttl: float = 2.0) -> None:
        self._web3 = web3
        self._ttl = ttl
        self._lock = threading.Lock()
        self._value: tuple[float, int | None] = (float("-inf"), None)

    def head(self) -> int | None:
        expires, number = self._value
        if time.monotonic() < expires:
            return number
        with self._lock:
            expires, number = self._value
            if time.monotonic() < expires:
                return number
            try:
                number = head_block_number(self._web3)
            except ChainError as exc:
                logger.warning("cannot read the chain head for confirmations: %s", exc)
                number = None
            self._value = (time.monotonic() + self._ttl, number)
            return number


def _chain_head(request: Request, settings: Settings) -> int | None:
    state = request.app.state
    reader: ChainHeadReader | None = getattr(state, "chain_head_reader", None)
    if reader is None:
        reader = ChainHeadReader(connect(settings.rpc_url, timeout=2.0, retries=1))
        state.chain_head_reader = reader
    return reader.head()


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
    request: Request,
    page: Annotated[PageQuery, keyset("anchors", maximum=DB_BIGINT_MAX)],
) -> AnchorPageOut:
    views = _views(session, after=page.after, seq=None, limit=page.fetch)
    head = _chain_head(request, settings) if views else None
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
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
) -> AnchorOnChainOut:
    views = _views(session, after=None, seq=seq, limit=1)
    if not views:
        raise NotFoundError(f"no anchor with seq {seq} is recorded on chain")
    head = _chain_head(request, settings)
    return AnchorOnChainOut.on_chain(views[0], head, settings.confirmations)


def _seq(seq: int | None) -> int:
    assert seq is not None  # listed anchors are mined, so they have a registry seq
    return seq
