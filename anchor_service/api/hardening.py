"""ASGI middleware refusing request targets no route can use, before routing.

A NUL character (``%00``) in the path or the query string is answered with
``422 InvalidRequest``: no identifier may contain one, and PostgreSQL refuses it in text
(which was a 500 with the raw NUL in the log).
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from anchor_service.api.errors import error_body

__all__ = ["RequestTargetMiddleware"]

_NUL_DETAIL = "the path and query parameters must not contain NUL characters"


class RequestTargetMiddleware:
    """Answer 422 to a request whose path or query string holds a NUL character."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _has_nul(scope):
            response = JSONResponse(error_body("InvalidRequest", _NUL_DETAIL), status_code=422)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _has_nul(scope: Scope) -> bool:
    path: str = scope.get("path", "")
    query: bytes = scope.get("query_string", b"")
    return "\x00" in path or b"\x00" in query or b"%00" in query
