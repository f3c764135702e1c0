"""Errors of gateway reconciliation.

Exception tree::

    AnchorServiceError                  (anchor_service.errors)
    └── ReportFormatError               a gateway report cannot be read (carries the line)

A report that reads but does not match the ledger is no error: its differences are the
reconciliation's findings. A :class:`ReportFormatError` stops the reconciliation before
anything is stored (``anchor-service reconcile`` exits 2; the API answers 422).
"""

from __future__ import annotations

from anchor_service.errors import AnchorServiceError

__all__ = ["ReportFormatError"]


class ReportFormatError(AnchorServiceError):
    """The report is empty, not UTF-8, or has a bad header, amount, currency or date.

    ``line`` is the 1-based line of the file at fault (the header is line 1); ``None``
    when no line is (a report with no date column and no period given).
    """

    def __init__(self, detail: str, *, line: int | None = None) -> None:
        super().__init__(detail if line is None else f"line {line}: {detail}")
        self.line = line
