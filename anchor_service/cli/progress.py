"""Progress reports for long commands (seal, audit, import), shared by the CLI.

On a terminal, one line on stderr redrawn in place: ``label: done/total unit (p%)``, then
the rate and the time left when asked for. Elsewhere (a log file, CI), the same text as a
log line, at most once every ``interval`` seconds (``0``: on every update), and always
for the last update (``done >= total``), so logs stay short on long runs.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["ProgressLine", "format_bytes", "format_duration"]


def format_bytes(size: int) -> str:
    """``532 B``, ``12.3 KiB``, ``4.0 MiB``, ``1.2 GiB``."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def format_duration(seconds: float) -> str:
    """``42s``, ``3m05s``, ``2h07m``."""
    whole = max(int(seconds + 0.5), 0)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


class ProgressLine:
    """Callable ``(done, total)`` progress report; ``items`` counts what the rate is of.

    ``unit`` names what ``done`` and ``total`` count (``"entries"``), or is ``"bytes"``
    to print sizes; ``rate_unit`` names ``items`` (default: ``unit``). With
    ``show_rate``, the line adds the rate and, when ``done`` is partway, the time left.
    """

    def __init__(
        self,
        label: str,
        *,
        logger: logging.Logger,
        unit: str = "entries",
        rate_unit: str | None = None,
        show_rate: bool = True,
        interval: float = 10.0,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.interactive = self.stream.isatty()
        self._logger = logger
        self._unit = unit
        self._rate_unit = rate_unit or unit
        self._show_rate = show_rate
        self._interval = interval
        self._clock = clock
        self._started = clock()
        self._last_logged: float | None = None
        self._drawn = False

    def __call__(self, done: int, total: int, items: int | None = None) -> None:
        text = self.describe(done, total, items)
        finished = done >= total
        if self.interactive:
            self.stream.write("\r\x1b[2K" + text + ("\n" if finished else ""))
            self.stream.flush()
            self._drawn = not finished
            return
        now = self._clock()
        due = self._last_logged is None or now - self._last_logged >= self._interval
        if due or finished:
            self._last_logged = now
            self._logger.info("%s", text)

    def close(self) -> None:
        """End a redrawn line that did not reach 100 % (an error interrupted the work)."""
        if self.interactive and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False

    def describe(self, done: int, total: int, items: int | None = None) -> str:
        """The progress text for these figures (without redrawing anything)."""
        percent = 100 * done // total if total else 100
        if self._unit == "bytes":
            amount = f"{format_bytes(done)}/{format_bytes(total)}"
        else:
            amount = f"{done:,}/{total:,} {self._unit}"
        text = f"{self.label}: {amount} ({percent}%)"
        if not self._show_rate:
            return text
        elapsed = max(self._clock() - self._started, 1e-9)
        counted = done if items is None else items
        if items is not None and self._unit == "bytes":
            text += f", {items:,} {self._rate_unit}"
        text += f", {counted / elapsed:,.0f} {self._rate_unit}/s"
        if 0 < done < total:
            text += f", {format_duration(elapsed * (total - done) / done)} left"
        return text
