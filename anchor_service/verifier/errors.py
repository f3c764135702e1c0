"""Errors of the verifier.

Exception tree::

    AnchorServiceError                  (anchor_service.errors)
    └── BundleFormatError               the bundle is not JSON or breaks the format
    Exception
    └── ChainReadError                  a chain read failed (``unreachable``: no answer)

A bundle that parses but does not verify raises nothing: it gets a report whose checks
say what failed. :class:`ChainReadError` never leaves
:func:`~anchor_service.verifier.checks.verify_bundle` either: a chain view raises it,
and the check it interrupted is reported as an error (the bundle is then unverified).
"""

from __future__ import annotations

from anchor_service.errors import AnchorServiceError

__all__ = ["BundleFormatError", "ChainReadError"]


class BundleFormatError(AnchorServiceError):
    """The bundle is not valid JSON or does not follow the format.

    ``field`` is the dotted path of the offending value (``None`` for the document as
    a whole); ``reason`` says what is wrong with it.
    """

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.reason = reason
        self.field = field


class ChainReadError(Exception):
    """A chain read failed. ``unreachable``: the node could not be reached at all."""

    def __init__(self, reason: str, *, unreachable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.unreachable = unreachable
