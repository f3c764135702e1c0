"""The one place that turns errors into HTTP responses.

Domain errors map to statuses in one table here (routes only raise), and routes document
their errors with :func:`error_responses`. Every error body has the same shape
(:class:`ErrorBody`)::

    {"error": "EntryConflict", "detail": "...", "field": null, "index": null}

``field`` names the offending field (dotted path inside an entry) and ``index`` the item
of a bulk request, when they apply. Status codes:

=====  ===================  ======================================================
400    BadRequest           the request could not be read
401    Unauthenticated      no API key, or a malformed, unknown or revoked one
403    PermissionDenied     the key's role does not allow this
404    NotFound             no such entry (or route)
405    MethodNotAllowed     wrong HTTP method for the route
409    EntryConflict        external_id already stored with a different body
409    EntryRedacted        external_id stored and then redacted (cannot be stored again)
409    EntryNotAnchored     no anchored head covers the entry yet (body adds ``status``)
409    EntryNotSealed       the entry is pending: seal before redacting (adds ``status``)
409    AuditRunning         an admin audit is running already (they run one at a time)
413    PayloadTooLarge      body over ANCHOR_MAX_BODY_BYTES (``PayloadTooLargeError``)
422    InvalidEntry         an entry breaks a rule (including malformed JSON)
422    InvalidRequest       a query or path parameter, or a proof bundle, breaks a rule
422    InvalidReport        a gateway report cannot be read (``detail`` names the line)
429    RateLimited          the API key is over its rate limit (adds ``Retry-After``;
                           answered by ``anchor_service.api.rate_limit``)
500    InternalError        a bug; logged with its traceback
503    DatabaseUnavailable  the database is unreachable
503    ChainUnavailable     the chain node is unreachable (retry later)
503    ChainError           anchoring is misconfigured or the chain node answered an error
=====  ===================  ======================================================
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from anchor_service.chain.errors import ChainError, ChainUnavailableError
from anchor_service.errors import (
    AnchorServiceError,
    AuditRunningError,
    AuthenticationError,
    DatabaseUnavailableError,
    EntryConflictError,
    EntryNotAnchoredError,
    EntryNotSealedError,
    EntryRedactedError,
    InvalidEntryError,
    NotFoundError,
    PermissionDeniedError,
)
from anchor_service.reconcile.errors import ReportFormatError
from anchor_service.verifier import BundleFormatError

__all__ = [
    "ERROR_RESPONSES",
    "ErrorBody",
    "PayloadTooLargeError",
    "error_body",
    "error_responses",
    "install_error_handlers",
]

logger = logging.getLogger(__name__)


class PayloadTooLargeError(HTTPException):
    """The request body is over the limit (raised while the body is being received).

    An ``HTTPException`` so that FastAPI's own body reading passes it through unchanged.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"request body is larger than {limit} bytes")


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: str = Field(examples=["EntryConflict"])
    detail: str = Field(examples=["external_id 'pay-1' is already stored with a different body"])
    field: str | None = Field(default=None, examples=["postings.1.amount"])
    index: int | None = Field(default=None, examples=[None])


_DOMAIN_ERRORS: tuple[tuple[type[AnchorServiceError], int, str], ...] = (
    (AuthenticationError, 401, "Unauthenticated"),
    (PermissionDeniedError, 403, "PermissionDenied"),
    (NotFoundError, 404, "NotFound"),
    (EntryRedactedError, 409, "EntryRedacted"),  # before its base class
    (EntryConflictError, 409, "EntryConflict"),
    (EntryNotAnchoredError, 409, "EntryNotAnchored"),
    (EntryNotSealedError, 409, "EntryNotSealed"),
    (AuditRunningError, 409, "AuditRunning"),
    (InvalidEntryError, 422, "InvalidEntry"),
    (ReportFormatError, 422, "InvalidReport"),  # a gateway report in a request body
    (BundleFormatError, 422, "InvalidRequest"),  # a proof bundle in a request body
    (DatabaseUnavailableError, 503, "DatabaseUnavailable"),
    (ChainUnavailableError, 503, "ChainUnavailable"),
    (ChainError, 503, "ChainError"),
)

_HTTP_ERRORS = {
    400: "BadRequest",
    401: "Unauthenticated",
    403: "PermissionDenied",
    404: "NotFound",
    405: "MethodNotAllowed",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
}

_DESCRIPTIONS = {
    401: "Missing, malformed, unknown or revoked API key",
    403: "The API key's role does not allow this",
    404: "Not found",
    405: "The route exists, but not with this HTTP method",
    409: "external_id already stored with a different body, or redacted",
    413: "Request body too large",
    422: "Invalid entry or parameter",
    429: "Over the API key's rate limit (see Retry-After)",
    503: "Database or chain node unreachable, or anchoring misconfigured",
}

#: ``responses=`` entries for route decorators, so OpenAPI documents the error body.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in _DESCRIPTIONS.items()
}


def error_responses(
    *statuses: int, described: Mapping[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route that can answer ``statuses`` (and the statuses of
    ``described``, whose descriptions say what they mean for this route)."""
    responses: dict[int | str, dict[str, Any]] = {s: ERROR_RESPONSES[s] for s in statuses}
    for status, description in (described or {}).items():
        responses[status] = {"model": ErrorBody, "description": description}
    return responses


def error_body(
    error: str, detail: str, *, field: str | None = None, index: int | None = None
) -> dict[str, Any]:
    """The JSON error body as a dict."""
    return {"error": error, "detail": detail, "field": field, "index": index}


def _status_of(exc: AnchorServiceError) -> tuple[int, str]:
    for cls, status, code in _DOMAIN_ERRORS:
        if isinstance(exc, cls):
            return status, code
    return 500, "InternalError"


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AnchorServiceError)
    status, code = _status_of(exc)
    if status == 500:
        logger.error(
            "unmapped service error on %s %s", request.method, request.url.path, exc_info=exc
        )
    field = getattr(exc, "field", None)
    index = getattr(exc, "index", None)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    body = error_body(code, exc.detail, field=field, index=index)
    entry_status = getattr(exc, "entry_status", None)
    if entry_status is not None:
        body["status"] = entry_status
    return JSONResponse(body, status_code=status, headers=headers)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = _HTTP_ERRORS.get(exc.status_code, "HTTPError")
    return JSONResponse(
        error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
    )


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    loc = [str(part) for part in first.get("loc", ())]
    if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
        loc = loc[1:]
    field = ".".join(loc) or None
    message = str(first.get("msg", "invalid value"))
    detail = f"{field}: {message}" if field else message
    return JSONResponse(error_body("InvalidRequest", detail, field=field), status_code=422)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(error_body("InternalError", "internal server error"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every error the :class:`ErrorBody` shape."""
    app.add_exception_handler(AnchorServiceError, _domain_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
