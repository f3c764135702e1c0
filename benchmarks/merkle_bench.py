"""Benchmark of anchor_service.merkle, with pymerkle on the same data for comparison.

Prints a table of figures beside the targets of issue 3. From the repository root:

    .venv/bin/python benchmarks/merkle_bench.py            # full run, about a minute
    .venv/bin/python benchmarks/merkle_bench.py --quick    # smaller sizes, a few seconds

Figures are wall-clock times in this one process (best of --repeat where it
says so), with garbage collection paused while timing. The header shows the
load average: other processes on the machine slow every figure down.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from anchor_service.merkle import (
    STORED_LEVELS,
    CompactRange,
    MemoryTileStore,
    append_to_tiles,
    consistency_nodes,
    hash_leaves,
    inclusion_nodes,
    root,
    tile_levels,
    tiles_for_nodes,
    verify_consistency,
    verify_inclusion,
)

T = TypeVar("T")

ROOT_1M_TARGET_S = 1.2
PYMERKLE_SPEEDUP_TARGET = 4.0
VERIFY_RATE_TARGET = 50_000
FULL: dict[str, Any] = dict(
    root_sizes="1e6,1e7", base=10_000_000, append=1_000_000, pymerkle_size=1_000_000,
    proofs=2_000, verifications=200_000, repeat=3,
)  # fmt: skip
QUICK: dict[str, Any] = dict(
    root_sizes="1e5,1e6", base=1 << 20, append=100_000, pymerkle_size=100_000,
    proofs=300, verifications=50_000, repeat=1,
)  # fmt: skip


@dataclass
class Table:
    """Rows of (section, measurement, result, target, met?)."""

    rows: list[tuple[str, str, str, str, bool | None]] = field(default_factory=list)
    section: str = ""

    def add(self, name: str, value: str, target: str = "", ok: bool | None = None) -> None:
        self.rows.append((self.section, name, value, target, ok))

    def print(self, header: str) -> None:
        marks = {True: "ok", False: "MISSED", None: ""}
        cells = [("measurement", "result", "target", "")]
        cells += [(name, value, target, marks[ok]) for _, name, value, target, ok in self.rows]
        widths = [max(len(row[col]) for row in cells) for col in range(4)]
        line = "  ".join(f"{{:<{width}}}" for width in widths)
        print(header)
        print(line.format(*cells[0]).rstrip())
        print(line.format(*("-" * width for width in widths)))
        for index, row in enumerate(cells[1:]):
            if index and self.rows[index][0] != self.rows[index - 1][0]:
                print()
            print(line.format(*row).rstrip())
        missed = [name.strip() for _, name, _, _, ok in self.rows if ok is False]
        print("\n" + ("all targets met" if not missed else "targets missed: " + "; ".join(missed)))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark the Merkle core (roots, appends, proofs from tiles, "
        "verification) against pymerkle on the same leaves.",
        epilog="Defaults are shown as (full run / --quick). Sizes accept 1e6 notation.",
    )

    def option(name: str, kind: type, text: str) -> None:
        key = name.removeprefix("--").replace("-", "_")
        parser.add_argument(name, type=kind, help=f"{text} ({FULL[key]} / {QUICK[key]})")

    parser.add_argument("--quick", action="store_true", help="small sizes; a few seconds")
    option("--root-sizes", str, "comma-separated leaf counts for the root benchmark")
    option("--base", float, "leaves in the existing log")
    option("--append", float, "leaves appended to it")
    option("--pymerkle-size", float, "leaves given to pymerkle and to us for the comparison")
    option("--proofs", int, "inclusion and consistency proofs generated from tiles")
    option("--verifications", int, "inclusion proofs verified")
    option("--repeat", int, "best of N for timings at the 1M scale")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random leaves (1)")
    parser.add_argument("--no-pymerkle", action="store_true", help="skip the pymerkle runs")
    args = parser.parse_args(argv)
    defaults = QUICK if args.quick else FULL
    for key, default in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, default)
    args.root_sizes = [int(float(n)) for n in str(args.root_sizes).split(",")]
    for key in ("base", "append", "pymerkle_size", "proofs", "verifications", "repeat"):
        setattr(args, key, int(getattr(args, key)))
    if args.base < 2:
        parser.error("--base must be at least 2")
    return args


def timed(func: Callable[[], T], repeat: int = 1) -> tuple[float, T]:
    """Return the best wall-clock time of ``repeat`` calls and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            result = func()
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
    return best, result  # type: ignore[return-value]


def random_hashes(count: int, rng: random.Random) -> list[bytes]:
    hashes: list[bytes] = []
    for start in range(0, count, 1 << 20):
        blob = rng.randbytes(32 * min(1 << 20, count - start))
        hashes.extend(blob[pos : pos + 32] for pos in range(0, len(blob), 32))
    return hashes


def progress(message: str) -> None:
    print(f"  ... {message}", file=sys.stderr, flush=True)


def short(count: int) -> str:
    for unit, suffix in ((1_000_000, "M"), (1_000, "k")):
        if count >= unit and count % unit == 0:
            return f"{count // unit}{suffix}"
    return f"{count:,}"


