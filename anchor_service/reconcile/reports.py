"""Reading a gateway's report into rows: reference, exact amount, currency, local day.

:func:`read_report` takes the file's bytes and a format of
:data:`~anchor_service.reconcile.formats.FORMATS`; it reads the whole file before
anything else happens, and raises :class:`~anchor_service.reconcile.errors.ReportFormatError`
naming the line at fault: not UTF-8, empty, no header row, a missing or unknown column,
an empty reference, a bad amount (not a decimal number, more decimals than the
currency has, a fraction in a minor-units column), an unknown currency, a bad date.

Amounts become integers in the currency's minor units
(:func:`~anchor_service.ledger.currencies.minor_unit_digits`): ``"150000.00"`` IDR is
``150000``, ``"12.50"`` USD is ``1250``. Times without an offset are read in the given
time zone (the service's ``ANCHOR_TIMEZONE``, Asia/Jakarta by default) and every row
keeps its local calendar day.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from anchor_service.ledger.currencies import CURRENCY_CODES, minor_unit_digits
from anchor_service.reconcile.errors import ReportFormatError
from anchor_service.reconcile.formats import ReportFormat, normalise_header

__all__ = ["ReportRow", "read_report"]

_MAJOR = re.compile(r"(-?)(\d{1,30})(?:\.(\d{1,8}))?")
_MINOR = re.compile(r"-?\d{1,32}")
_BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One row: its line in the file, reference, amount (minor units), currency, day."""

    line: int
    ref: str
    amount: int
    currency: str
    day: date | None


def read_report(data: bytes, report_format: ReportFormat, zone: tzinfo) -> list[ReportRow]:
    """The rows of a report in ``report_format``; times read in ``zone``."""
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ReportFormatError(f"not CSV: {exc}", line=1) from None
    if header is None or not any(cell.strip() for cell in header):
        raise ReportFormatError("the report is empty: no header row", line=1)
    columns = _columns(header, report_format)
    rows: list[ReportRow] = []
    line = 1
    try:
        for record in reader:
            start = line + 1
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue  # blank lines (a trailing newline, a spreadsheet's last row)
            rows.append(_row(start, record, columns, report_format, zone))
    except csv.Error as exc:
        raise ReportFormatError(f"not CSV: {exc}", line=reader.line_num) from None
    if not rows:
        raise ReportFormatError("the report has a header but no rows", line=2)
    return rows


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ReportFormatError(
            f"not UTF-8 (byte 0x{data[exc.start]:02x}); export the report as UTF-8 CSV",
            line=line,
        ) from None
    return text.removeprefix(_BOM)


@dataclass(frozen=True, slots=True)
class _Columns:
    ref: int
    amount: int
    currency: int | None
    time: int | None
    width: int


def _columns(header: Sequence[str], report_format: ReportFormat) -> _Columns:
    names = [normalise_header(cell) for cell in header]
    positions: dict[str, int] = {}
    for position, name in enumerate(names):
        if name in positions:
            raise ReportFormatError(
                f"column {_shown(header[position].strip())} appears twice", line=1
            )
        positions[name] = position

    def find(candidates: tuple[str, ...]) -> int | None:
        for name in candidates:
            if name in positions:
                return positions[name]
        return None

    def require(candidates: tuple[str, ...]) -> int:
        found = find(candidates)
        if found is None:
            wanted = " or ".join(repr(name) for name in candidates)
            raise ReportFormatError(
                f"no {wanted} column in the header (a {report_format.name} report needs it)",
                line=1,
            )
        return found

    ref = require(report_format.ref)
    amount = require(report_format.amount)
    if report_format.default_currency is None:
        currency: int | None = require(report_format.currency)
    else:
        currency = find(report_format.currency)
    time = find(report_format.time) if report_format.time_optional else require(report_format.time)
    if report_format.extra is not None:
        known = {
            *report_format.ref,
            *report_format.amount,
            *report_format.currency,
            *report_format.time,
            *report_format.extra,
        }
        unknown = [
            cell.strip() for cell, name in zip(header, names, strict=True) if name not in known
        ]
        if unknown:
            raise ReportFormatError(
                f"unknown column {_shown(unknown[0])}; a {report_format.name} report has "
                "the columns gateway_ref (or external_id), amount, currency, date and "
                "optional description",
                line=1,
            )
    return _Columns(ref, amount, currency, time, len(header))


def _row(
    line: int,
    record: list[str],
    columns: _Columns,
    report_format: ReportFormat,
    zone: tzinfo,
) -> ReportRow:
    if len(record) != columns.width:
        raise ReportFormatError(
            f"{len(record)} fields where the header has {columns.width}", line=line
        )
    ref = record[columns.ref].strip()
    if not ref:
        raise ReportFormatError("empty reference", line=line)
    if columns.currency is None:
        currency = report_format.default_currency or ""
    else:
        currency = record[columns.currency].strip().upper()
        if currency not in CURRENCY_CODES:
            raise ReportFormatError(
                f"unknown currency {_shown(record[columns.currency].strip())}", line=line
            )
    raw_amount = record[columns.amount].strip()
    if report_format.major_units:
        amount = _major_amount(raw_amount, currency, line)
    else:
        if not _MINOR.fullmatch(raw_amount):
            raise ReportFormatError(
                f"bad amount {_shown(raw_amount)}: an integer in {currency}'s minor units",
                line=line,
            )
        amount = int(raw_amount)
    day = None if columns.time is None else _day(record[columns.time].strip(), zone, line)
    return ReportRow(line, ref, amount, currency, day)


def _major_amount(text: str, currency: str, line: int) -> int:
    match = _MAJOR.fullmatch(text)
    if match is None:
        raise ReportFormatError(
            f"bad amount {_shown(text)}: a decimal number like 150000 or 12.50 "
            "(no thousands separators or currency signs)",
            line=line,
        )
    sign, whole, fraction = match.groups()
    digits = minor_unit_digits(currency)
    fraction = fraction or ""
    # Zeros past the currency's places are printed by some exports ("150000.00" rupiah);
    # more than two such places is a misread waiting to happen ("150.000" is 150,000
    # rupiah written the Indonesian way), so those are refused.
    if len(fraction) > max(digits, 2) or len(fraction.rstrip("0")) > digits:
        raise ReportFormatError(
            f"bad amount {_shown(text)}: {currency} has {digits} decimal places", line=line
        )
    fraction = fraction[:digits]
    value = int(whole + fraction.ljust(digits, "0"))
    return -value if sign else value


def _day(text: str, zone: tzinfo, line: int) -> date:
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
        return moment.astimezone(zone).date()
    except (ValueError, OverflowError):
        raise ReportFormatError(
            f"bad date {_shown(text)}: YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or RFC 3339", line=line
        ) from None


def _shown(text: str, limit: int = 40) -> str:
    """``text`` quoted for an error message, cut after ``limit`` characters."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "..."
