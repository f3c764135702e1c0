"""``anchor-service reconcile FILE --gateway midtrans|xendit|csv [--period DATE..DATE]``:
match a payment gateway's report to the ledger, store and log the statement.

Exit status: 0 everything matched, 1 anything did not (each finding printed, naming the
report row and the entry), 2 a bad file or usage (one line naming the line of the file;
nothing stored).
"""

from __future__ import annotations

import argparse
import json
import sys

from anchor_service.cli.parsers import Subparsers, add_command, add_json_flag
from anchor_service.settings import Settings

__all__ = ["register"]

_FORMATS = ("midtrans", "xendit", "csv")


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "reconcile",
        help="match a gateway's settlement report to the ledger (exit 1 on differences)",
        description=(
            "Read a Midtrans or Xendit report export, or a CSV with the columns gateway_ref, "
            "amount (minor units), currency, date, and match its rows to the entries whose "
            "metadata names the gateway and the row's reference (gateway_ref), by amount and "
            "currency. Prints every finding that is not a match (amount_mismatch, "
            "currency_mismatch, missing_in_ledger, missing_in_report, duplicate) with the "
            "report row and the entry's external_id, stores the reconciliation statement and "
            "appends its record leaf (~reconciliation:<id>) to the log, to be sealed and "
            "anchored with the next batch. Columns per format: docs/settlement.md.\n\n"
            "exit status: 0 everything matched, 1 differences found, 2 a bad file (the error "
            "names its line; nothing is stored) or usage"
        ),
        examples=[
            "anchor-service reconcile settlement-2026-11-21.csv --gateway midtrans",
            "anchor-service reconcile xendit-report.csv --gateway xendit "
            "--period 2026-11-01..2026-11-30",
            "anchor-service reconcile ovo.csv --gateway csv --ledger-gateway ovo --json",
        ],
        handler=run,
    )
    parser.add_argument("file", metavar="FILE", help="the report (CSV, UTF-8); - reads stdin")
    parser.add_argument(
        "--gateway",
        required=True,
        choices=_FORMATS,
        help="the report's format: a Midtrans or Xendit export, or this service's CSV",
    )
    parser.add_argument(
        "--ledger-gateway",
        metavar="NAME",
        help="the entries' metadata.gateway to match (default: --gateway; required with csv)",
    )
    parser.add_argument(
        "--period",
        metavar="DATE..DATE",
        help="local days (ANCHOR_TIMEZONE) whose entries the report should hold, e.g. "
        "2026-11-01..2026-11-30 (default: the report's first to last day)",
    )
    add_json_flag(parser, "print the reconciliation and its statement as JSON")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from anchor_service.cli.input_files import read_input
    from anchor_service.errors import UnreadableInputError
    from anchor_service.reconcile import ReportFormatError, parse_period

    period = None
    if args.period is not None:
        try:
            period = parse_period(args.period)
        except ValueError as exc:
            return _usage(f"--period: {exc}")
    if args.gateway == "csv" and not args.ledger_gateway:
        return _usage("--gateway csv needs --ledger-gateway NAME (the entries' metadata.gateway)")
    try:
        data = read_input(args.file)
    except UnreadableInputError as exc:
        return _usage(exc.detail)

    from anchor_service.api.schemas.reconciliations import ReconciliationOut
    from anchor_service.db.session import Database
    from anchor_service.services.reconciliation import reconcile_report

    database = Database.from_settings(settings)
    try:
        result = reconcile_report(
            database,
            data,
            report_format=args.gateway,
            gateway=args.ledger_gateway,
            period=period,
            timezone=settings.timezone,
        )
    except ReportFormatError as exc:
        return _usage(f"{args.file}: {exc.detail}")
    except ValueError as exc:
        return _usage(str(exc))
    finally:
        database.dispose()
    row = result.reconciliation
    if args.json:
        print(json.dumps(ReconciliationOut.of(row).model_dump(mode="json"), indent=2))
        return 0 if result.clean else 1
    for finding in result.problems():
        print(finding.line())
    counts = ", ".join(f"{count} {kind}" for kind, count in result.counts.items())
    verdict = "everything matched" if result.clean else "differences found"
    print(
        f"reconciliation {row.id} ({row.format}, gateway {row.gateway}, "
        f"{row.period_first}..{row.period_last}): {row.row_count} rows; {counts}"
    )
    print(f"statement sha256 {row.statement_hash.hex()}")
    print(f"record {result.record_external_id} at leaf {row.leaf_index}")
    print(verdict)
    return 0 if result.clean else 1


def _usage(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2
