"""Tree sizes as people read them in error messages: ``18446744073709551615 (2^64-1)``.

A registry's head next to a large power of two is almost always a forged one (the
largest size the contract accepts is 2^64-1), so messages name it that way.
"""

from __future__ import annotations

__all__ = ["size_in_words"]


def _near_power_of_two(size: int) -> str:
    for delta, sign in ((0, ""), (1, "-1"), (-1, "+1")):
        value = size + delta
        if value >= 1 << 16 and value & (value - 1) == 0:
            return f"2^{value.bit_length() - 1}{sign}"
    return ""


def size_in_words(size: int) -> str:
    """``size``, followed by ``(2^k-1)``-style words when it is next to a power of two
    of at least 2^16."""
    near = _near_power_of_two(size)
    return f"{size} ({near})" if near else str(size)
