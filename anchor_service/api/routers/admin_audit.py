"""``/v1/admin``: the tamper audit and the redaction of an entry, on demand (admins)."""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from anchor_service.api.deps import AdminDep, DatabaseDep, ReadsDep, SettingsDep
from anchor_service.api.errors import error_responses
from anchor_service.api.schemas.audit import AuditOut, RedactIn, RedactionOut
from anchor_service.db.replicas import ReadDatabases
from anchor_service.db.session import Database
from anchor_service.errors import AuditRunningError, DatabaseUnavailableError
from anchor_service.jobs.leadership import audit_lock_for
from anchor_service.services.audit.report import AuditReport
from anchor_service.services.audit.run import audit_from_settings
from anchor_service.services.redaction import redact_entry
from anchor_service.settings import Settings

__all__ = ["router"]

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/admin", tags=["admin"])

_ERRORS = (401, 403, 404, 422, 503)


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
        "entries); use that, or the weekly job, for large logs. Audits run one at a time: "
        "**409** `AuditRunning` while one runs. With read replicas the scan reads a "
        "replica, and runs again on the primary unless the replica's report is clean "
        "(a replica behind the chain would report the newest anchors as unknown). "
        "Needs an `admin` key."
    ),
    responses=error_responses(*_ERRORS, described={409: "An audit is running already"}),
)
async def audit(
    _caller: AdminDep,
    database: DatabaseDep,
    reads: ReadsDep,
    settings: SettingsDep,
    chain: Annotated[bool, Query(description="Compare with the registry on chain.")] = True,
) -> AuditOut:
    # One audit at a time across every worker (an audit reads the whole log): the lock
    # is the database's (the lease "audit") or a file beside the SQLite file.
    lock = audit_lock_for(settings)
    try:
        if not await run_in_threadpool(lock.try_acquire):
            raise AuditRunningError("an audit is running already; try again when it has finished")
        report = await run_in_threadpool(_audit, settings, database, reads, chain)
    finally:
        await run_in_threadpool(lock.close)
    return AuditOut.of(report)


def _audit(
    settings: Settings, primary: Database, reads: ReadDatabases, check_chain: bool
) -> AuditReport:
    """The audit on a read replica when one answers; on the primary when there is none,
    it cannot be reached, or its report is not clean (it may only be behind)."""
    replica = reads.choose()
    if replica is not None:
        try:
            report = audit_from_settings(settings, replica.database, check_chain=check_chain)
        except DatabaseUnavailableError:
            reads.mark_down(replica)
        else:
            if report.clean:
                return report
            logger.info("audit on replica %s not clean: running it on the primary", replica.name)
    return audit_from_settings(settings, primary, check_chain=check_chain)


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
        body = RedactIn.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in errors]
        ) from None
    json.loads(raw, object_pairs_hook=_unique_keys)  # small and valid: checked above
    return body


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` refusing a key given twice (pydantic keeps the last one)."""
    seen: set[str] = set()
    for key, _value in pairs:
        if key in seen:
            raise RequestValidationError(
                [
                    {
                        "type": "value_error",
                        "loc": ("body", key),
                        "msg": "given twice; every key must appear once",
                    }
                ]
            )
        seen.add(key)
    return dict(pairs)


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
    responses=error_responses(*_ERRORS, described={409: "The entry is pending: seal it first"}),
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
    return RedactionOut.of(redaction)
