"""ASGI middleware: a request id for every request, and its latency by route template.

The id is the caller's ``X-Request-ID`` when it is valid (1-128 of ``A-Za-z0-9._:-``),
else a fresh random one. It is echoed in the response's ``X-Request-ID`` header, kept
in ``request.state.request_id``, and bound to
:data:`~anchor_service.observability.request_context.request_id_var` while the request
is handled, so every log record written meanwhile carries it (uvicorn's access line
included).

Latency goes to :class:`~anchor_service.observability.metrics.RequestMetrics`, labelled
by the matched route's path template (``/v1/entries/{external_id}``; ``unmatched`` when
no route matched) and the status class, so a scan of random paths cannot create series.

An error no handler turned into a response is answered by Starlette's outermost
middleware, outside this one: that 500 response has no ``X-Request-ID`` header, but the
id stays bound while the error is logged.
"""

from __future__ import annotations

import time

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from anchor_service.observability.metrics import RequestMetrics
from anchor_service.observability.request_context import (
    REQUEST_ID_HEADER,
    new_request_id,
    request_id_var,
    valid_request_id,
)

__all__ = ["UNMATCHED_ROUTE", "RequestContextMiddleware", "route_template"]

#: ``route`` label of requests that matched no route (404s of unknown paths).
UNMATCHED_ROUTE = "unmatched"

_HEADER_NAME = REQUEST_ID_HEADER.lower().encode("latin-1")


class RequestContextMiddleware:
    """Bind a request id, echo it, and time the request (when ``metrics`` is given)."""

    def __init__(self, app: ASGIApp, metrics: RequestMetrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        offered = Headers(scope=scope).get(REQUEST_ID_HEADER)
        request_id = offered if offered and valid_request_id(offered) else new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        header = (_HEADER_NAME, request_id.encode("latin-1"))
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        token = request_id_var.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        except BaseException:
            # Left bound: the outer error middleware logs this error next, in this task.
            self._observe(scope, 500, started)
            raise
        request_id_var.reset(token)
        self._observe(scope, status, started)

    def _observe(self, scope: Scope, status: int, started: float) -> None:
        if self.metrics is not None:
            elapsed = time.perf_counter() - started
            self.metrics.observe(scope["method"], route_template(scope), status, elapsed)


def route_template(scope: Scope) -> str:
    """The path template of the route that handled ``scope`` (after routing)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str) and path:
        return path
    return UNMATCHED_ROUTE
