"""Gateway reconciliation: read a report, match it to the ledger, store and log the
statement.

:func:`reconcile_report` is one reconciliation, all or nothing:

1. read the report (:func:`~anchor_service.reconcile.reports.read_report`): a bad file
   raises :class:`~anchor_service.reconcile.errors.ReportFormatError` naming the line,
   before the database is touched;
2. read the gateway's entries in one streaming query (a reader session);
3. match (:func:`~anchor_service.reconcile.matching.match_report`) and build the
   canonical statement;
4. in one writer transaction: append the reconciliation's record leaf
   (``~reconciliation:<id>``, committing to the statement's SHA-256) to the log and store
   the statement beside it. The record is sealed, checkpointed and anchored with the
   next batch like any entry, so an auditor can prove the statement was not changed.

The period defaults to the report's first to last day; entries of the gateway whose
local day falls in it and that no row names are ``missing_in_report``.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from anchor_service.db.models_reconciliations import Reconciliation
from anchor_service.db.repositories.entries import EntryRepository
from anchor_service.db.repositories.gateway_entries import GatewayEntryRepository
from anchor_service.db.repositories.reconciliations import ReconciliationRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.ledger.records import encode_reconciliation_record
from anchor_service.reconcile.errors import ReportFormatError
from anchor_service.reconcile.formats import FORMATS, MAX_GATEWAY_LENGTH
from anchor_service.reconcile.matching import (
    FindingKind,
    LedgerEntry,
    Period,
    ReconFinding,
    match_report,
)
from anchor_service.reconcile.reports import ReportRow, read_report
from anchor_service.reconcile.statement import build_statement

__all__ = ["ReconciliationResult", "TimingSplit", "reconcile_report"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TimingSplit:
    """Seconds spent reading the report, reading the ledger, matching, and storing: wall
    time, and CPU time of this process (``cpu_...``; the rest is waiting: on the database,
    or for a core on a busy machine)."""

    report: float
    ledger: float
    matching: float
    storing: float
    cpu_report: float
    cpu_ledger: float
    cpu_matching: float
    cpu_storing: float


class _Stopwatch:
    """Wall and process CPU time at each step."""

    def __init__(self) -> None:
        self.marks = [(time.perf_counter(), time.process_time())]

    def mark(self) -> None:
        self.marks.append((time.perf_counter(), time.process_time()))

    def split(self) -> TimingSplit:
        walls = [b[0] - a[0] for a, b in zip(self.marks, self.marks[1:], strict=False)]
        cpus = [b[1] - a[1] for a, b in zip(self.marks, self.marks[1:], strict=False)]
        return TimingSplit(*walls, *cpus)


@dataclass(frozen=True, slots=True)
class ReconciliationResult:
    """A stored reconciliation: its row, its findings, its record leaf's id and index."""

    reconciliation: Reconciliation
    findings: list[ReconFinding]
    counts: dict[str, int]
    record_external_id: str
    timing: TimingSplit

    @property
    def clean(self) -> bool:
        """True when every row and entry matched."""
        return self.reconciliation.clean

    def problems(self) -> list[ReconFinding]:
        """The findings that are not ``matched``."""
        return [finding for finding in self.findings if finding.kind is not FindingKind.MATCHED]


def reconcile_report(
    database: Database,
    data: bytes,
    *,
    report_format: str,
    gateway: str | None = None,
    period: Period | None = None,
    timezone: str = "Asia/Jakarta",
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ReconciliationResult:
    """Reconcile the report ``data`` (in ``report_format``) against the ledger; store it.

    ``gateway``: the entries' ``metadata.gateway`` to match (default: the format's name;
    required for ``csv``). Raises :class:`ReportFormatError` for a bad file and
    ``ValueError`` for a bad argument; nothing is stored then.
    """
    if report_format not in FORMATS:
        raise ValueError(f"unknown report format {report_format!r}; one of {', '.join(FORMATS)}")
    spec = FORMATS[report_format]
    gateway = gateway or spec.gateway
    if not gateway:
        raise ValueError("a csv report needs the gateway its rows belong to (--ledger-gateway)")
    if len(gateway) > MAX_GATEWAY_LENGTH:
        raise ValueError(f"the gateway name is longer than {MAX_GATEWAY_LENGTH} characters")
    zone = ZoneInfo(timezone)
    watch = _Stopwatch()
    report_sha256 = hashlib.sha256(data).digest()
    rows = read_report(data, spec, zone)
    period = period or _period_of(rows)
    watch.mark()
    with unit_of_work(database.reader) as session:
        entries = list(GatewayEntryRepository(session).entries(gateway, zone))
    watch.mark()
    findings = match_report(rows, entries, period)
    reconciled_at = clock()
    reconciliation_id = secrets.token_hex(16)
    statement = build_statement(
        reconciliation_id=reconciliation_id,
        report_format=report_format,
        gateway=gateway,
        period=period,
        timezone=timezone,
        report_sha256=report_sha256,
        rows=len(rows),
        ledger_entries=_in_period(entries, period),
        findings=findings,
        reconciled_at=reconciled_at,
    )
    watch.mark()
    record = encode_reconciliation_record(
        reconciliation_id, statement.sha256, reconciled_at=reconciled_at
    )
    with unit_of_work(database.writer) as session:
        [stored] = EntryRepository(session).append([record], received_at=reconciled_at)
        row = Reconciliation(
            id=reconciliation_id,
            created_at=reconciled_at,
            format=report_format,
            gateway=gateway,
            period_first=period.first,
            period_last=period.last,
            report_sha256=report_sha256,
            row_count=len(rows),
            clean=statement.clean,
            statement=statement.data,
            statement_hash=statement.sha256,
            leaf_index=stored.leaf_index,
        )
        ReconciliationRepository(session).add(row)
    watch.mark()
    logger.info(
        "reconciled %d %s rows against %d %s entries (%s): %s; record leaf %d",
        len(rows),
        report_format,
        len(entries),
        gateway,
        period,
        ", ".join(f"{kind} {count}" for kind, count in statement.counts.items() if count),
        stored.leaf_index,
    )
    return ReconciliationResult(
        reconciliation=row,
        findings=findings,
        counts=statement.counts,
        record_external_id=stored.external_id,
        timing=watch.split(),
    )


def _period_of(rows: list[ReportRow]) -> Period:
    days = [row.day for row in rows if row.day is not None]
    if not days:
        raise ReportFormatError(
            "the report has no date column: give the period (--period DATE..DATE)"
        )
    return Period(min(days), max(days))


def _in_period(entries: list[LedgerEntry], period: Period) -> int:
    return sum(1 for entry in entries if entry.day in period)
