"""``/v1/admin``: the tamper audit and the redaction of an entry, on demand (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError

from anchor_service.api.deps import AdminDep, DatabaseDep, SettingsDep
from anchor_service.api.errors import ERROR_RESPONSES, ErrorBody
from anchor_service.services.audit.run import audit_from_settings
from anchor_service.services.redaction import MAX_REASON_LENGTH, redact_entry

__all__ = ["AuditOut", "RedactIn", "RedactionOut", "router"]

router = APIRouter(prefix="/v1/admin", tags=["admin"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: ERROR_RESPONSES[code] for code in (401, 403, 404, 422, 503)
}


class FindingOut(BaseModel):
    """One problem the audit found."""

    kind: str = Field(examples=["altered"])
    index: int | None = Field(description="Leaf index of the entry concerned.")
    external_id: str | None
    tree_size: int | None = Field(description="Tree size of the head concerned.")
    seq: int | None = Field(description="Batch or anchor sequence number concerned.")
    detail: str


class AuditOut(BaseModel):
    """What the audit checked and found."""

    clean: bool = Field(description="True when nothing was found.")
    summary: str
    entries_checked: int
    redacted: int
    log_size: int
    sealed_size: int
    batches_checked: int
    heads_checked: list[int] = Field(description="Tree sizes whose roots were recomputed.")
    chain_checked: bool
    registry: str | None
    chain_anchors: int = Field(description="Anchors read from the registry.")
    seconds: float
    counts: dict[str, int] = Field(description="Findings per kind.")
    findings_listed: int
    findings: list[FindingOut] = Field(description="The first 10,000 findings.")


class RedactIn(BaseModel):
    """Why the entry is redacted (stored with it; no personal data here)."""

    reason: str | None = Field(
        default=None,
        max_length=MAX_REASON_LENGTH,
        examples=["UU PDP erasure request #2026-0142"],
    )


class RedactionOut(BaseModel):
    """The redacted entry: what is kept of it."""

    external_id: str
    leaf_index: int
    leaf_hash: str = Field(description="Kept: every proof of the log still holds.")
    redacted_at: datetime
    reason: str | None
    already_redacted: bool = Field(description="True when it had been redacted before.")


@router.post(
    "/audit",
    response_model=AuditOut,
    summary="Run the tamper audit now",
    description=(
        "Recomputes every leaf hash from the stored documents and the root of every "
        "sealed and anchored head from the stored entries, and compares them with the "
        "batches, the proof storage and the registry on chain (unless `chain=false`). "
        "**200** with the report, clean or not (`clean`, `findings` with the index and "
        "external_id of each altered, deleted or inserted entry); **503** when the chain "
        "cannot be read. Runs as long as `anchor-service audit` (about 3 minutes for 10M "
        "entries); use that, or the weekly job, for large logs. Needs an `admin` key."
    ),
    responses=_ERRORS,
)
async def audit(
    _caller: AdminDep,
    database: DatabaseDep,
    settings: SettingsDep,
    chain: Annotated[bool, Query(description="Compare with the registry on chain.")] = True,
) -> AuditOut:
    report = await run_in_threadpool(audit_from_settings, settings, database, check_chain=chain)
    return AuditOut.model_validate(report.to_json())


async def _redact_body(request: Request) -> RedactIn | None:
    """The optional body, parsed by pydantic's JSON parser (not FastAPI's ``json.loads``).

    FastAPI would parse a declared body with the standard library, which recurses once
    per nesting level: with web3's recursion limit (100,000) a deeply nested body
    crashes the process. pydantic's parser stops at a fixed depth with an error (422).
    Runs after the admin check (dependencies resolve in order).
    """
    raw = (await request.body()).strip()
    if raw in (b"", b"null"):  # no body, as before
        return None
    try:
        return RedactIn.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in errors]
        ) from None


@router.post(
    "/entries/{external_id}/redact",
    response_model=RedactionOut,
    summary="Redact an entry (erase its personal data)",
    description=(
        "Deletes the entry's document, salt, content hash and postings, and keeps its "
        "leaf hash: every other entry's proof still verifies, and this entry's bundle "
        'says `"redacted": true` with `"entry": null`. Irreversible. Idempotent: '
        "redacting again answers 200 with `already_redacted`. **404** for an unknown "
        "entry; **409** `EntryNotSealed` while it is pending (seal first). Needs an "
        "`admin` key."
    ),
    responses={
        **_ERRORS,
        409: {"model": ErrorBody, "description": "The entry is pending: seal it first"},
    },
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": RedactIn.model_json_schema()}},
        }
    },
)
def redact(
    external_id: str,
    _caller: AdminDep,
    database: DatabaseDep,
    body: Annotated[RedactIn | None, Depends(_redact_body)],
) -> RedactionOut:
    reason = body.reason if body is not None else None
    redaction = redact_entry(database, external_id, reason=reason)
    return RedactionOut.model_validate(redaction.to_json())
