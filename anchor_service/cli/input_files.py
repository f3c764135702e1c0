"""A command's input file: a path, or ``-`` for standard input, read whole."""

from __future__ import annotations

import sys

from anchor_service.errors import UnreadableInputError

__all__ = ["UnreadableInputError", "read_input"]


def read_input(name: str) -> bytes:
    """The bytes of file ``name`` (``-``: stdin); :class:`UnreadableInputError` if unreadable."""
    try:
        if name == "-":
            return sys.stdin.buffer.read()
        with open(name, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise UnreadableInputError(f"cannot read {name}: {exc.strerror or exc}") from None
