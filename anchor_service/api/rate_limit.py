"""Rate limiting per API key: a token bucket per key id, ``429`` with ``Retry-After``.

Each key may make ``ANCHOR_RATE_LIMIT_PER_MINUTE`` requests a minute on average, with
bursts of up to ``ANCHOR_RATE_LIMIT_BURST`` requests at once (the bucket's size); ``0``
per minute turns limiting off. The buckets live in the worker process: with
``serve --workers N`` each worker keeps its own, so a key may make up to N times the
limit in total. Only authenticated requests count (a request without a valid key gets
``401`` first and costs no key anything); a key's ``403`` requests count like the rest.

A refused request gets ``429``, the error body ``{"error": "RateLimited", ...}`` and
``Retry-After``: whole seconds until the bucket holds a token again.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from anchor_service.api.errors import error_body
from anchor_service.errors import RateLimitedError
from anchor_service.settings import Settings

__all__ = ["RateLimitedError", "RateLimiter", "install_rate_limit", "rate_limiter_from"]


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets keyed by API key id; thread-safe, in this process only."""

    def __init__(
        self,
        per_minute: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive (use no limiter to disable)")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self._rate = per_minute / 60.0  # tokens per second
        self._burst = float(burst)
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def check(self, key_id: str) -> None:
        """Take one token from ``key_id``'s bucket, or raise :class:`RateLimitedError`."""
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(key_id)
            if bucket is None:
                if len(self._buckets) >= self._max_keys:
                    self._forget_full_buckets(now)
                bucket = self._buckets[key_id] = _Bucket(self._burst, now)
            else:
                elapsed = max(0.0, now - bucket.updated)
                bucket.tokens = min(self._burst, bucket.tokens + elapsed * self._rate)
                bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return
            retry_after = max(1, math.ceil((1.0 - bucket.tokens) / self._rate))
        raise RateLimitedError(key_id, retry_after)

    def _forget_full_buckets(self, now: float) -> None:
        """Drop buckets that have refilled (they equal a fresh one); caller holds the lock."""
        for key_id, bucket in list(self._buckets.items()):
            if bucket.tokens + (now - bucket.updated) * self._rate >= self._burst:
                del self._buckets[key_id]


async def _rate_limited(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RateLimitedError)
    return JSONResponse(
        error_body("RateLimited", exc.detail),
        status_code=429,
        headers={"Retry-After": str(exc.retry_after)},
    )


def rate_limiter_from(settings: Settings) -> RateLimiter | None:
    """The app's :class:`RateLimiter` as configured (``None`` when disabled); the API-key
    dependency checks it (it is kept in the app's state)."""
    if settings.rate_limit_per_minute <= 0:
        return None
    return RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)


def install_rate_limit(app: FastAPI) -> None:
    """Answer :class:`RateLimitedError` with ``429`` and ``Retry-After``."""
    app.add_exception_handler(RateLimitedError, _rate_limited)