def bench_roots(args: argparse.Namespace, rng: random.Random, table: Table) -> None:
    table.section = "root"
    for size in args.root_sizes:
        progress(f"root of {short(size)} leaf hashes")
        leaves = random_hashes(size, rng)
        seconds, _ = timed(partial(root, leaves), args.repeat if size <= 2_000_000 else 1)
        target = f"<= {ROOT_1M_TARGET_S} s" if size == 1_000_000 else ""
        ok = seconds <= ROOT_1M_TARGET_S if size == 1_000_000 else None
        table.add(f"root of {short(size)} leaf hashes", f"{seconds:.3f} s", target, ok)
        table.add("  node hashes per second", f"{(size - 1) / seconds:,.0f}")


def _extended(
    start: CompactRange, batch: list[bytes], levels: Container[int] | None = None
) -> CompactRange:
    compact = start.copy()
    compact.extend(batch, levels)
    return compact


def bench_append(
    args: argparse.Namespace, base: list[bytes], rng: random.Random, table: Table
) -> MemoryTileStore:
    table.section = "append"
    batch = random_hashes(args.append, rng)
    progress(f"compact range at {short(args.base)} leaves")
    grown = CompactRange()
    grown.extend(base)
    at_base = CompactRange(grown.size, grown.hashes)  # as rebuilt from stored node hashes
    seconds_log, after = timed(partial(_extended, at_base, batch), args.repeat)
    seconds_empty, _ = timed(partial(_extended, CompactRange(), batch), args.repeat)
    seconds_tiles, _ = timed(partial(_extended, at_base, batch, STORED_LEVELS), args.repeat)
    ratio = seconds_log / seconds_empty
    table.add(
        f"append {short(args.append)} to a {short(args.base)}-leaf log (compact range)",
        f"{seconds_log:.3f} s",
    )
    table.add(
        f"  same batch onto an empty log; ratio {short(args.base)}-log/empty",
        f"{seconds_empty:.3f} s; {ratio:.2f}",
        "~1: independent of log size",
        ratio < 1.3,
    )
    table.add("  reporting only tile levels (0, 8, 16)", f"{seconds_tiles:.3f} s")
    state = f"{len(after.hashes)} hashes, {sum(sys.getsizeof(h) for h in after.hashes)} B"
    table.add(
        f"  compact range state at {short(after.size)} leaves",
        state,
        "O(log n): <= bit_length(n)",
        len(after.hashes) <= after.size.bit_length(),
    )

    progress(f"tile store with {short(args.base)} leaves")
    store = MemoryTileStore()
    store.append(base)
    reads = store.tile_reads
    seconds, update = timed(
        partial(append_to_tiles, store.size, batch, store.read_tiles, store.root)
    )
    table.add(
        f"seal {short(args.append)} into the {short(args.base)}-leaf tile store",
        f"{seconds:.3f} s; {store.tile_reads - reads} tiles read, {len(update.tiles)} to write",
    )
    if update.root != after.root():
        raise SystemExit("tile store and compact range disagree on the root")
    return store


def bench_proofs(
    args: argparse.Namespace, store: MemoryTileStore, rng: random.Random, table: Table
) -> None:
    table.section = "proofs"
    size = store.size
    progress(f"{args.proofs} inclusion and consistency proofs from tiles")
    incl = [(rng.randrange(s), s) for s in (rng.randint(1, size) for _ in range(args.proofs))]
    cons = [(rng.randint(1, s), s) for s in (rng.randint(1, size) for _ in range(args.proofs))]
    seconds_incl, _ = timed(lambda: [store.inclusion_proof(i, s) for i, s in incl], args.repeat)
    seconds_cons, _ = timed(lambda: [store.consistency_proof(a, b) for a, b in cons], args.repeat)
    nodes = [len(inclusion_nodes(i, s).ids) for i, s in incl]
    tiles = [len(tiles_for_nodes(inclusion_nodes(i, s).ids)) for i, s in incl]
    tiles += [len(tiles_for_nodes(consistency_nodes(a, b).ids)) for a, b in cons]
    bound = 3 * len(tile_levels(size))
    table.add(
        f"inclusion proofs from tiles ({short(size)} log)", f"{args.proofs / seconds_incl:,.0f} /s"
    )
    table.add(
        f"consistency proofs from tiles ({short(size)} log)",
        f"{args.proofs / seconds_cons:,.0f} /s",
    )
    table.add(
        "  node reads per inclusion proof (mean, max)",
        f"{sum(nodes) / len(nodes):.1f}, {max(nodes)}",
        f"<= 2*bit_length+1 = {2 * size.bit_length() + 1}",
        max(nodes) <= 2 * size.bit_length() + 1,
    )
    table.add(
        "  tile reads per proof (max)",
        str(max(tiles)),
        f"<= {bound} (3 per tile level)",
        max(tiles) <= bound,
    )


