"""Seal benchmark: seal 1M new entries on top of a 10M-entry log, on PostgreSQL.

Set-up (not timed), on a fresh database ``anchor_bench_seal_<random>``:

1. migrate; generate the existing log's entries and postings inside PostgreSQL
   (``INSERT ... SELECT FROM generate_series``: realistic documents of ~330 bytes, two
   postings each, IDR and every tenth entry USD). Leaf hashes are synthetic,
   ``SHA-256(int8send(i))``, so Python can recompute them without reading anything;
2. seal the existing log with the service itself (one batch: builds its tiles with the
   merkle package and stores them);
3. generate the new pending entries the same way, then ``VACUUM ANALYZE`` and
   ``CHECKPOINT`` (autovacuum does the same to a day of inserts in production).

Timed: :func:`anchor_service.services.sealing.seal_pending` over the new entries (one
batch), with its split: read (leaf hashes), hash (tree extension), trees (the one pass
over the postings: their sums, statement version 2's account lines and index), statement
(the document and its checks), store (tiles, batch row, commit). Then checked: the root
equals the root Python computes over all leaf hashes, the statement's totals equal the
generated amounts. Drops the database at the end.

    .venv/bin/python benchmarks/seal_bench.py            # 10M existing + 1M new (~5 min)
    .venv/bin/python benchmarks/seal_bench.py --quick    # 100k + 100k
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Iterator

from bench_support import generate_entries, throwaway_database, vacuum

from anchor_service.db import migrate
from anchor_service.db.session import Database
from anchor_service.merkle import CompactRange
from anchor_service.services.sealing import SealedBatch, seal_pending
from anchor_service.settings import Settings

TARGET_SECONDS = 5.0
CHUNK = 1_000_000

_INSERT_ENTRIES = """
INSERT INTO entries (leaf_index, external_id, document, salt, leaf_hash, content_hash, received_at)
SELECT i,
       'bench-' || lpad(i::text, 10, '0'),
       convert_to(format(
         '{"description":"Contribution to project %s","external_id":"bench-%s",'
         '"metadata":{"gateway":"midtrans","gateway_ref":"MT-%s"},'
         '"occurred_at":"2026-11-21T01:15:00Z","postings":['
         '{"account":"wallet:user:%s","amount":"-%s","currency":"%s"},'
         '{"account":"escrow:project:%s","amount":"%s","currency":"%s"}],'
         '"salt":"%s"}',
         i % 50, lpad(i::text, 10, '0'), i, i % 1000, (i % 997 + 1) * 1000,
         CASE WHEN i % 10 = 0 THEN 'USD' ELSE 'IDR' END,
         i % 50, (i % 997 + 1) * 1000, CASE WHEN i % 10 = 0 THEN 'USD' ELSE 'IDR' END,
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
       CASE WHEN i % 10 = 0 THEN 'USD' ELSE 'IDR' END,
       CASE WHEN p = 0 THEN -1 ELSE 1 END * (i % 997 + 1) * 1000
FROM generate_series(CAST(:start AS bigint), CAST(:stop AS bigint) - 1) AS i,
     (VALUES (0), (1)) AS positions (p)
ORDER BY i, p
"""


def leaf_hashes(start: int, stop: int) -> Iterator[bytes]:
    """The synthetic leaf hashes the set-up SQL stores: SHA-256 of int8send(i)."""
    for i in range(start, stop):
        yield hashlib.sha256(i.to_bytes(8, "big", signed=True)).digest()


def expected_totals(start: int, stop: int) -> dict[str, dict[str, str]]:
    totals = {"IDR": 0, "USD": 0}
    for i in range(start, stop):
        totals["USD" if i % 10 == 0 else "IDR"] += (i % 997 + 1) * 1000
    return {cur: {"credits": str(v), "debits": str(v)} for cur, v in totals.items() if v}


def _generate(url: str, start: int, stop: int) -> None:
    """Insert entries [start, stop) and their postings, and move the log counter."""
    generate_entries(url, start, stop, entries_sql=_INSERT_ENTRIES,
                     postings_sql=_INSERT_POSTINGS, chunk=CHUNK,
                     report=lambda line: print(line, flush=True))


def seal_once(database: Database, settings: Settings, count: int) -> SealedBatch:
    batches = seal_pending(database, settings, max_batch_entries=count)
    if len(batches) != 1 or batches[0].entry_count != count:
        raise SystemExit(f"expected one batch of {count} entries, got {batches}")
    return batches[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--existing", type=int, default=10_000_000, help="entries sealed before")
    parser.add_argument("--new", type=int, default=1_000_000, help="entries to seal, timed")
    parser.add_argument("--quick", action="store_true", help="100k existing + 100k new")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    args = parser.parse_args()
    existing, new = (100_000, 100_000) if args.quick else (args.existing, args.new)
    if new < 1:
        parser.error("--new must be at least 1")

    print(f"seal benchmark: {new:,} new entries on a log of {existing:,} (PostgreSQL)")
    with throwaway_database("anchor_bench_seal", keep=args.keep) as url:
        settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
        migrate.upgrade(settings)
        database = Database.from_settings(settings)
        try:
            began = time.perf_counter()
            if existing:
                _generate(url, 0, existing)
                vacuum(url, "entries, entry_postings, merkle_tiles")
                setup = seal_once(database, settings, existing)
                print(f"  sealed the existing log in {setup.timings.total:.1f} s (set-up)")
            _generate(url, existing, existing + new)
            vacuum(url, "entries, entry_postings, merkle_tiles")
            print(f"set-up took {time.perf_counter() - began:.0f} s; sealing {new:,} entries")

            started = time.perf_counter()
            batch = seal_once(database, settings, new)
            wall = time.perf_counter() - started

            compact = CompactRange()
            for begin in range(0, existing + new, CHUNK):
                compact.extend(list(leaf_hashes(begin, min(existing + new, begin + CHUNK))))
            statement = json.loads(batch.statement)
            checks = {
                "root equals the root of all leaf hashes": batch.root == compact.root(),
                "statement totals equal the generated amounts": statement["totals"]
                == expected_totals(existing, existing + new),
            }
        finally:
            database.dispose()

    t = batch.timings
    print()
    print(f"{'step':<36}{'seconds':>9}")
    for name, value in (
        ("read (leaf hashes)", t.read),
        ("hash (extend tree from tiles)", t.hash),
        ("trees (postings summed, both trees)", t.trees),
        ("statement (document, checks)", t.statement),
        ("store (tiles, batch row, commit)", t.store),
    ):
        print(f"{name:<36}{value:>9.2f}")
    print(f"{'total (seal_pending, wall)':<36}{wall:>9.2f}   target <= {TARGET_SECONDS:.0f} s")
    print()
    for check, passed in checks.items():
        print(f"{'ok' if passed else 'FAILED'}: {check}")
    within = wall <= TARGET_SECONDS
    print(f"result: {wall:.2f} s for {new:,} entries on top of {existing:,}"
          f" ({'within' if within else 'OVER'} the {TARGET_SECONDS:.0f} s target)")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
