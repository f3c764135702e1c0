"""Reconciliation benchmark: a 100k-row Midtrans report against the ledger, on PostgreSQL.

Set-up (not timed), on a fresh database ``anchor_bench_recon_<random>``: migrate;
generate the ledger inside PostgreSQL (``INSERT ... SELECT FROM generate_series``:
documents of ~330 bytes like real entries, two IDR postings each). Every
``ratio``-th entry is a Midtrans payment (``metadata.gateway`` ``midtrans``,
``gateway_ref`` ``MT-<i>``), the others Xendit's, so the reconciliation must pick its
gateway's entries out of a larger ledger. Then the report: one Midtrans export row per
Midtrans entry, with four differences planted (one amount changed, one row dropped, one
extra row, one row duplicated).

Timed: :func:`anchor_service.services.reconciliation.reconcile_report` (read the file,
read the ledger in one streaming query, match, build the statement, append the record
leaf and store the statement), with its split and the Python process's CPU time (the
rest of the wall time is spent waiting on PostgreSQL). Then checked: the counts are
exactly the planted differences. Drops the database at the end.

    .venv/bin/python benchmarks/reconcile_bench.py           # 100k rows, 1M-entry ledger
    .venv/bin/python benchmarks/reconcile_bench.py --quick   # 100k rows, 100k-entry ledger
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from bench_support import generate_entries, throwaway_database, vacuum

from anchor_service.db import migrate
from anchor_service.db.session import Database
from anchor_service.services.reconciliation import reconcile_report
from anchor_service.settings import Settings

TARGET_SECONDS = 10.0
CHUNK = 500_000

_INSERT_ENTRIES = """
INSERT INTO entries (leaf_index, external_id, document, salt, leaf_hash, content_hash, received_at)
SELECT i,
       'bench-' || lpad(i::text, 10, '0'),
       convert_to(format(
         '{"description":"Contribution to project %s","external_id":"bench-%s",'
         '"metadata":{"gateway":"%s","gateway_ref":"%s-%s"},'
         '"occurred_at":"2026-11-21T01:15:00Z","postings":['
         '{"account":"wallet:user:%s","amount":"-%s","currency":"IDR"},'
         '{"account":"escrow:project:%s","amount":"%s","currency":"IDR"}],'
         '"salt":"%s"}',
         i % 50, lpad(i::text, 10, '0'),
         CASE WHEN i % :ratio = 0 THEN 'midtrans' ELSE 'xendit' END,
         CASE WHEN i % :ratio = 0 THEN 'MT' ELSE 'XD' END, i,
         i % 1000, (i % 997 + 1) * 1000, i % 50, (i % 997 + 1) * 1000,
         encode(substring(sha256(int8send(i)) FROM 1 FOR 16), 'hex')), 'UTF8'),
       substring(sha256(int8send(i)) FROM 1 FOR 16),
       sha256(int8send(i)),
       sha256(int8send(-i - 1)),
       :received_at
FROM generate_series(CAST(:start AS bigint), CAST(:stop AS bigint) - 1) AS i
"""

_INSERT_POSTINGS = """
INSERT INTO entry_postings (leaf_index, position, account, currency, amount)
SELECT i, p,
       CASE WHEN p = 0 THEN 'wallet:user:' || (i % 1000) ELSE 'escrow:project:' || (i % 50) END,
       'IDR',
       CASE WHEN p = 0 THEN -1 ELSE 1 END * (i % 997 + 1) * 1000
FROM generate_series(CAST(:start AS bigint), CAST(:stop AS bigint) - 1) AS i,
     (VALUES (0), (1)) AS positions (p)
ORDER BY i, p
"""

HEADER = "Order ID,Transaction ID,Payment Type,Transaction Status,Gross Amount,Transaction Time\n"


def midtrans_report(rows: int, ratio: int) -> bytes:
    """The export: one row per Midtrans entry, with the four planted differences."""
    lines = [HEADER]
    for n in range(rows):
        i = n * ratio
        amount = (i % 997 + 1) * 1000 + (1 if n == 0 else 0)  # row 2: amount changed
        if n == 1:
            continue  # MT-<ratio> dropped: missing_in_report
        line = f"MT-{i},tx-{i},bank_transfer,settlement,{amount}.00,2026-11-21 08:15:00\n"
        lines.append(line)
        if n == 2:
            lines.append(line)  # duplicated
    lines.append("MT-EXTRA,tx-x,gopay,settlement,5000.00,2026-11-21 09:00:00\n")
    return "".join(lines).encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="Midtrans entries/rows")
    parser.add_argument("--ledger", type=int, default=1_000_000, help="entries in the ledger")
    parser.add_argument("--quick", action="store_true", help="a ledger of the report's entries")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    args = parser.parse_args()
    rows = args.rows
    ledger = rows if args.quick else max(args.ledger, rows)
    ratio = ledger // rows
    if rows < 4:
        parser.error("--rows must be at least 4")

    print(f"reconcile benchmark: a {rows:,}-row Midtrans report against a ledger of "
          f"{rows * ratio:,} entries ({rows:,} of them Midtrans's; PostgreSQL)")  # fmt: skip
    with throwaway_database("anchor_bench_recon", keep=args.keep) as url:
        settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
        migrate.upgrade(settings)
        began = time.perf_counter()
        generate_entries(
            url, 0, rows * ratio,
            entries_sql=_INSERT_ENTRIES.replace(":ratio", str(ratio)),
            postings_sql=_INSERT_POSTINGS, chunk=CHUNK,
            report=lambda line: print(line, flush=True),
        )  # fmt: skip
        vacuum(url, "entries, entry_postings")
        report = midtrans_report(rows, ratio)
        print(f"set-up took {time.perf_counter() - began:.0f} s; report {len(report):,} bytes")

        database = Database.from_settings(settings)
        try:
            started = time.perf_counter()
            result = reconcile_report(database, report, report_format="midtrans")
            wall = time.perf_counter() - started
        finally:
            database.dispose()

    expected = {
        "matched": rows - 2,
        "amount_mismatch": 1,
        "currency_mismatch": 0,
        "missing_in_ledger": 1,
        "missing_in_report": 1,
        "duplicate": 1,
    }
    t = result.timing
    print()
    print(f"{'step':<40}{'wall s':>9}{'CPU s':>9}")
    for name, value, cpu in (
        ("read the report (parse, exact amounts)", t.report, t.cpu_report),
        ("read the ledger (one streaming query)", t.ledger, t.cpu_ledger),
        ("match and build the statement", t.matching, t.cpu_matching),
        ("store (record leaf, statement, commit)", t.storing, t.cpu_storing),
    ):
        print(f"{name:<40}{value:>9.2f}{cpu:>9.2f}")
    cpu_total = t.cpu_report + t.cpu_ledger + t.cpu_matching + t.cpu_storing
    print(f"{'total (reconcile_report)':<40}{wall:>9.2f}{cpu_total:>9.2f}"
          f"   target <= {TARGET_SECONDS:.0f} s (wall)")  # fmt: skip
    print(f"CPU: this process's; wall minus CPU is waiting on PostgreSQL or, on a busy "
          f"machine, for a core (load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores)")  # fmt: skip
    print()
    print(f"counts: {result.counts}")
    ok = result.counts == expected
    print(f"{'ok' if ok else 'FAILED'}: the findings are exactly the four planted differences")
    within = wall <= TARGET_SECONDS
    print(
        f"result: {wall:.2f} s for {rows:,} rows against {rows * ratio:,} entries"
        f" ({'within' if within else 'OVER'} the {TARGET_SECONDS:.0f} s target)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
