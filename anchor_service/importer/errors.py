"""Errors of the import engine.

Exception tree::

    Exception
    ├── SourceFormatError               the file cannot be read as its format at all
    └── StateMismatchError              the saved position does not belong to this file
    AnchorServiceError                  (anchor_service.errors)
    └── RemoteError                     the API refused a whole batch (auth, limits, 5xx)

A bad *record* is no exception: it becomes a :class:`~anchor_service.importer.batches.Problem`
of its batch, reported by line. The first two stop the import before anything more is
read (``anchor-service import`` exits 2); :class:`RemoteError` is a service error, so
the command line reports it as one line (exit 1).
"""

from __future__ import annotations

from anchor_service.errors import AnchorServiceError

__all__ = ["RemoteError", "SourceFormatError", "StateMismatchError"]


class SourceFormatError(Exception):
    """The file cannot be read as the format at all (e.g. a CSV header is wrong)."""


class StateMismatchError(Exception):
    """The state file does not belong to this file (or this file changed before it)."""


class RemoteError(AnchorServiceError):
    """The API refused the batch as a whole (authentication, limits, server error)."""
