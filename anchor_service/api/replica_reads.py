"""Reads from the replicas, and the primary for what a replica has not replayed yet.

With read replicas configured (``ANCHOR_DATABASE_READ_URL``), :class:`ReplicaReadMiddleware`
runs each ``GET``/``HEAD`` request under ``/v1/`` and ``/tlog/`` on a replica (round
robin, :meth:`~anchor_service.db.replicas.ReadDatabases.choose`): its read session
(``ReadSessionDep``), its proof rows and its API key lookup read there. A replica
replays the primary's WAL a little later, so what it does not show yet (an entry just
written, a checkpoint just signed, a batch just sealed, an anchor just mined) is not an
answer: when the replica's answer is

* **404** (not found), **409** (not anchored, not in a signed checkpoint yet), **401**
  (an API key created a moment ago is unknown there) or a server error (**500**, for
  instance a tile too short for the asked tree), the request is run again on the
  **primary**, whose answer is sent;
* **503** (the replica cannot be reached), the replica is left out for a few seconds
  (when a query confirms it is down) and the request is run again on another replica,
  else on the primary (twice if need be: after a restart of the primary, the first use
  of a pooled connection from before fails and empties the pool).

Only the final answer is sent: a replica's 404 never reaches the client. Every other
answer of a replica is sent as it is: a replica never makes a proof up, it can only be
behind (a list, a status or the newest checkpoint as of a moment ago). The second run
does not count against the key's rate limit again. Writes (``POST``...) and the probes
(``/healthz``, ``/readyz``) always go to the primary.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

from fastapi.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from anchor_service.db.replicas import ReadDatabases, Replica

__all__ = ["RETRY_ON_PRIMARY", "ReplicaReadMiddleware", "is_retry"]

logger = logging.getLogger(__name__)

#: Statuses of a replica's answer that send the request to the primary instead.
RETRY_ON_PRIMARY = frozenset({401, 404, 409, 500})
_UNAVAILABLE = 503
_READ_METHODS = frozenset({"GET", "HEAD"})
_READ_PREFIXES = ("/v1/", "/tlog/")

#: True while a request runs again after a replica's answer (not rate limited twice).
_RETRY: ContextVar[bool] = ContextVar("anchor_read_retry", default=False)


def is_retry() -> bool:
    """True while the current request runs a second time (after a replica's answer)."""
    return _RETRY.get()


class _Held:
    """A ``send`` that passes a response through unless its status asks for another
    run; then it swallows the response and remembers the status."""

    def __init__(self, send: Send, retry: frozenset[int]) -> None:
        self._send = send
        self._retry = retry
        self.status: int | None = None
        self.swallowed = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            self.swallowed = self.status in self._retry
        if not self.swallowed:
            await self._send(message)


class ReplicaReadMiddleware:
    """Runs read requests on a replica, and on the primary when the replica's answer is
    not one (see the module's docstring)."""

    def __init__(self, app: ASGIApp, reads: ReadDatabases) -> None:
        self.app = app
        self.reads = reads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not self.reads.configured
            or scope["method"] not in _READ_METHODS
            or not str(scope["path"]).startswith(_READ_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        token = _RETRY.set(False)
        try:
            await self._read(scope, receive, send)
        finally:
            _RETRY.reset(token)

    async def _read(self, scope: Scope, receive: Receive, send: Send) -> None:
        tried: list[Replica] = []
        lost = False  # a replica was found down: the primary is the only answer left
        replica = self.reads.choose()
        while replica is not None:
            held = _Held(send, RETRY_ON_PRIMARY | {_UNAVAILABLE})
            try:
                with self.reads.reading_from(replica.database):
                    await self.app(scope, _replayed(receive) if tried else receive, held)
            except Exception:
                if held.status is not None and not held.swallowed:
                    raise  # the answer has started: nothing can be run again
                logger.warning("read on replica %s failed; reading from the primary",
                               replica.name, exc_info=True)  # fmt: skip
                held.status = 500
            tried.append(replica)
            if held.status is not None and not held.swallowed:
                return
            _RETRY.set(True)
            if held.status == _UNAVAILABLE and not await run_in_threadpool(
                self.reads.alive, replica
            ):
                self.reads.mark_down(replica)
                lost = True
                replica = self.reads.choose(exclude=tried)
            else:
                replica = None
        if lost:
            # No replica answers, so the primary must: if it restarted meanwhile, the
            # first use of a connection from before only tells the pool so. Once more.
            held = _Held(send, frozenset({_UNAVAILABLE}))
            await self.app(scope, _replayed(receive), held)
            if not held.swallowed:
                return
        await self.app(scope, _replayed(receive) if tried else receive, send)


def _replayed(receive: Receive) -> Receive:
    """``receive`` for another run of a request without a body: the empty body once,
    then whatever the client sends (a disconnect)."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return await receive()

    return again
