"""Matching a report's rows to the ledger's entries of one gateway: the findings.

Pure: the rows come from :func:`~anchor_service.reconcile.reports.read_report`, the
entries from the database (``GatewayEntryRepository``). Rules:

- A row matches the entries whose ``metadata.gateway_ref`` equals its reference (the
  entries are those whose ``metadata.gateway`` is the gateway reconciled).
- The **amount of an entry** for a currency is the sum of its positive postings in that
  currency (its total credits: what was paid in, e.g. 150000 IDR to
  ``escrow:project:42`` for a contribution of 150000). Rows are compared by magnitude,
  so a refund row of -150000 matches a refund entry moving 150000.
- ``matched``: same reference, currency and amount. ``currency_mismatch``: the entry
  has no posting in the row's currency. ``amount_mismatch``: it does, with another
  amount. ``missing_in_ledger``: no entry has the reference. ``missing_in_report``: an
  entry of the gateway whose ``occurred_at`` falls in the period (local days, both ends
  included) has no row. ``duplicate``: a reference on a second row (named with the
  first row), or on a second entry (each entry after the first, lowest leaf index
  first, is one duplicate; the first is the one compared).

Findings come in the file's order, then the entries missing from the report in leaf
order.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from anchor_service.reconcile.reports import ReportRow

__all__ = [
    "FindingKind",
    "LedgerEntry",
    "Period",
    "ReconFinding",
    "match_report",
    "parse_period",
]


class FindingKind(enum.StrEnum):
    """What a reconciliation found for one row or entry."""

    MATCHED = "matched"
    AMOUNT_MISMATCH = "amount_mismatch"
    CURRENCY_MISMATCH = "currency_mismatch"
    MISSING_IN_LEDGER = "missing_in_ledger"
    MISSING_IN_REPORT = "missing_in_report"
    DUPLICATE = "duplicate"


@dataclass(frozen=True, slots=True)
class Period:
    """Local calendar days ``first`` to ``last``, both included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"the period ends ({self.last}) before it starts ({self.first})")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    def __str__(self) -> str:
        return f"{self.first.isoformat()}..{self.last.isoformat()}"


def parse_period(text: str) -> Period:
    """``"2026-11-01..2026-11-30"`` (or one day, ``"2026-11-21"``) as a :class:`Period`;
    ``ValueError`` with a readable message otherwise."""
    first, separator, last = text.strip().partition("..")
    try:
        start = date.fromisoformat(first.strip())
        end = date.fromisoformat(last.strip()) if separator else start
    except ValueError:
        raise ValueError(
            f"bad period {text!r}: DATE..DATE (YYYY-MM-DD..YYYY-MM-DD) or one DATE"
        ) from None
    return Period(start, end)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """A ledger entry of the gateway: its ids, ``gateway_ref``, local day and credits."""

    external_id: str
    leaf_index: int
    ref: str
    day: date
    credits: dict[str, int]


@dataclass(frozen=True, slots=True)
class ReconFinding:
    """One finding: its kind, the row (file line) and entry it names, both amounts."""

    kind: FindingKind
    gateway_ref: str
    row: int | None = None
    external_id: str | None = None
    report_amount: int | None = None
    report_currency: str | None = None
    ledger_amount: int | None = None
    ledger_currency: str | None = None
    first_row: int | None = None

    def document(self) -> dict[str, Any]:
        """The finding as JSON for the statement (amounts as decimal strings)."""
        return {
            "kind": self.kind.value,
            "row": self.row,
            "gateway_ref": self.gateway_ref,
            "external_id": self.external_id,
            "report_amount": None if self.report_amount is None else str(self.report_amount),
            "report_currency": self.report_currency,
            "ledger_amount": None if self.ledger_amount is None else str(self.ledger_amount),
            "ledger_currency": self.ledger_currency,
            "first_row": self.first_row,
        }

    def line(self) -> str:
        """One readable line naming the row, the reference and the entry."""
        where = f"row {self.row}" if self.row is not None else "no row"
        entry = f"entry {self.external_id}" if self.external_id else "no entry"
        text = f"{self.kind.value}: {where}, gateway_ref {self.gateway_ref}, {entry}"
        if self.report_amount is not None:
            text += f"; report {self.report_amount} {self.report_currency}"
        if self.ledger_amount is not None or self.ledger_currency is not None:
            text += f"; ledger {self.ledger_amount} {self.ledger_currency}"
        if self.first_row is not None:
            text += f"; first on row {self.first_row}"
        return text


def match_report(
    rows: Sequence[ReportRow], entries: Iterable[LedgerEntry], period: Period
) -> list[ReconFinding]:
    """Every finding of ``rows`` against ``entries`` (all of one gateway)."""
    by_ref: dict[str, list[LedgerEntry]] = {}
    for entry in sorted(entries, key=lambda item: item.leaf_index):
        by_ref.setdefault(entry.ref, []).append(entry)
    findings: list[ReconFinding] = []
    first_rows: dict[str, int] = {}
    for row in rows:
        first = first_rows.get(row.ref)
        matching = by_ref.get(row.ref, [])
        if first is not None:
            findings.append(
                ReconFinding(
                    FindingKind.DUPLICATE,
                    row.ref,
                    row=row.line,
                    external_id=matching[0].external_id if matching else None,
                    report_amount=row.amount,
                    report_currency=row.currency,
                    first_row=first,
                )
            )
            continue
        first_rows[row.ref] = row.line
        if not matching:
            findings.append(
                ReconFinding(
                    FindingKind.MISSING_IN_LEDGER,
                    row.ref,
                    row=row.line,
                    report_amount=row.amount,
                    report_currency=row.currency,
                )
            )
            continue
        findings.append(_compare(row, matching[0]))
        findings.extend(_duplicate_entry(extra, row.line) for extra in matching[1:])
    for ref, matching in by_ref.items():
        if ref in first_rows:
            continue
        in_period = [entry for entry in matching if entry.day in period]
        if not in_period:
            continue
        first_entry = in_period[0]
        findings.append(
            ReconFinding(
                FindingKind.MISSING_IN_REPORT,
                ref,
                external_id=first_entry.external_id,
                **_ledger_amount(first_entry),
            )
        )
        findings.extend(_duplicate_entry(extra, None) for extra in in_period[1:])
    return findings


def _compare(row: ReportRow, entry: LedgerEntry) -> ReconFinding:
    common: dict[str, Any] = {
        "row": row.line,
        "external_id": entry.external_id,
        "report_amount": row.amount,
        "report_currency": row.currency,
    }
    credited = entry.credits.get(row.currency)
    if credited is None:
        return ReconFinding(
            FindingKind.CURRENCY_MISMATCH, row.ref, **common, **_ledger_amount(entry)
        )
    kind = FindingKind.MATCHED if credited == abs(row.amount) else FindingKind.AMOUNT_MISMATCH
    return ReconFinding(
        kind, row.ref, **common, ledger_amount=credited, ledger_currency=row.currency
    )


def _duplicate_entry(entry: LedgerEntry, row: int | None) -> ReconFinding:
    return ReconFinding(
        FindingKind.DUPLICATE,
        entry.ref,
        row=row,
        external_id=entry.external_id,
        **_ledger_amount(entry),
    )


def _ledger_amount(entry: LedgerEntry) -> dict[str, Any]:
    """The entry's amount and currency when it has one currency; else currencies only."""
    if len(entry.credits) == 1:
        [(currency, amount)] = entry.credits.items()
        return {"ledger_amount": amount, "ledger_currency": currency}
    return {"ledger_amount": None, "ledger_currency": ",".join(sorted(entry.credits)) or None}
