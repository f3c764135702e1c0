"""The proof route's fast lane: ``GET /v1/entries/{external_id}/proof`` answered before
routing.

Proof bundles are the API's busiest read, and on this route FastAPI's own work (matching
the path against every route, solving the dependencies, validating the query) cost
about a quarter of the worker's CPU: measured on ``proof_bench --quick``, this lane
alone took the API from ~2,300 to ~3,100 proofs/s. :class:`ProofLaneMiddleware` sits inside the
app's other middleware (request id, metrics, replica reads, request-target checks, body
limit), so those see the request as usual, and answers the plain form of the route itself:
a ``GET`` with no query string. It does exactly what the route does, through the same
code: the same API-key check (:class:`~anchor_service.api.deps.AccountReaderAuth`: rate
limit, role, an account key's 404 for others' entries), the same bundle
(:func:`~anchor_service.api.routers.entry_proofs.bundle_json`), and errors answered by
the app's own exception handlers, so the body, status and headers are those of the
routed request. Anything else (``?tree_size=``, ``?format=``, ``HEAD``) goes to the
route. The matched route is recorded in the scope as routing would (metrics label it
by its path template).
"""

from __future__ import annotations

import inspect

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from anchor_service.api.deps import AccountReaderAuth, state_of
from anchor_service.api.routers import entry_proofs
from anchor_service.errors import AnchorServiceError

__all__ = ["ProofLaneMiddleware", "plain_proof_request"]

_PREFIX, _, _SUFFIX = entry_proofs.PROOF_PATH.partition("{external_id}")
_JSON = [(b"content-type", b"application/json")]


class ProofLaneMiddleware:
    """Answer ``GET /v1/entries/{external_id}/proof`` (no query string) without routing."""

    def __init__(self, app: ASGIApp, owner: FastAPI) -> None:
        self.app = app
        self._owner = owner
        self._auth = AccountReaderAuth()
        self._route = _proof_route()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        external_id = plain_proof_request(scope)
        if external_id is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = self._route
        scope["path_params"] = {"external_id": external_id}
        request = Request(scope, receive)
        try:
            caller = await self._auth(request)
            reads = state_of(self._owner).proof_reads
            body = await entry_proofs.bundle_json(reads, caller, external_id)
        except (AnchorServiceError, HTTPException) as exc:
            response = await self._error_response(request, exc)
            await response(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*_JSON, (b"content-length", b"%d" % len(body))]})  # fmt: skip
        await send({"type": "http.response.body", "body": body})

    async def _error_response(self, request: Request, exc: Exception) -> Response:
        """The app's answer to ``exc``: its handler for the nearest class, as Starlette
        looks it up (the app has one for every error this lane lets through)."""
        handlers = self._owner.exception_handlers
        for cls in type(exc).__mro__:
            handler = handlers.get(cls)
            if handler is not None:
                response = handler(request, exc)
                return await response if inspect.isawaitable(response) else response
        raise exc


def _proof_route() -> BaseRoute:
    """The route this lane answers for (routing would put it in the scope)."""
    for route in entry_proofs.router.routes:
        if getattr(route, "path", None) == entry_proofs.PROOF_PATH:
            return route
    raise RuntimeError(f"no route {entry_proofs.PROOF_PATH} in {entry_proofs.__name__}")


def plain_proof_request(scope: Scope) -> str | None:
    """The ``external_id`` of a plain proof request (GET, no query string), else ``None``.

    Matches as the route's ``{external_id}`` does: one non-empty path segment.
    """
    if scope["type"] != "http" or scope["method"] != "GET" or scope["query_string"]:
        return None
    path: str = scope["path"]
    if not (path.startswith(_PREFIX) and path.endswith(_SUFFIX)):
        return None
    external_id = path[len(_PREFIX) : len(path) - len(_SUFFIX)]
    return external_id if external_id and "/" not in external_id else None