def bench_verify(
    args: argparse.Namespace,
    store: MemoryTileStore,
    base: list[bytes],
    rng: random.Random,
    table: Table,
) -> None:
    table.section = "verify"
    depth = min(20, store.size.bit_length() - 1)
    size = 1 << depth
    tree_root = store.root_at(size)
    samples = [(i, base[i], store.inclusion_proof(i, size)) for i in rng.sample(range(size), 1000)]
    work = [samples[i % len(samples)] for i in range(args.verifications)]
    progress(f"verifying {args.verifications:,} inclusion proofs of depth {depth}")
    seconds, results = timed(
        lambda: [verify_inclusion(i, size, leaf, proof, tree_root) for i, leaf, proof in work],
        args.repeat,
    )
    if not all(results) or any(len(proof) != depth for _, _, proof in samples):
        raise SystemExit("a valid inclusion proof failed to verify")
    rate = args.verifications / seconds
    table.add(
        f"verify_inclusion, depth {depth}",
        f"{rate:,.0f} /s",
        f">= {VERIFY_RATE_TARGET:,} /s",
        rate >= VERIFY_RATE_TARGET if depth == 20 else None,
    )
    olds = [rng.randint(1, size - 1) for _ in range(200)]
    cons = [(o, store.consistency_proof(o, size), store.root_at(o)) for o in olds]
    work_cons = [cons[i % len(cons)] for i in range(args.verifications // 2)]
    seconds, results = timed(
        lambda: [verify_consistency(o, size, p, r, tree_root) for o, p, r in work_cons],
        args.repeat,
    )
    if not all(results):
        raise SystemExit("a valid consistency proof failed to verify")
    table.add(f"verify_consistency, new size 2^{depth}", f"{len(work_cons) / seconds:,.0f} /s")


def bench_pymerkle(args: argparse.Namespace, rng: random.Random, table: Table) -> None:
    table.section = "pymerkle"
    try:
        from pymerkle import InmemoryTree, SqliteTree
    except ImportError:
        table.add("pymerkle", "not installed; skipped")
        return
    n = short(args.pymerkle_size)
    entries = random_hashes(args.pymerkle_size, rng)  # raw leaf data; pymerkle hashes it itself
    progress(f"ours on {n} entries")
    seconds_hash, leaves = timed(partial(hash_leaves, entries), args.repeat)
    seconds_root, ours = timed(partial(root, leaves), args.repeat)
    total = seconds_hash + seconds_root
    table.add(f"ours: root of {n} leaf hashes", f"{seconds_root:.3f} s")
    table.add(f"ours: {n} entries -> hash_leaves -> root", f"{total:.3f} s")

    progress(f"pymerkle SqliteTree on {n} entries")
    with tempfile.TemporaryDirectory() as folder:
        tree = SqliteTree(os.path.join(folder, "bench.db"))
        try:
            seconds_load, _ = timed(partial(tree.append_entries, entries))
            seconds_proot, theirs = timed(tree.get_root)
        finally:
            tree.close()
    sqlite = seconds_load + seconds_proot
    table.add(
        f"pymerkle sqlite: append_entries + get_root ({n})",
        f"{sqlite:.3f} s ({seconds_load:.2f} + {seconds_proot:.2f})",
    )
    table.add(
        "  our/their time, entries to root",
        f"{total / sqlite:.3f} ({sqlite / total:.1f}x faster)",
        f">= {PYMERKLE_SPEEDUP_TARGET:.0f}x faster",
        sqlite / total >= PYMERKLE_SPEEDUP_TARGET,
    )
    table.add(
        "  our/their time, our root vs their whole run",
        f"{seconds_root / sqlite:.3f} ({sqlite / seconds_root:.1f}x faster)",
    )
    table.add(
        "  our/their time, root from stored leaf hashes only",
        f"{seconds_root / seconds_proot:.3f} ({seconds_proot / seconds_root:.1f}x faster)",
    )

    progress(f"pymerkle InmemoryTree on {n} entries")
    memory_tree = InmemoryTree()
    seconds_mload, _ = timed(partial(memory_tree.append_entries, entries))
    seconds_mroot, theirs_memory = timed(memory_tree.get_root)
    memory = seconds_mload + seconds_mroot
    table.add(f"pymerkle memory: append_entries + get_root ({n})", f"{memory:.3f} s")
    table.add(
        "  our/their time, entries to root", f"{total / memory:.3f} ({memory / total:.1f}x faster)"
    )
    if theirs != ours or theirs_memory != ours:
        raise SystemExit("pymerkle and anchor_service.merkle disagree on the root")
    table.add("  roots identical to ours", "yes (checked)")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    table = Table()
    started, load = time.perf_counter(), os.getloadavg()[0]
    bench_roots(args, rng, table)
    base = random_hashes(args.base, rng)
    store = bench_append(args, base, rng, table)
    bench_proofs(args, store, rng, table)
    bench_verify(args, store, base, rng, table)
    del store, base
    if not args.no_pymerkle:
        bench_pymerkle(args, rng, table)
    table.print(
        f"anchor_service.merkle benchmark: Python {sys.version.split()[0]}, {os.cpu_count()} "
        f"CPUs, load average {load:.2f} -> {os.getloadavg()[0]:.2f}, seed {args.seed}, "
        f"{time.perf_counter() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
