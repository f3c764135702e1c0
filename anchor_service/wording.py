"""Counts in messages: ``1 batch``, ``2 batches``, never ``1 batches``."""

from __future__ import annotations

__all__ = ["counted"]


def counted(count: int, noun: str, plural: str | None = None, *, grouped: bool = False) -> str:
    """``count`` and ``noun``, plural (``plural``, else ``noun + "s"``) unless it is 1;
    ``grouped`` writes the count with thousands separators (``1,234 entries``)."""
    number = f"{count:,}" if grouped else str(count)
    return f"{number} {noun if count == 1 else plural or noun + 's'}"
