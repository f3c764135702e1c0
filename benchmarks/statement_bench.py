"""Statement benchmark: the account lines tree and account index of a batch of 1M entries
over 100k accounts on PostgreSQL, and the size and verify time of one line proof.

Set-up (not timed), on a fresh database ``anchor_bench_statement_<random>``: migrate;
generate the entries and their two postings each inside PostgreSQL (``INSERT ... SELECT
FROM generate_series``): entry ``i`` pays ``(i % 997 + 1) * 1000`` from
``wallet:user:<i % 90000>`` to ``creator:<i % 10000>:payouts`` (IDR; USD every tenth), so
the batch touches 100,000 accounts; ``VACUUM ANALYZE``.

Timed, in this order:

1. :meth:`StatementTreeRepository.build` alone (from its ``grouped_postings``), in a
   transaction rolled back afterwards: wall time beside the 60 s target, this process's
   CPU and the CPU of the database's PostgreSQL backends (from ``/proc``: database and
   client share the machine's cores; the grouping runs on a second connection), and this
   process's peak RSS (the set-up generates everything server-side, so the peak is the
   build's);
2. the whole seal of the batch (:func:`seal_pending`, its split with ``trees`` apart);
3. the head anchored on a local ganache by the service's Anchorer, then line proofs of
   200 random accounts from :class:`StatementProofService`: the largest compact JSON
   size beside the 2 kB target (the proof part: line and path; and the whole
   self-contained file, statement and anchor included), and the median time of
   :func:`verify_statement_proof` without the chain (the Merkle-sum checks; the chain
   reads are network round trips, the same as for bundles) beside the 5 ms target.

    .venv/bin/python benchmarks/statement_bench.py            # 1M entries, 100k accounts
    .venv/bin/python benchmarks/statement_bench.py --quick    # 100k entries, 20k accounts
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

from bench_support import generate_entries, throwaway_database, vacuum
from proof_bench import anchor_head
from sqlalchemy import text
from sqlalchemy.orm import Session

from anchor_service.db import migrate
from anchor_service.db.repositories.statements import StatementTreeRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.dev import DevChain, free_port
from anchor_service.services.sealing import seal_pending
from anchor_service.services.statement_proofs import StatementProofService
from anchor_service.settings import Settings
from anchor_service.verifier import Status
from anchor_service.verifier.statement_checks import verify_statement_proof
from anchor_service.verifier.statement_proof import dump_statement_proof

TARGET_SECONDS = 60.0
TARGET_PROOF_BYTES = 2048
TARGET_VERIFY_MS = 5.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

_INSERT_ENTRIES = """
INSERT INTO entries (leaf_index, external_id, document, salt, leaf_hash, content_hash, received_at)
SELECT i, 'bench-' || lpad(i::text, 10, '0'), document, salt,
       sha256('\\x00'::bytea || document), sha256(document), :received_at
FROM (
  SELECT i, substring(sha256(int8send(i)) FROM 1 FOR 16) AS salt,
         convert_to(format(
           '{"external_id":"bench-%s","occurred_at":"2026-11-21T01:15:00Z","postings":['
           '{"account":"wallet:user:%s","amount":"-%s","currency":"%s"},'
           '{"account":"creator:%s:payouts","amount":"%s","currency":"%s"}],"salt":"%s"}',
           lpad(i::text, 10, '0'), i % :users, (i % 997 + 1) * 1000,
           CASE WHEN i % 10 = 0 THEN 'USD' ELSE 'IDR' END,
           i % :creators, (i % 997 + 1) * 1000, CASE WHEN i % 10 = 0 THEN 'USD' ELSE 'IDR' END,
           encode(substring(sha256(int8send(i)) FROM 1 FOR 16), 'hex')), 'UTF8') AS document
  FROM generate_series(CAST(:start AS bigint), CAST(:stop AS bigint) - 1) AS i
) AS built
"""

_INSERT_POSTINGS = """
INSERT INTO entry_postings (leaf_index, position, account, currency, amount)
SELECT i, p,
       CASE WHEN p = 0 THEN 'wallet:user:' || (i % :users)
            ELSE 'creator:' || (i % :creators) || chr(58) || 'payouts' END,
       CASE WHEN i % 10 = 0 THEN 'USD' ELSE 'IDR' END,
       CASE WHEN p = 0 THEN -1 ELSE 1 END * (i % 997 + 1) * 1000
FROM generate_series(CAST(:start AS bigint), CAST(:stop AS bigint) - 1) AS i,
     (VALUES (0), (1)) AS positions (p)
