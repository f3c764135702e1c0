"""The app's fast lanes (``anchor_service.api.lanes``) driven alone, in front of a
stand-in router that answers 418 and records what reached it: a request the lanes
answer never reaches it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from anchor_service.api.lanes import LanesMiddleware


class LanesAlone:
    """The started app's lanes (its state, its event loop), with no router behind them."""

    def __init__(self, client: TestClient, authorization: str) -> None:
        self.routed: list[str] = []  # paths that reached the stand-in router
        self._client = client
        self._token = authorization.encode()
        self._lanes = LanesMiddleware(self._router, owner=client.app)

    async def _router(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.routed.append(scope["path"])
        await Response(status_code=418)(scope, receive, send)

    def request(
        self, method: str, path: str, query: bytes = b"", body: bytes = b""
    ) -> tuple[int, bytes]:
        """(status, body) of one request through the lanes, on the app's own loop."""
        assert self._client.portal is not None  # where the app's state lives

        async def call() -> tuple[int, bytes]:
            sent: list[Message] = []
            scope = {
                "type": "http",
                "method": method,
                "path": path,
                "query_string": query,
                "headers": [(b"authorization", self._token)],
                "app": self._client.app,  # as the app's outermost layer sets it
            }

            async def receive() -> Message:
                return {"type": "http.request", "body": body, "more_body": False}

            async def send(message: Message) -> None:
                sent.append(message)

            await self._lanes(scope, receive, send)
            return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])

        return self._client.portal.call(call)
