"""Tiles benchmark: ``GET /tlog/tile/...`` through the API and from the exported directory
behind nginx, beside ``GET /v1/entries/{id}/proof``, in the same run, on one PostgreSQL log.

Set-up (not timed), on a fresh database ``anchor_bench_proof_<random>``: the log of the
proof benchmark (``proof_bench.build``: entries generated inside PostgreSQL, sealed by the
service, the head anchored on a private ganache), then ``anchor-service tiles export``
into a temporary directory (timed and printed: the export rate), served by a private
nginx (the Debian package; ``make benchmark-tiles`` installs it when missing) with its
own configuration in a temporary directory on a free port, as a static server would
serve it (full tiles cached for a year, partial tiles 60 s).

Timed, one after the other for ``--seconds`` each, with ``--clients`` keep-alive
connections over loopback (pre-built requests on asyncio streams):

1. ``GET /v1/entries/{id}/proof`` of random entries (API, auditor key);
2. ``GET /tlog/tile/<L>/<N>[.p/<W>]`` of random hash tiles of the published tree (API);
3. the same paths from nginx serving the exported directory.

Prints req/s and latency percentiles beside the targets, req/s per core the server used,
and the CPU split (server or nginx, PostgreSQL, client, others). Client, server,
PostgreSQL and ganache share the machine's cores.

    .venv/bin/python benchmarks/tiles_bench.py --quick           # 200k entries
    .venv/bin/python benchmarks/tiles_bench.py --entries 1000000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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

from anchor_service.dev import DevChain, free_port
from anchor_service.merkle import TileClient, tile_paths

#: Targets (the issue names none for tiles; these are the project's): tiles through the
#: API at least as fast as proofs (>= 2,000 req/s), from nginx an order of magnitude more.
TARGET_API_TILES = 2_000
TARGET_NGINX_TILES = 20_000
TARGET_PROOFS = 2_000

NGINX_CONF = """
worker_processes 2;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location /tlog/ {{
            alias {root}/;
            default_type application/octet-stream;
            add_header Cache-Control "public, max-age=31536000, immutable";
            location ~ \\.p/ {{
                add_header Cache-Control "public, max-age=60";
            }}
        }}
    }}
}}
"""


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(path).exists()),
        None,
    )
    if found is None:
        raise SystemExit(
            "nginx is not installed: `make benchmark-tiles` installs the Debian package, "
            "or run `apt-get install nginx`"
        )
    return found


@contextmanager
def nginx(root: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """A private nginx serving ``root`` at ``/tlog/`` on a free port (stopped after)."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="tiles-nginx-") as tmp:
        os.chmod(tmp, 0o755)  # nginx's workers run as another user when started as root
        conf = Path(tmp) / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=tmp, port=port, root=root))
        process = subprocess.Popen(
            [nginx_binary(), "-p", tmp, "-c", str(conf), "-e", f"{tmp}/error.log"],
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                    break
                except httpx.HTTPError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        log = Path(tmp, "error.log")
                        raise SystemExit(
                            f"nginx did not start: {log.read_text() if log.exists() else ''}"
                        ) from None
                    time.sleep(0.1)
            yield process, port
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


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


def verify_export(directory: Path, api: str, size: int) -> None:
    """The exported root equals the API's tiles' root (they are the same tree)."""
    exported = TileClient(lambda path: (directory / path).read_bytes(), size).root()
    served = TileClient(
        lambda path: httpx.get(f"{api}/tlog/{path}", timeout=10).raise_for_status().content, size
    ).root()
    if exported != served:
        raise SystemExit(f"exported root {exported.hex()} != served root {served.hex()}")


def run(url: str, args: argparse.Namespace) -> bool:
    count, registry = entry_count(url)
    token = auditor_key(url)
    name = make_url(url).database or ""
    env = {"ANCHOR_CHAIN_ID": "1337", "ANCHOR_REGISTRY_ADDRESS": registry or ""}
    with tempfile.TemporaryDirectory(prefix="tiles-export-") as export_dir:
        directory = Path(export_dir)
        os.chmod(directory, 0o755)  # readable by nginx's workers
        began = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "anchor_service.cli", "tiles", "export", str(directory)],
            env={**os.environ, "ANCHOR_DATABASE_URL": url, "ANCHOR_LOG_LEVEL": "WARNING"},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        exported = time.perf_counter() - began
        files = sum(1 for path in directory.rglob("*") if path.is_file())
        step(f"exported {files:,} tiles in {exported:.1f} s ({files / exported:,.0f} files/s)")
        port = free_port()
        with api_server(url, port, args.workers, env) as server:
            verify_export(directory, f"http://127.0.0.1:{port}", count)
            step("exported tiles give the same root as the API's; measuring ...")
            print()
            print(f"on a log of {count:,} entries (PostgreSQL), {args.workers} API workers, nginx "
                  f"2 workers, {args.clients} clients, {args.seconds:.0f} s each")  # fmt: skip
            print(f"{'':<34}{'req/s':>10}  {'target':<11}{'p50 ms':>8}{'p99 ms':>9}"
                  f"{'errors':>8}{'/core':>10}   CPU cores busy (of {os.cpu_count()})")  # fmt: skip
            print("-" * 130)

            def api_cpu() -> dict[str, float]:
                return cpu_snapshot(server.pid, name)

            met = measure("GET /v1/entries/{id}/proof (API)", port,
                          proof_requests(count, token), args, api_cpu, TARGET_PROOFS)  # fmt: skip
            met &= measure("GET /tlog/tile/... (API)", port, tile_requests(count), args,
                           api_cpu, TARGET_API_TILES)  # fmt: skip
        with nginx(directory) as (process, nginx_port):

            def nginx_cpu() -> dict[str, float]:
                return cpu_snapshot(process.pid, name)

            met &= measure("GET /tlog/tile/... (nginx, export)", nginx_port,
                           tile_requests(count), args, nginx_cpu, TARGET_NGINX_TILES)  # fmt: skip
    print("-" * 130)
    print("'server' is the API's process tree, or nginx's for the nginx row; '/core' is req/s")
    print("per core the server used: comparable across runs on a machine busy with other work")
    print(f"result: {'targets met' if met else 'TARGETS MISSED'}")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="log size")
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
    nginx_binary()
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
