"""A clock the test moves by hand, for code that takes a ``clock`` callable."""

from __future__ import annotations


class ManualClock:
    """A monotonic clock (seconds, as ``time.monotonic``) that moves only when told.

    Pass the clock itself where a zero-argument callable returning seconds is expected,
    then move it with ``clock.now += seconds``: time-dependent behaviour is checked
    exactly, without sleeping.
    """

    def __init__(self, start: float = 100.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now
