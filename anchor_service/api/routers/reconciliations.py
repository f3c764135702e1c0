"""``/v1/reconciliations``: reconcile a gateway's report against the ledger (admins),
read the stored statements (auditors).

``POST`` takes the report file itself as the request body (any content type, e.g.
``text/csv``; up to ``ANCHOR_MAX_BODY_BYTES``) and its format, gateway and period as
query parameters, so a finance tool can send the export as it was downloaded
(``curl --data-binary @report.csv``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError

from anchor_service.api.deps import AdminDep, AuditorDep, DatabaseDep, ReadSessionDep, SettingsDep
from anchor_service.api.errors import error_responses
from anchor_service.api.schemas.reconciliations import ReconciliationOut, ReconciliationSummaryOut
from anchor_service.db.repositories.reconciliations import ReconciliationRepository
from anchor_service.reconcile.formats import MAX_GATEWAY_LENGTH
from anchor_service.reconcile.matching import Period, parse_period
from anchor_service.services.reconciliation import reconcile_report

__all__ = ["router"]

router = APIRouter(prefix="/v1/reconciliations", tags=["reconciliations"])

_READ_ERRORS = error_responses(401, 403, 404, 422)
_ID = r"^[0-9a-f]{32}$"
_EXAMPLE_REPORT = (
    "Order ID,Payment Type,Transaction Status,Gross Amount,Transaction Time\n"
    "MT-88123,bank_transfer,settlement,150000.00,2026-11-21 08:15:00\n"
)


@router.post(
    "",
    response_model=ReconciliationOut,
    status_code=201,
    summary="Reconcile a gateway report against the ledger",
    description=(
        "The body is the report file as exported (CSV, UTF-8). Its rows are matched to "
        "the entries whose `metadata.gateway` is the gateway and whose "
        "`metadata.gateway_ref` is the row's reference; the findings (matched, "
        "amount_mismatch, currency_mismatch, missing_in_ledger, missing_in_report, "
        "duplicate; each naming the report row and the entry's external_id) make a "
        "canonical statement, stored and committed to by a record leaf "
        "`~reconciliation:<id>` appended to the log (sealed and anchored with the next "
        "batch). **201** with the statement, whether or not everything matched (`clean`). "
        "**422** `InvalidReport` naming the line for a bad file (empty, not UTF-8, "
        "missing or unknown column, bad amount, currency or date): nothing is stored. "
        "Columns per format: docs/settlement.md. Needs an `admin` key."
    ),
    responses=error_responses(401, 403, 413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The report file, byte for byte.",
            "content": {
                "text/csv": {"schema": {"type": "string"}, "example": _EXAMPLE_REPORT},
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def create_reconciliation(
    request: Request,
    _caller: AdminDep,
    database: DatabaseDep,
    settings: SettingsDep,
    gateway: Annotated[
        Literal["midtrans", "xendit", "csv"],
        Query(description="The report's format: a Midtrans or Xendit export, or generic CSV."),
    ],
    ledger_gateway: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_GATEWAY_LENGTH,
            description="The entries' `metadata.gateway` to match (default: `gateway`; "
            "required with `csv`).",
        ),
    ] = None,
    period: Annotated[
        str | None,
        Query(
            description="Local days `YYYY-MM-DD..YYYY-MM-DD` (ANCHOR_TIMEZONE) whose entries "
            "the report should hold; default: the report's first to last day.",
            examples=["2026-11-21..2026-11-21"],
        ),
    ] = None,
) -> ReconciliationOut:
    chosen = _period(period)
    if gateway == "csv" and ledger_gateway is None:
        raise _query_error("ledger_gateway", "required with gateway=csv (the entries' gateway)")
    data = await request.body()
    result = await run_in_threadpool(
        reconcile_report,
        database,
        data,
        report_format=gateway,
        gateway=ledger_gateway,
        period=chosen,
        timezone=settings.timezone,
    )
    return ReconciliationOut.of(result.reconciliation)


@router.get(
    "",
    response_model=list[ReconciliationSummaryOut],
    summary="The latest reconciliations",
    description="Newest first, without their statements. Needs an `auditor` or `admin` key.",
    responses=error_responses(401, 403, 422),
)
def list_reconciliations(
    _caller: AuditorDep,
    session: ReadSessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[ReconciliationSummaryOut]:
    rows = ReconciliationRepository(session).latest(limit)
    return [ReconciliationSummaryOut.of(row) for row in rows]


@router.get(
    "/{reconciliation_id}",
    response_model=ReconciliationOut,
    summary="One reconciliation and its statement",
    description=(
        "The statement, its SHA-256 and the record leaf (`record.external_id`, "
        "`record.leaf_index`) committing to it: once the record's batch is anchored, "
        "`GET /v1/entries/{record.external_id}/proof` proves it is in the anchored log. "
        "Needs an `auditor` or `admin` key."
    ),
    responses=_READ_ERRORS,
)
def get_reconciliation(
    reconciliation_id: str, _caller: AuditorDep, session: ReadSessionDep
) -> ReconciliationOut:
    return ReconciliationOut.of(ReconciliationRepository(session).get(reconciliation_id))


@router.get(
    "/{reconciliation_id}/statement",
    summary="The reconciliation's statement, byte for byte",
    description=(
        "The exact canonical JSON (RFC 8785) bytes whose SHA-256 is `statement_hash`, "
        "repeated in the `X-Statement-SHA256` header. Needs an `auditor` or `admin` key."
    ),
    responses={
        200: {"description": "The statement bytes.", "content": {"application/json": {}}},
        **_READ_ERRORS,
    },
)
def get_statement(reconciliation_id: str, _caller: AuditorDep, session: ReadSessionDep) -> Response:
    row = ReconciliationRepository(session).get(reconciliation_id)
    return Response(
        row.statement,
        media_type="application/json",
        headers={"X-Statement-SHA256": row.statement_hash.hex()},
    )


def _period(text: str | None) -> Period | None:
    if text is None:
        return None
    try:
        return parse_period(text)
    except ValueError as exc:
        raise _query_error("period", str(exc)) from None


def _query_error(name: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"type": "value_error", "loc": ("query", name), "msg": message}])
