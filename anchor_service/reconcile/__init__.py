"""Gateway reconciliation: a payment gateway's report against the ledger.

Pure core (no database): :mod:`formats` (the columns each report format has),
:mod:`reports` (reading a file into exact rows), :mod:`matching` (the findings),
:mod:`statement` (the canonical statement). The database side is
``anchor_service.db.repositories.gateway_entries`` and ``.reconciliations``; the unit of
work is ``anchor_service.services.reconciliation``.
"""

from anchor_service.reconcile.errors import ReportFormatError
from anchor_service.reconcile.formats import FORMATS, ReportFormat
from anchor_service.reconcile.matching import (
    FindingKind,
    LedgerEntry,
    Period,
    ReconFinding,
    match_report,
    parse_period,
)
from anchor_service.reconcile.reports import ReportRow, read_report
from anchor_service.reconcile.statement import ReconStatement, build_statement

__all__ = [
    "FORMATS",
    "FindingKind",
    "LedgerEntry",
    "Period",
    "ReconFinding",
    "ReconStatement",
    "ReportFormat",
    "ReportFormatError",
    "ReportRow",
    "build_statement",
    "match_report",
    "parse_period",
    "read_report",
]
