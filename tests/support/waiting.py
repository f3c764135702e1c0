"""Polling until something holds: the one loop tests use to wait for other processes."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(
    condition: Callable[[], bool],
    timeout: float = 30.0,
    what: str = "condition",
    check: Callable[[], None] | None = None,
    interval: float = 0.1,
) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout`` seconds.

    ``check`` runs between polls and fails early when waiting is pointless (the process
    that should make the condition true has exited), instead of after the whole timeout.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if check is not None:
            check()
        assert time.monotonic() < deadline, f"{what}: not within {timeout:g} s"
        time.sleep(interval)
