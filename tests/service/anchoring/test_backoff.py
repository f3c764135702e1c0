"""Backoff delays grow exponentially up to a cap and reset after a success."""

from __future__ import annotations

import pytest

from anchor_service.services.anchoring.backoff import Backoff


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_delays_double_up_to_the_cap() -> None:
    backoff = Backoff(initial=1.0, factor=2.0, maximum=5.0, clock=FakeClock())
    assert [backoff.failure() for _ in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert backoff.failures == 5


def test_remaining_counts_down_with_the_clock_and_success_resets() -> None:
    clock = FakeClock()
    backoff = Backoff(initial=2.0, clock=clock)
    assert backoff.remaining() == 0.0
    backoff.failure()
    assert backoff.remaining() == 2.0
    clock.now += 1.5
    assert backoff.remaining() == pytest.approx(0.5)
    clock.now += 1.0
    assert backoff.remaining() == 0.0
    assert backoff.failure() == 4.0
    backoff.success()
    assert (backoff.remaining(), backoff.failures) == (0.0, 0)
    assert backoff.failure() == 2.0


@pytest.mark.parametrize(
    "options", [{"initial": 0.0}, {"factor": 0.5}, {"initial": 10.0, "maximum": 5.0}]
)
def test_invalid_parameters_are_refused(options: dict[str, float]) -> None:
    values = {"initial": 1.0, "factor": 2.0, "maximum": 60.0, **options}
    with pytest.raises(ValueError):
        Backoff(initial=values["initial"], factor=values["factor"], maximum=values["maximum"])
