"""``/v1/batches/{seq}/accounts``: account lines and histories of a batch, with proofs.

- ``GET /v1/batches/{seq}/accounts``            every line (auditors), keyset-paginated by
  position in the statement's lines tree (``next`` → ``after``);
- ``GET /v1/batches/{seq}/accounts/{account}``  one line with its proof, the statement and
  the anchor: the file ``anchor-service verify-statement`` reads;
- ``GET /v1/batches/{seq}/accounts/{account}/entries``  every entry of the account in the
  batch with the proof that none is missing (or that it had none), each with its log
  inclusion path: not paginated, since the proof covers the whole run.

Formats: :mod:`anchor_service.verifier.statement_proof`; docs/settlement.md. Account names
go in the path as they are (``creator:7:payouts``: ``:`` needs no escaping; ``%3A`` works
too). Each route checks its caller in one place, the ``_caller`` dependency: the list
needs an auditor (or admin) key; a line or history also an ``account`` key bound to the
account of the path (``AccountReaderDep`` checks it).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from anchor_service.api.deps import DB_INT_MAX, AccountReaderDep, AuditorDep, ReadSessionDep
from anchor_service.api.errors import error_responses
from anchor_service.api.pagination import PageQuery, keyset
from anchor_service.api.schemas.pages import Page
from anchor_service.ledger.rules import ACCOUNT_PATTERN
from anchor_service.services.statement_proofs import StatementProofService
from anchor_service.verifier.statement_proof import dump_statement_proof

__all__ = ["AccountLineOut", "AccountLinePageOut", "router"]

router = APIRouter(prefix="/v1/batches", tags=["batches"])

_ERRORS = error_responses(401, 403, 404, 422)
Seq = Annotated[int, Path(ge=0, le=DB_INT_MAX, description="The batch's seq.")]
Account = Annotated[
    str,
    Path(max_length=128, pattern=ACCOUNT_PATTERN, examples=["creator:7:payouts"]),
]


class AccountLineOut(BaseModel):
    """One account line of a batch's statement (version 2) and its place in the tree."""

    position: int = Field(description="Its leaf index in the statement's lines tree.")
    line: dict[str, Any] = Field(
        examples=[{"account": "creator:7:payouts", "currencies": {"IDR": {
            "credits": "4500000", "debits": "0", "entries": 3, "net": "4500000"}}}],
    )  # fmt: skip


class AccountLinePageOut(Page[AccountLineOut]):
    """One page of a batch's account lines, in account (byte) order."""


@router.get(
    "/{seq}/accounts",
    response_model=AccountLinePageOut,
    summary="Every account line of a batch",
    description=(
        "The lines of the batch's statement (version 2), in the order of its lines tree "
        "(account, byte order); keyset-paginated on `position`. **404** for a batch with "
        "a version 1 statement. Needs an `auditor` or `admin` key."
    ),
    responses=_ERRORS,
)
def list_account_lines(
    seq: Seq,
    _caller: AuditorDep,
    session: ReadSessionDep,
    page: Annotated[PageQuery, keyset("lines", maximum=2**62, key="position")],
) -> AccountLinePageOut:
    rows = StatementProofService(session).lines_page(seq, page.floor, page.fetch)
    items = [AccountLineOut(position=position, line=line) for position, line in rows]
    return AccountLinePageOut.of(items, page.limit, key=lambda item: item.position)


@router.get(
    "/{seq}/accounts/{account}",
    summary="One account's line, with its proof",
    description=(
        "A self-contained statement proof (`anchor-service verify-statement` reads it): "
        "the line, its Merkle-sum path to the statement's `accounts` root, the whole "
        "statement document (its SHA-256 is the anchored statement hash), the head and "
        "its anchor. **404** when the account has no line in the batch (its `/entries` "
        "gives the absence proof), the batch has a version 1 statement, or the batch's "
        "own head is not anchored (mined) yet. Needs an `auditor` or `admin` key, or an "
        "`account` key bound to the account (**403** for another account)."
    ),
    responses={
        200: {"description": "The line proof.", "content": {"application/json": {}}},
        **_ERRORS,
    },
)
def get_account_line(
    seq: Seq, account: Account, _caller: AccountReaderDep, session: ReadSessionDep
) -> Response:
    proof = StatementProofService(session).line_proof(seq, account)
    return Response(dump_statement_proof(proof), media_type="application/json")


@router.get(
    "/{seq}/accounts/{account}/entries",
    summary="Every entry of one account in a batch, with the proof none is missing",
    description=(
        "A statement proof of kind `account-history`: the account's run in the batch's "
        "account index bracketed by the neighbouring accounts' leaves (or the tree's "
        "edge), its range proof to the statement's `account_index` root, and each entry "
        "with its log inclusion path against the anchored head. An account without "
        "entries gets an absence proof (`entries` empty). Not paginated: the proof covers "
        "the whole run. **404** for a batch with a version 1 statement or whose head is "
        "not anchored yet. Needs an `auditor` or `admin` key, or an `account` key bound to "
        "the account (**403** for another account). The proof names the two neighbouring "
        "accounts (in byte order) and one leaf index of each."
    ),
    responses={
        200: {"description": "The history proof.", "content": {"application/json": {}}},
        **_ERRORS,
    },
)
def get_account_entries(
    seq: Seq, account: Account, _caller: AccountReaderDep, session: ReadSessionDep
) -> Response:
    proof = StatementProofService(session).history_proof(seq, account)
    return Response(dump_statement_proof(proof), media_type="application/json")
