"""Reading gateway reports: the three formats' columns, exact amounts, and one clear
error naming the line for every kind of bad file (no database involved)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from anchor_service.ledger.currencies import minor_unit_digits
from anchor_service.reconcile import FORMATS, ReportFormatError, parse_period, read_report

REPORTS = Path(__file__).parent / "reports"
JAKARTA = ZoneInfo("Asia/Jakarta")


def _read(name: str, report_format: str) -> list[tuple[int, str, int, str, date | None]]:
    rows = read_report((REPORTS / name).read_bytes(), FORMATS[report_format], JAKARTA)
    return [(row.line, row.ref, row.amount, row.currency, row.day) for row in rows]


def test_midtrans_export_reads_order_ids_and_whole_rupiah() -> None:
    rows = _read("midtrans-settlement.csv", "midtrans")
    assert rows[0] == (2, "MT-1", 150000, "IDR", date(2026, 11, 21))
    assert [row[1] for row in rows] == ["MT-1", "MT-2", "MT-3", "MT-3", "MT-9", "MT-5"]


def test_xendit_report_converts_major_units_per_currency() -> None:
    rows = _read("xendit-transactions.csv", "xendit")
    assert rows[0] == (2, "XD-1", 150000, "IDR", date(2026, 11, 21))
    assert rows[2][1:4] == ("XD-3", 1250, "USD")  # 12.50 USD is 1250 cents


def test_generic_csv_takes_minor_units_as_written() -> None:
    assert _read("generic.csv", "csv") == [
        (2, "OVO-1", 150000, "IDR", date(2026, 11, 21)),
        (3, "OVO-2", 25000, "IDR", date(2026, 11, 21)),
    ]


def test_times_without_offset_are_local_and_with_offset_are_converted() -> None:
    report = b"gateway_ref,amount,currency,date\nA,1,IDR,2026-11-21T20:00:00Z\n"
    [row] = read_report(report, FORMATS["csv"], JAKARTA)
    assert row.day == date(2026, 11, 22)  # 03:00 the next morning in Jakarta


def test_minor_units_follow_iso_4217_except_rupiah() -> None:
    assert [minor_unit_digits(code) for code in ("IDR", "JPY", "USD", "KWD", "CLF")] == [
        0, 0, 2, 3, 4,
    ]  # fmt: skip


CSV = b"gateway_ref,amount,currency,date\n"
ROW = b"A,1,IDR,2026-11-21\n"
MIDTRANS = b"Order ID,Gross Amount,Transaction Time\n"
BAD_FILES = [
    (b"", "csv", "line 1: the report is empty"),
    (CSV, "csv", "line 2: the report has a header but no rows"),
    (b"gateway_ref,amount,currency,date,fee\n", "csv", "line 1: unknown column 'fee'"),
    (b"gateway_ref,amount,date\nA,1,2026-11-21\n", "csv", "line 1: no 'currency' column"),
    (CSV + ROW + b"B,1.5,IDR,2026-11-21\n", "csv", "line 3: bad amount '1.5'"),
    (MIDTRANS + b"MT-1,150.000,2026-11-21 08:00:00\n", "midtrans",
     "line 2: bad amount '150.000': IDR has 0 decimal places"),
    (MIDTRANS + b'MT-1,"150,000",2026-11-21 08:00:00\n', "midtrans",
     "line 2: bad amount '150,000'"),
    (CSV + b"A,1,IDR,21/11/2026\n", "csv", "line 2: bad date '21/11/2026'"),
    (CSV + b"A,1,XYZ,2026-11-21\n", "csv", "line 2: unknown currency 'XYZ'"),
    (CSV + b",1,IDR,2026-11-21\n", "csv", "line 2: empty reference"),
    (CSV + ROW + b"B,2,IDR\n", "csv", "line 3: 3 fields where the header has 4"),
    (CSV + ROW + b"Caf\xe9,1,IDR,2026-11-21\n", "csv", "line 3: not UTF-8"),
]  # fmt: skip


@pytest.mark.parametrize(("report", "report_format", "message"), BAD_FILES)
def test_a_bad_file_is_one_error_naming_its_line(
    report: bytes, report_format: str, message: str
) -> None:
    with pytest.raises(ReportFormatError) as raised:
        read_report(report, FORMATS[report_format], JAKARTA)
    assert raised.value.detail.startswith(message), raised.value.detail


def test_periods_read_as_day_ranges() -> None:
    period = parse_period("2026-11-01..2026-11-30")
    assert date(2026, 11, 30) in period and date(2026, 12, 1) not in period
    assert str(parse_period("2026-11-21")) == "2026-11-21..2026-11-21"
    for bad in ("2026-11-30..2026-11-01", "November", "2026-11-01..later"):
        with pytest.raises(ValueError):
            parse_period(bad)


def test_dates_out_of_range_and_long_values_are_errors_shown_short() -> None:
    for cell in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"):
        report = CSV + f"A,1,IDR,{cell}\n".encode()
        with pytest.raises(ReportFormatError, match="line 2: bad date"):
            read_report(report, FORMATS["csv"], JAKARTA)
    with pytest.raises(ReportFormatError) as raised:
        read_report(CSV + b"A," + b"9" * 500 + b",IDR,2026-11-21\n", FORMATS["csv"], JAKARTA)
    assert len(raised.value.detail) < 120