ORDER BY i, p
"""


def step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) of the PostgreSQL backend ``pid``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


_BACKENDS = (
    "SELECT pid FROM pg_stat_activity"
    " WHERE datname = current_database() AND backend_type = 'client backend'"
)


def backends_cpu(session: Session) -> dict[int, float]:
    """CPU seconds of every backend of this database (the build groups the postings on a
    second pooled connection: its backend works beside the session's). The activity view
    is a snapshot kept for the transaction: cleared first, to see backends started since."""
    session.execute(text("SELECT pg_stat_clear_snapshot()"))
    return {int(pid): backend_cpu(int(pid)) for pid in session.scalars(text(_BACKENDS))}


def time_build(database: Database, count: int) -> dict[str, float]:
    """Build the trees of ``[0, count)`` once (rolled back): wall and CPU seconds."""
    with unit_of_work(database.writer) as session:
        db_before, cpu_before = backends_cpu(session), time.process_time()
        began = time.perf_counter()
        trees = StatementTreeRepository(session)
        with trees.grouped_postings(0, count) as groups:
            built = trees.build(10**6, groups)
        wall = time.perf_counter() - began
        cpu = time.process_time() - cpu_before
        db_after = backends_cpu(session)
        db_cpu = sum(used - db_before.get(pid, 0.0) for pid, used in db_after.items())
        session.rollback()
    step(f"  {built.lines:,} lines, {built.index_size:,} index leaves")
    return {"wall": wall, "python": cpu, "postgres": db_cpu}


def _accounts(sql: str, users: int, creators: int) -> str:
    """``sql`` with the numbers of accounts in place of ``:users`` and ``:creators``."""
    return sql.replace(":users", str(users)).replace(":creators", str(creators))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100k entries, 20k accounts")
    args = parser.parse_args()
    count = 100_000 if args.quick else args.entries
    users, creators = (18_000, 2_000) if args.quick else (90_000, 10_000)
    print(f"statement benchmark: {count:,} entries over {users + creators:,} accounts (PostgreSQL)")
    with throwaway_database("anchor_bench_statement") as url:
        settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
        migrate.upgrade(settings)
        generate_entries(url, 0, count, chunk=1_000_000, report=step,
                         entries_sql=_accounts(_INSERT_ENTRIES, users, creators),
                         postings_sql=_accounts(_INSERT_POSTINGS, users, creators))  # fmt: skip
        vacuum(url, "entries, entry_postings")
        database = Database.from_settings(settings)
        try:
            step("building the statement trees (timed) ...")
            build = time_build(database, count)
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            step("sealing the batch ...")
            [batch] = seal_pending(database, settings, max_batch_entries=count)
            with DevChain(Path(os.environ.get("TMPDIR", "/tmp")), port=free_port()) as chain:
                anchor_head(database, settings, chain)
            accounts = [f"wallet:user:{n}" for n in random.sample(range(users), 100)]
            accounts += [f"creator:{n}:payouts" for n in random.sample(range(creators), 100)]
            with unit_of_work(database.reader) as session:
                service = StatementProofService(session)
                proofs = [service.line_proof(batch.seq, account) for account in accounts]
                history = service.history_proof(batch.seq, accounts[-1])
        finally:
            database.dispose()

    files = [dump_statement_proof(proof) for proof in proofs]
    parts = [
        len(json.dumps({"line": p.line, "position": p.position, "path": p.path},
                       separators=(",", ":")))
        for p in proofs
    ]  # fmt: skip
    times = []
    for proof in proofs:
        for _ in range(5):
            began = time.perf_counter()
            report = verify_statement_proof(proof, None, min_confirmations=0)
            times.append((time.perf_counter() - began) * 1000)
            if report.status is not Status.UNPINNED:  # offline: every Merkle check passed
                raise SystemExit(f"a proof does not verify: {report.to_json()}")
    verify_ms = statistics.median(times)
    t = batch.timings
    rows = [
        ("statement trees (build alone, wall)", f"{build['wall']:.2f} s",
         f"target <= {TARGET_SECONDS:.0f} s"),
        ("  CPU: this process (Python)", f"{build['python']:.2f} s", ""),
        ("  CPU: PostgreSQL backends", f"{build['postgres']:.2f} s", ""),
        ("  peak RSS of this process", f"{peak_mb:.0f} MB", ""),
        ("whole seal (wall)", f"{t.total:.2f} s",
         f"read {t.read:.2f}, hash {t.hash:.2f}, statement {t.statement:.2f}, "
         f"trees {t.trees:.2f}, store {t.store:.2f}"),
        ("line proof: line + path (largest of 200)", f"{max(parts):,} B",
         f"target <= {TARGET_PROOF_BYTES:,} B"),
        ("line proof file, self-contained (largest)", f"{max(map(len, files)):,} B", ""),
        ("verify one line proof (median, no chain)", f"{verify_ms:.2f} ms",
         f"target <= {TARGET_VERIFY_MS:.0f} ms"),
        (f"history proof file of {history.account}",
         f"{len(dump_statement_proof(history)):,} B", f"{len(history.entries)} entries"),
    ]  # fmt: skip
    print()
    for name, value, note in rows:
        print(f"{name:<46}{value:>12}   {note}")
    ok = (
        build["wall"] <= TARGET_SECONDS
        and max(parts) <= TARGET_PROOF_BYTES
        and verify_ms <= TARGET_VERIFY_MS
    )
    print(f"result: {'within' if ok else 'OVER'} the targets")
    return 0


if __name__ == "__main__":
    sys.exit(main())
