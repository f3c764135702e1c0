"""Fast lanes: the API's two busiest requests answered before routing.

``GET /v1/entries/{external_id}/proof`` (the plain form: no query string) and
``POST /v1/entries`` are the API's busiest read and write, and on them FastAPI's own work
(matching the path against every route, solving the dependencies) cost about a quarter
of the worker's CPU: measured on ``proof_bench --quick``, the proof lane alone took the
API from ~2,300 to ~3,100 proofs/s. :class:`LanesMiddleware` sits inside the app's other
middleware (request id, metrics, replica reads, request-target checks, body limit), so
those see the request as usual, and answers these requests itself, doing exactly what
the routes do through the same code: the same API-key check (the route's own
dependency: rate limit, role, an account key's 404 for others' entries), the same answer
(:func:`~anchor_service.api.routers.entry_proofs.bundle_json`,
:func:`~anchor_service.api.routers.entries.entry_answer`), and errors answered by the
app's own exception handlers, so body, status and headers are those of the routed
request. Anything else (``?tree_size=``, ``?format=``, ``HEAD``, other paths) goes to
the routes. The matched route is recorded in the scope as routing would (metrics label
it by its path template).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import APIRouter, FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from anchor_service.api.deps import AccountReaderAuth, ApiKeyAuth, require_role, state_of
from anchor_service.api.routers import entries, entry_proofs
from anchor_service.db.models import Role
from anchor_service.errors import AnchorServiceError

__all__ = ["LanesMiddleware", "plain_entry_post", "plain_proof_request"]

@dataclass(frozen=True, slots=True)
class _Lane:
    route: BaseRoute
    auth: ApiKeyAuth
    answer: Callable[[FastAPI, Request], Awaitable[Response]]


class LanesMiddleware:
    """Answer the plain proof request and the single entry write without routing."""

    def __init__(self, app: ASGIApp, owner: FastAPI) -> None:
        self.app = app
        self._owner = owner
        self._proof = _Lane(
            _route(entry_proofs.router, entry_proofs.PROOF_PATH, "GET"),
            AccountReaderAuth(),
            _proof_answer,
        )
        self._write = _Lane(
            _route(entries.router, entries.router.prefix, "POST"),
            require_role(Role.WRITER),
            _entry_answer,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        external_id = plain_proof_request(scope)
        if external_id is not None:
            scope["path_params"] = {"external_id": external_id}
            await self._serve(self._proof, scope, receive, send)
        elif plain_entry_post(scope):
            scope["path_params"] = {}
            await self._serve(self._write, scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _serve(self, lane: _Lane, scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = lane.route
        request = Request(scope, receive)
        try:
            request.state.caller = await lane.auth(request)
            response = await lane.answer(self._owner, request)
        except (AnchorServiceError, HTTPException) as exc:
            response = await self._error_response(request, exc)
        await response(scope, receive, send)

    async def _error_response(self, request: Request, exc: Exception) -> Response:
        """The app's answer to ``exc``: its handler for the nearest class, as Starlette
        looks it up (the app has one for every error a lane lets through)."""
        handlers = self._owner.exception_handlers
        for cls in type(exc).__mro__:
            handler = handlers.get(cls)
            if handler is not None:
                response = handler(request, exc)
                return await response if inspect.isawaitable(response) else response
        raise exc


async def _proof_answer(owner: FastAPI, request: Request) -> Response:
    reads = state_of(owner).proof_reads
    external_id = request.path_params["external_id"]
    body = await entry_proofs.bundle_json(reads, request.state.caller, external_id)
    return Response(body, media_type="application/json")


async def _entry_answer(owner: FastAPI, request: Request) -> Response:
    return await entries.entry_answer(state_of(owner).ingest, request)


def _route(router: APIRouter, path: str, method: str) -> BaseRoute:
    """The route of ``router`` a lane answers for (routing would put it in the scope)."""
    for route in router.routes:
        if getattr(route, "path", None) == path and method in getattr(route, "methods", ()):
            return route
    raise RuntimeError(f"no route {method} {path} in {router.prefix}")


_PREFIX, _, _SUFFIX = entry_proofs.PROOF_PATH.partition("{external_id}")


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


def plain_entry_post(scope: Scope) -> bool:
    """Whether ``scope`` is ``POST /v1/entries`` with no query string."""
    return (
        scope["type"] == "http"
        and scope["method"] == "POST"
        and scope["path"] == entries.router.prefix
        and not scope["query_string"]
    )
