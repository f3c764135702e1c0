"""ASGI middleware capping request bodies, before anything parses them.

Two checks: a declared ``Content-Length`` over the limit is answered with 413 at once,
without reading the body; otherwise the bytes are counted as they arrive and reading
stops with :class:`PayloadTooLargeError` as soon as the count passes the limit (chunked
bodies, or a ``Content-Length`` that lies).
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from anchor_service.api.errors import PayloadTooLargeError, error_body

__all__ = ["BodyLimitMiddleware"]


class BodyLimitMiddleware:
    """Reject request bodies larger than ``max_body_bytes`` with a 413 error body."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await self._reject(scope, receive, send)
            return

        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise PayloadTooLargeError(self.max_body_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except PayloadTooLargeError:
            if response_started:
                raise
            await self._reject(scope, receive, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = PayloadTooLargeError(self.max_body_bytes).detail
        # the app's own 413 (a JSONResponse), whichever check refused the body
        response = JSONResponse(
            error_body("PayloadTooLarge", detail), status_code=413, headers={"connection": "close"}
        )
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
