"""Benchmark of offline proof-bundle verification (the Merkle checks, no chain).

Builds a log of --log-size leaves (--bundles of them real entries from the ledger's
encoder, the rest random leaf hashes), makes one proof bundle per real entry, serialises
them, then times:

- ``parse + verify``: ``verify_bundle(parse_bundle(json_bytes), None, ...)``, what an
  auditor with bundle files does (target: >= 20,000 bundles/s, issue 6);
- ``verify only``: ``verify_bundle`` on already parsed bundles;
- ``parse only``: ``parse_bundle``.

One process, one core; best of --repeat with garbage collection paused while timing.
The header shows the load average: other processes slow every figure down. From the
repository root::

    .venv/bin/python benchmarks/verify_bench.py            # log of 2^20 leaves
    .venv/bin/python benchmarks/verify_bench.py --quick    # log of 2^16 leaves
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from anchor_service.ledger import encode_entry, parse_entry
from anchor_service.merkle import MemoryTileStore
from anchor_service.verifier import AnchorRef, ProofBundle, dump_bundle, parse_bundle, verify_bundle

T = TypeVar("T")
TARGET_PER_S = 20_000


def timed(func: Callable[[], T], repeat: int) -> tuple[float, float, T]:
    """The best wall-clock and CPU times of ``repeat`` calls, and the last result."""
    wall = cpu = float("inf")
    result = None
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start, start_cpu = time.perf_counter(), time.process_time()
            result = func()
            wall = min(wall, time.perf_counter() - start)
            cpu = min(cpu, time.process_time() - start_cpu)
        finally:
            gc.enable()
    return wall, cpu, result  # type: ignore[return-value]


def entry_json(number: int, rng: random.Random) -> str:
    amount = rng.randrange(1, 10**9)
    payer = {"account": f"wallet:user:{rng.randrange(10**6)}", "amount": str(-amount),
             "currency": "IDR"}  # fmt: skip
    payee = {"account": f"escrow:project:{rng.randrange(1000)}", "amount": str(amount),
             "currency": "IDR"}  # fmt: skip
    entry = {
        "external_id": f"pay-2026-11-21-{number:08d}",
        "occurred_at": "2026-11-21T08:15:00+07:00",
        "description": f"Contribution to project {rng.randrange(1000)}",
        "postings": [payer, payee],
        "metadata": {"gateway": "midtrans", "gateway_ref": f"MT-{rng.randrange(10**8)}"},
    }
    return json.dumps(entry)


def build_bundles(log_size: int, count: int, rng: random.Random) -> list[bytes]:
    """``count`` serialised bundles of real entries at random places in a log of ``log_size``."""
    positions = sorted(rng.sample(range(log_size), count))
    entries = {
        index: encode_entry(parse_entry(entry_json(index, rng)), max_metadata_bytes=4096)
        for index in positions
    }
    leaves = [
        entries[index].leaf_hash if index in entries else rng.randbytes(32)
        for index in range(log_size)
    ]
    store = MemoryTileStore()
    for start in range(0, log_size, 1 << 16):
        store.append(leaves[start : start + (1 << 16)])
    anchor = AnchorRef(1337, "0x" + rng.randbytes(20).hex(), 0, rng.randbytes(32), 12)
    statement_hash = rng.randbytes(32)
    bundles = [
        ProofBundle(
            entry=json.loads(entries[index].document),
            leaf_index=index,
            leaf_hash=entries[index].leaf_hash,
            tree_size=log_size,
            root=store.root,
            path=tuple(store.inclusion_proof(index, log_size)),
            statement_hash=statement_hash,
            anchor=anchor,
        )
        for index in positions
    ]
    return [dump_bundle(bundle, indent=None) for bundle in bundles]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark offline bundle verification.")
    parser.add_argument("--quick", action="store_true", help="a log of 2^16 leaves")
    parser.add_argument("--log-size", type=int, help="leaves in the log (2^20; quick 2^16)")
    parser.add_argument("--bundles", type=int, default=20_000, help="bundles (20000)")
    parser.add_argument("--repeat", type=int, default=5, help="best of N (5)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    args = parser.parse_args(argv)
    log_size = args.log_size or (1 << 16 if args.quick else 1 << 20)
    if not 1 <= args.bundles <= log_size:
        parser.error("--bundles must be between 1 and the log size")
    rng = random.Random(args.seed)
    load = os.getloadavg()[0]

    started = time.perf_counter()
    raws = build_bundles(log_size, args.bundles, rng)
    built = time.perf_counter() - started
    parsed = [parse_bundle(raw) for raw in raws]

    def parse_and_verify() -> int:
        return sum(verify_bundle(parse_bundle(r), None, min_confirmations=0).valid for r in raws)

    def verify_only() -> int:
        return sum(verify_bundle(b, None, min_confirmations=0).valid for b in parsed)

    def parse_only() -> int:
        return len([parse_bundle(raw) for raw in raws])

    rows = []
    for name, func, target in [
        ("parse + verify", parse_and_verify, TARGET_PER_S),
        ("verify only", verify_only, None),
        ("parse only", parse_only, None),
    ]:
        wall, cpu, result = timed(func, args.repeat)
        if result != len(raws):
            print(f"error: {name}: {result} of {len(raws)} bundles valid", file=sys.stderr)
            return 1
        rows.append((name, len(raws) / wall, len(raws) / cpu, target))

    mean_bytes = sum(map(len, raws)) / len(raws)
    print(
        f"offline bundle verification: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"load average {load:.2f} -> {os.getloadavg()[0]:.2f}, seed {args.seed}\n"
        f"log of {log_size} leaves ({len(parsed[0].path)} path hashes per bundle), "
        f"{len(raws)} bundles of {mean_bytes:.0f} bytes, built in {built:.1f} s, "
        f"best of {args.repeat}, one core\n"
        "(wall: elapsed time, the figure held to the target; cpu: this process's CPU time,\n"
        " close to wall on a quiet machine, higher than it when other processes compete)\n"
    )
    print(f"{'measurement':<16}  {'wall /s':>8}  {'cpu /s':>8}  target")
    missed = []
    for name, wall_rate, cpu_rate, target in rows:
        verdict = ""
        if target is not None:
            verdict = f">= {target:,} " + ("ok" if wall_rate >= target else "MISSED")
            if wall_rate < target:
                missed.append(name)
        print(f"{name:<16}  {wall_rate:>8,.0f}  {cpu_rate:>8,.0f}  {verdict}".rstrip())
    print("\n" + ("all targets met" if not missed else "targets missed: " + ", ".join(missed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
