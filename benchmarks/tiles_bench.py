"""Tiles benchmark: ``GET /tlog/tile/...`` through the API and from the exported directory
served by nginx in front of the API, beside ``GET /v1/entries/{id}/proof``, in the same
run, on one PostgreSQL log (10M entries by default); then the bytes per entry on disk.

Set-up (not timed), on a fresh database ``anchor_bench_proof_<random>``: the log of the
proof benchmark (``proof_bench.build``: entries generated inside PostgreSQL, sealed by the
service, the head anchored on a private ganache), then ``anchor-service tiles export``
into a temporary directory (timed and printed: the export rate), served by nginx (the
Debian package; ``make benchmark-tiles`` installs it when missing) with the repository's
own configuration, ``deploy/nginx/anchor-tlog.conf.template`` (tiles from the export,
everything else proxied to the API; ``anchor_service.dev.nginx`` renders it for a free
port), in front of the API: the layout operators deploy.

Timed, one after the other for ``--seconds`` each, with ``--clients`` keep-alive
connections over loopback (pre-built requests on asyncio streams):

1. ``GET /v1/entries/{id}/proof`` of random entries (API, auditor key);
2. ``GET /tlog/tile/<L>/<N>[.p/<W>]`` of random hash tiles of the published tree (API);
3. the same paths through nginx, served from the exported directory.

Prints req/s and latency percentiles beside the targets, req/s per core the server used,
and the CPU split (server or nginx, PostgreSQL, client, others). Client, server,
PostgreSQL and ganache share the machine's cores. Last, the bytes per entry on disk
(``storage``): each PostgreSQL table with its indexes, the exported tiles, the total.

Set-up time on this 2-core machine for 10M entries: about 8 minutes when it is quiet
(``proof_bench``), 15 when busy with other work (generating 11, sealing 2.3, anchoring and
vacuum 1.6), plus the export (39,217 files, 322 MB: 35 s).

    .venv/bin/python benchmarks/tiles_bench.py --quick           # 200k entries
    .venv/bin/python benchmarks/tiles_bench.py                   # 10M entries
    .venv/bin/python benchmarks/tiles_bench.py --entries 1000000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from bench_support import api_server, keepalive_load, percentile
from proof_bench import (
    auditor_key,
    build,
    cpu_snapshot,
    database_for,
    entry_count,
    proof_requests,
    step,
)
from sqlalchemy.engine import make_url
from storage import print_bytes_per_entry

from anchor_service.dev import DevChain, free_port
from anchor_service.dev.nginx import TlogNginx, find_nginx
from anchor_service.merkle import TileClient, tile_paths

#: Targets (the issue names none for tiles; these are the project's): tiles through the
#: API at least as fast as proofs (>= 2,000 req/s), from nginx an order of magnitude more.
TARGET_API_TILES = 2_000
TARGET_NGINX_TILES = 20_000
TARGET_PROOFS = 2_000


def tile_requests(size: int, count: int = 20_000) -> list[bytes]:
    """Requests for random hash tiles of the tree of ``size`` (level 0 mostly, as a
    client computing proofs reads: one tile per level)."""
    paths = [str(path) for path in tile_paths(size)]
    rng = random.Random(11)
    return [
        f"GET /tlog/{rng.choice(paths)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
        for _ in range(count)
    ]


def measure(
    label: str,
    port: int,
    requests: list[bytes],
    args: argparse.Namespace,
    snapshot: Callable[[], dict[str, float]],
    target: float,
) -> bool:
    asyncio.run(keepalive_load(port, requests, args.clients, 2.0))  # warm-up
    before, began = snapshot(), time.perf_counter()
    rate, latencies, errors = asyncio.run(
        keepalive_load(port, requests, args.clients, args.seconds)
    )
    elapsed = time.perf_counter() - began
    after = snapshot()
    busy = {name: (after[name] - before[name]) / elapsed for name in before}
    p50, p99 = percentile(latencies, 0.50) * 1000, percentile(latencies, 0.99) * 1000
    others = busy["machine"] - busy["client"] - busy["server"] - busy["postgres"]
    met = rate >= target and errors == 0
    per_core = rate / busy["server"] if busy["server"] > 0 else 0.0
    print(
        f"{label:<34}{rate:>10,.0f}  >= {target:<8,}{p50:>8.2f}{p99:>9.2f}{errors:>8}"
        f"{per_core:>10,.0f}   server {busy['server']:.2f}, postgres {busy['postgres']:.2f}, "
        f"client {busy['client']:.2f}, other {max(others, 0):.2f}" + ("" if met else "   MISSED")
    )
    return met


def verify_export(directory: Path, api: str, nginx: str, size: int) -> None:
    """The exported root, the API's and nginx's are the same tree's; nginx serves the
    exported files themselves (an ETag: a file, not a proxied answer)."""

    def over_http(base: str) -> Callable[[str], bytes]:
        return lambda path: httpx.get(f"{base}/tlog/{path}", timeout=10).raise_for_status().content

    exported = TileClient(lambda path: (directory / path).read_bytes(), size).root()
    for name, base in (("the API", api), ("nginx", nginx)):
        served = TileClient(over_http(base), size).root()
        if exported != served:
            raise SystemExit(f"exported root {exported.hex()} != {name}'s {served.hex()}")
    first = str(next(iter(tile_paths(size))))
    if "etag" not in httpx.get(f"{nginx}/tlog/{first}", timeout=10).headers:
        raise SystemExit(f"nginx did not serve {first} from the export")


def export(url: str, directory: Path) -> None:
    """``anchor-service tiles export DIR`` (the real command), timed."""
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "anchor_service.cli", "tiles", "export", str(directory)],
        env={**os.environ, "ANCHOR_DATABASE_URL": url, "ANCHOR_LOG_LEVEL": "WARNING"},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    took = time.perf_counter() - began
    files = sum(1 for path in directory.rglob("*") if path.is_file())
    step(f"exported {files:,} tiles in {took:.1f} s ({files / took:,.0f} files/s)")


def run(url: str, args: argparse.Namespace) -> bool:
    count, registry = entry_count(url)
    token = auditor_key(url)
    name = make_url(url).database or ""
    env = {"ANCHOR_CHAIN_ID": "1337", "ANCHOR_REGISTRY_ADDRESS": registry or ""}
    with tempfile.TemporaryDirectory(prefix="tiles-export-") as export_root:
        os.chmod(export_root, 0o755)  # nginx's workers may run as another user
        directory = Path(export_root) / "tlog"
        export(url, directory)
        port = free_port()
        with (
            api_server(url, port, args.workers, env) as server,
            TlogNginx(directory, f"127.0.0.1:{port}", workers=2) as nginx,
        ):
            verify_export(directory, f"http://127.0.0.1:{port}", nginx.url, count)
            step("the export, the API and nginx give the same root; measuring ...")
            print()
            print(f"on a log of {count:,} entries (PostgreSQL), {args.workers} API workers, nginx "
                  f"2 workers ({nginx.template.relative_to(nginx.template.parents[2])}), "
                  f"{args.clients} clients, {args.seconds:.0f} s each")  # fmt: skip
            print(f"{'':<34}{'req/s':>10}  {'target':<11}{'p50 ms':>8}{'p99 ms':>9}"
                  f"{'errors':>8}{'/core':>10}   CPU cores busy (of {os.cpu_count()})")  # fmt: skip
            print("-" * 130)

            def api_cpu() -> dict[str, float]:
                return cpu_snapshot(server.pid, name)

            def nginx_cpu() -> dict[str, float]:
                return cpu_snapshot(nginx.pid, name)

            met = measure("GET /v1/entries/{id}/proof (API)", port,
                          proof_requests(count, token), args, api_cpu, TARGET_PROOFS)  # fmt: skip
            met &= measure("GET /tlog/tile/... (API)", port, tile_requests(count), args,
                           api_cpu, TARGET_API_TILES)  # fmt: skip
            met &= measure("GET /tlog/tile/... (nginx, export)", nginx.port,
                           tile_requests(count), args, nginx_cpu, TARGET_NGINX_TILES)  # fmt: skip
        print("-" * 130)
        print("'server' is the API's process tree, or nginx's for the nginx row; '/core' is req/s")
        print("per core the server used: comparable across runs on a machine busy with other work")
        print()
        print_bytes_per_entry(url, directory, count)
    print(f"result: {'targets met' if met else 'TARGETS MISSED'}")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10_000_000, help="log size")
    parser.add_argument("--quick", action="store_true", help="200k entries")
    parser.add_argument("--seconds", type=float, default=10.0, help="timed load per row")
    parser.add_argument("--clients", type=int, default=32, help="concurrent connections")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--database", help="run the load on this kept database (no set-up)")
    args = parser.parse_args()
    count = 200_000 if args.quick else args.entries
    if count < 1:
        parser.error("--entries must be at least 1")
    if find_nginx() is None:
        raise SystemExit("nginx is not installed: `make benchmark-tiles` installs the Debian "
                         "package (apt-get install nginx)")  # fmt: skip
    with database_for(args) as (url, fresh):
        if not fresh:
            return 0 if run(url, args) else 1
        step(f"tiles benchmark: building a log of {count:,} entries (PostgreSQL)")
        with (
            tempfile.TemporaryDirectory() as chain_dir,
            DevChain(Path(chain_dir), port=free_port()) as chain,
        ):
            build(url, count, chain)
            met = run(url, args)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
