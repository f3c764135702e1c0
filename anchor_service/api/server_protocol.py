"""uvicorn's HTTP protocol with read timeouts (``anchor-service serve`` uses it).

uvicorn closes idle keep-alive connections, but waits for ever for a request head that
arrives a byte at a time, for a connection that sends nothing, or for a body that stops
arriving: fifty such "slowloris" connections stay open for good. Here a request head must
be complete within ``ANCHOR_HEADER_TIMEOUT_SECONDS`` of its first byte (or of the
connection, for the first request), and a body may pause at most
``ANCHOR_BODY_TIMEOUT_SECONDS`` between two reads; otherwise the connection is closed.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from anchor_service.settings import Settings

__all__ = ["TimedHttpToolsProtocol"]


@lru_cache(maxsize=1)
def _timeouts() -> tuple[float, float]:
    settings = Settings()
    return settings.header_timeout_seconds, settings.body_timeout_seconds


class TimedHttpToolsProtocol(HttpToolsProtocol):
    """:class:`HttpToolsProtocol` closing connections whose request arrives too slowly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._read_timer: asyncio.TimerHandle | None = None
        self._header_timeout, self._body_timeout = _timeouts()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self._header_timeout)  # the first request's head, from the connection on

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._read_timer is None:  # a total deadline: not reset by each header byte
            self._arm(self._header_timeout)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._arm(self._body_timeout)

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        self._arm(self._body_timeout)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._disarm()

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._read_timer = self.loop.call_later(seconds, self._read_timed_out)

    def _disarm(self) -> None:
        if self._read_timer is not None:
            self._read_timer.cancel()
            self._read_timer = None

    def _read_timed_out(self) -> None:
        self._read_timer = None
        if self.flow is not None and self.flow.read_paused:  # we stopped reading, not them
            self._arm(self._body_timeout)
        elif self.transport is not None and not self.transport.is_closing():
            self.transport.close()
