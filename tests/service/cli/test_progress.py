"""The shared progress line: redrawn in place on a terminal, throttled log lines elsewhere."""

from __future__ import annotations

import io
import logging

import pytest

from anchor_service.cli.progress import ProgressLine, format_bytes, format_duration
from tests.support.clocks import ManualClock

LOGGER = logging.getLogger("tests.progress")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_line_is_redrawn_with_rate_and_time_left_then_ended() -> None:
    stream, clock = _Terminal(), ManualClock(100.0)
    progress = ProgressLine("audit", logger=LOGGER, stream=stream, clock=clock)
    clock.now += 2
    progress(250, 1000)
    clock.now += 2
    progress(1000, 1000)
    assert stream.getvalue() == (
        "\r\x1b[2Kaudit: 250/1,000 entries (25%), 125 entries/s, 6s left"
        "\r\x1b[2Kaudit: 1,000/1,000 entries (100%), 250 entries/s\n"
    )


def test_byte_progress_counts_items_for_the_rate() -> None:
    stream, clock = _Terminal(), ManualClock(100.0)
    progress = ProgressLine(
        "import", logger=LOGGER, unit="bytes", rate_unit="entries", stream=stream, clock=clock
    )
    clock.now += 10
    assert progress.describe(3 * 1024 * 1024, 12 * 1024 * 1024, 5000) == (
        "import: 3.0 MiB/12.0 MiB (25%), 5,000 entries, 500 entries/s, 30s left"
    )


def test_an_interrupted_line_is_ended_by_close() -> None:
    stream = _Terminal()
    progress = ProgressLine("sealing", logger=LOGGER, stream=stream, show_rate=False)
    progress(1, 3)
    progress.close()
    assert stream.getvalue() == "\r\x1b[2Ksealing: 1/3 entries (33%)\n"


def test_without_a_terminal_it_logs_at_most_once_per_interval_and_always_the_end(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stream, clock = io.StringIO(), ManualClock(100.0)
    progress = ProgressLine(
        "audit", logger=LOGGER, stream=stream, interval=10, show_rate=False, clock=clock
    )
    caplog.set_level(logging.INFO, logger=LOGGER.name)
    for done in range(1, 11):
        clock.now += 3
        progress(done, 10)
    assert stream.getvalue() == ""
    assert caplog.messages == [
        "audit: 1/10 entries (10%)",
        "audit: 5/10 entries (50%)",  # 12 s after the first
        "audit: 9/10 entries (90%)",
        "audit: 10/10 entries (100%)",
    ]


def test_sizes_and_durations_read_well() -> None:
    assert [format_bytes(n) for n in (0, 1023, 1536, 5 * 1024**3)] == [
        "0 B", "1023 B", "1.5 KiB", "5.0 GiB"
    ]  # fmt: skip
    assert [format_duration(s) for s in (0.2, 59.4, 185, 7620)] == ["0s", "59s", "3m05s", "2h07m"]
