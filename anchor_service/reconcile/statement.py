"""The reconciliation statement: canonical JSON (RFC 8785) of one reconciliation::

    {"counts": {"amount_mismatch": 1, "currency_mismatch": 0, "duplicate": 1,
                "matched": 97, "missing_in_ledger": 1, "missing_in_report": 1},
     "findings": [{"kind": "matched", "row": 2, "gateway_ref": "MT-88123",
                   "external_id": "pay-2026-11-21-000123",
                   "report_amount": "150000", "report_currency": "IDR",
                   "ledger_amount": "150000", "ledger_currency": "IDR",
                   "first_row": null}, ...],
     "format": "midtrans",              the report's format (midtrans, xendit, csv)
     "gateway": "midtrans",             the entries' metadata.gateway reconciled
     "id": "<32 hex digits>",
     "kind": "reconciliation",
     "ledger": {"entries": 100},        entries of the gateway in the period
     "period": {"first": "2026-11-21", "last": "2026-11-21", "timezone": "Asia/Jakarta"},
     "reconciled_at": "2026-11-22T01:00:00Z",
     "report": {"rows": 100, "sha256": "<hex of the file's bytes>"},
     "version": 1}

Its SHA-256 is the ``statement_sha256`` of the reconciliation's record leaf
(:func:`~anchor_service.ledger.records.encode_reconciliation_record`), so the statement
is as tamper-evident as any entry once that leaf is sealed and anchored.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from anchor_service.ledger.jcs import canonical_json
from anchor_service.ledger.rules import format_utc
from anchor_service.reconcile.matching import FindingKind, Period, ReconFinding

__all__ = ["STATEMENT_VERSION", "ReconStatement", "build_statement"]

STATEMENT_VERSION = 1


@dataclass(frozen=True, slots=True)
class ReconStatement:
    """The statement's bytes (canonical JSON), their SHA-256, and the counts per kind."""

    data: bytes
    sha256: bytes
    counts: dict[str, int]

    @property
    def clean(self) -> bool:
        """True when every row and entry matched."""
        return all(count == 0 for kind, count in self.counts.items() if kind != FindingKind.MATCHED)


def build_statement(
    *,
    reconciliation_id: str,
    report_format: str,
    gateway: str,
    period: Period,
    timezone: str,
    report_sha256: bytes,
    rows: int,
    ledger_entries: int,
    findings: Sequence[ReconFinding],
    reconciled_at: datetime,
) -> ReconStatement:
    """The canonical statement of one reconciliation."""
    tally = Counter(finding.kind for finding in findings)
    counts = {kind.value: tally.get(kind, 0) for kind in FindingKind}
    document: dict[str, Any] = {
        "counts": counts,
        "findings": [finding.document() for finding in findings],
        "format": report_format,
        "gateway": gateway,
        "id": reconciliation_id,
        "kind": "reconciliation",
        "ledger": {"entries": ledger_entries},
        "period": {
            "first": period.first.isoformat(),
            "last": period.last.isoformat(),
            "timezone": timezone,
        },
        "reconciled_at": format_utc(reconciled_at),
        "report": {"rows": rows, "sha256": report_sha256.hex()},
        "version": STATEMENT_VERSION,
    }
    data = canonical_json(document)
    return ReconStatement(data, hashlib.sha256(data).digest(), counts)
