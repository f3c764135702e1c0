"""Exponential, capped backoff for retrying an unreachable chain node.

:class:`Backoff` only keeps time: after :meth:`Backoff.failure` the caller should not try
again for :meth:`Backoff.remaining` seconds; :meth:`Backoff.success` resets it. Delays
run ``initial, initial * factor, ...`` up to ``maximum``. The clock is injectable so
tests need not sleep.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Backoff"]


class Backoff:
    """Delays between retries: ``initial * factor ** (failures - 1)``, at most ``maximum``."""

    def __init__(
        self,
        *,
        initial: float = 1.0,
        factor: float = 2.0,
        maximum: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if initial <= 0 or factor < 1 or maximum < initial:
            raise ValueError("need initial > 0, factor >= 1 and maximum >= initial")
        self.initial = initial
        self.factor = factor
        self.maximum = maximum
        self._clock = clock
        self._failures = 0
        self._retry_at = 0.0

    @property
    def failures(self) -> int:
        """Failures in a row since the last success."""
        return self._failures

    def failure(self) -> float:
        """Count a failure; return the delay before the next try."""
        self._failures += 1
        delay = min(self.initial * self.factor ** (self._failures - 1), self.maximum)
        self._retry_at = self._clock() + delay
        return delay

    def success(self) -> None:
        """Reset after a successful try."""
        self._failures = 0
        self._retry_at = 0.0

    def remaining(self) -> float:
        """Seconds until the next try is due (0 when it is due now)."""
        return max(self._retry_at - self._clock(), 0.0) if self._failures else 0.0
