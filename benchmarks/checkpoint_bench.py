"""Checkpoint latency benchmark: time from POST to a signed checkpoint containing the entry.

Creates a fresh database ``anchor_bench_<random>`` on the local PostgreSQL, migrates it,
creates a writer key and a log key, starts ``anchor-service serve --workers 2`` and
``anchor-service scheduler`` (checkpoints every ``ANCHOR_CHECKPOINT_SECONDS``, default
2 s), then:

- waits for the scheduler's first checkpoint (its start-up is not timed), then posts
  single entries at a fixed rate (default 1,000 entries/s, open loop: each send is
  scheduled, not waiting for the previous answer) over keep-alive connections for
  ``--seconds``, noting each entry's send time and leaf index (``--bulk N``: the same
  entries/s sent N at a time to ``POST /v1/entries/bulk``, as a platform service
  batching its writes would);
- polls ``GET /tlog/checkpoint`` every ``--poll`` seconds, verifying each new checkpoint's
  signature with the log's verifier key and noting when each size was first seen;
- an entry's latency is the ``signed_at`` of the first checkpoint whose size is above
  its leaf index (read from the database after the run), minus the wall-clock time its
  POST was sent; the same from the first sighting at ``/tlog/checkpoint`` is shown too
  (it adds the poll interval and the GET's own wait on a loaded API).

Prints p50/p99 beside the target (p99 <= 5 s), the rate reached, and the CPU split
(API, scheduler, PostgreSQL, client). Stops everything and drops the database.

    .venv/bin/python benchmarks/checkpoint_bench.py [--rate 1000] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from bench_support import api_server, percentile, read_response
from ingest_bench import (
    entry,
    free_port,
    fresh_database,
    machine_cpu_seconds,
    postgres_cpu_seconds,
    prepare,
    tree_cpu_seconds,
)
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from anchor_service.services.log_identity import create_log_key
from anchor_service.tlog import VerifierList, new_verifier, open_note, parse_checkpoint

TARGET_P99_SECONDS = 5.0


async def post_at_rate(
    port: int,
    token: str,
    bodies: list[bytes],
    rate: float,
    clients: int,
    answered: list[float],
    bulk: int = 1,
) -> list[tuple[float, int]]:
    """Send ``bodies`` at ``rate`` entries per second over ``clients`` connections: one
    entry per ``POST /v1/entries`` or, with ``bulk`` > 1, ``bulk`` entries per
    ``POST /v1/entries/bulk`` (requests at ``rate / bulk`` per second). Return
    ``(send time, leaf index)`` per entry (time.time, comparable with ``signed_at``);
    each POST's own latency is appended to ``answered``."""
    path = "/v1/entries" if bulk == 1 else "/v1/entries/bulk"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
    )
    if bulk > 1:
        bodies = [
            b'{"entries": [' + b", ".join(bodies[i : i + bulk]) + b"]}"
            for i in range(0, len(bodies), bulk)
        ]
        rate = rate / bulk
    sent: list[tuple[float, int]] = []
    start = time.time() + 0.2
    slots = iter(enumerate(bodies))

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for number, body in slots:
                due = start + number / rate
                delay = due - time.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                began = time.time()
                writer.write((head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body)
                status_line, answer = await read_response(reader)
                if status_line.split()[1] not in (b"200", b"201"):
                    raise RuntimeError(f"post failed: {status_line!r} {answer[:300]!r}")
                answered.append(time.time() - began)
                document = json.loads(answer)
                items = document["entries"] if bulk > 1 else [document]
                sent.extend((began, int(item["leaf_index"])) for item in items)
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(clients)))
    return sent


async def watch_checkpoints(
    base: str,
    verifier_key: str,
    poll: float,
    stop: asyncio.Event,
    sightings: list[tuple[float, int]],
) -> None:
    """Note ``(first seen, size)`` of every new checkpoint until ``stop`` is set."""
    verifiers = VerifierList(new_verifier(verifier_key))
    size = -1
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        while not stop.is_set():
            response = await client.get("/tlog/checkpoint")
            seen = time.time()
            if response.status_code == 200:
                checkpoint = parse_checkpoint(open_note(response.content, verifiers).text)
                if checkpoint.size > size:
                    size = checkpoint.size
                    sightings.append((seen, size))
            await asyncio.sleep(poll)


async def run_load(
    base: str,
    port: int,
    token: str,
    verifier_key: str,
    bodies: list[bytes],
    args: argparse.Namespace,
) -> tuple[list[tuple[float, int]], list[tuple[float, int]], float, list[float]]:
    sightings: list[tuple[float, int]] = []
    answered: list[float] = []
    stop = asyncio.Event()
    watcher = asyncio.create_task(watch_checkpoints(base, verifier_key, args.poll, stop, sightings))
    began = time.monotonic()
    sent = await post_at_rate(port, token, bodies, args.rate, args.clients, answered, args.bulk)
    load_seconds = time.monotonic() - began
    last = max(index for _, index in sent)
    deadline = time.time() + 60
    while (not sightings or sightings[-1][1] <= last) and time.time() < deadline:
        await asyncio.sleep(args.poll)
    stop.set()
    await watcher
    return sent, sightings, load_seconds, answered


def latencies(sent: list[tuple[float, int]], sightings: list[tuple[float, int]]) -> list[float]:
    """Per entry: first sighting of a checkpoint above its index minus its send time."""
    result = []
    position = 0
    for began, index in sorted(sent, key=lambda item: item[1]):
        while position < len(sightings) and sightings[position][1] <= index:
            position += 1
        if position == len(sightings):
            result.append(float("inf"))  # never seen in a checkpoint
        else:
            result.append(sightings[position][0] - began)
    return result


def wait_for_first_checkpoint(base: str, scheduler: subprocess.Popen[bytes]) -> None:
    """Wait until the scheduler leads and signed its first checkpoint (the load starts
    then: the scheduler's start-up is not part of the latency)."""
    deadline = time.monotonic() + 120
    while httpx.get(f"{base}/tlog/checkpoint", timeout=10).status_code != 200:
        if scheduler.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the scheduler signed no checkpoint")
        time.sleep(0.2)


def signed_checkpoints(url: str) -> list[tuple[float, int]]:
    """``(signed_at as a POSIX time, tree size)`` of every checkpoint, by size."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT signed_at, tree_size FROM checkpoints ORDER BY tree_size")
            ).all()
    finally:
        engine.dispose()
    return [(signed_at.timestamp(), int(size)) for signed_at, size in rows]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=1000.0, help="entries per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="load duration")
    parser.add_argument("--clients", type=int, default=32, help="connections posting")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    parser.add_argument("--poll", type=float, default=0.05, help="checkpoint poll interval")
    parser.add_argument(
        "--checkpoint-seconds", type=float, default=2.0, help="ANCHOR_CHECKPOINT_SECONDS"
    )
    parser.add_argument(
        "--bulk",
        type=int,
        default=1,
        help="entries per request: 1 posts single entries to /v1/entries; N > 1 posts N at a "
        "time to /v1/entries/bulk (the same entries/s in fewer requests)",
    )
    args = parser.parse_args()

    run_id = secrets.token_hex(3)
    count = int(args.rate * args.seconds)
    bodies = [json.dumps(entry(f"c{run_id}-{i}", 100 + i)).encode() for i in range(count)]
    with tempfile.TemporaryDirectory() as folder, fresh_database() as url:
        key_path = Path(folder) / "log.key"
        identity = create_log_key(key_path, "bench.example/anchor/checkpoints")
        token = prepare(url)
        env = {
            "ANCHOR_LOG_KEY_PATH": str(key_path),
            "ANCHOR_CHECKPOINT_SECONDS": f"{args.checkpoint_seconds:g}",
            "ANCHOR_CONFIRM_INTERVAL_SECONDS": "3600",
            "ANCHOR_AUDIT_CRON": "",
            "ANCHOR_DATA_DIR": folder,
            "ANCHOR_ENV": "production",
        }
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        database = make_url(url).database or ""
        with api_server(url, port, args.workers, env) as api:
            scheduler = subprocess.Popen(
                [sys.executable, "-m", "anchor_service.cli", "scheduler"],
                env={
                    **os.environ,
                    **env,
                    "ANCHOR_DATABASE_URL": url,
                    "ANCHOR_LOG_LEVEL": "WARNING",
                },
                start_new_session=True,
            )
            try:
                print(
                    f"server on {base}, scheduler pid {scheduler.pid}; posting {count:,} entries "
                    f"at {args.rate:g}/s ...",
                    flush=True,
                )
                wait_for_first_checkpoint(base, scheduler)
                cpu_before = (
                    tree_cpu_seconds(api.pid),
                    tree_cpu_seconds(scheduler.pid),
                    postgres_cpu_seconds(database),
                    machine_cpu_seconds(),
                )
                wall = time.monotonic()
                sent, sightings, load_seconds, answered = asyncio.run(
                    run_load(base, port, token, identity.verifier_key, bodies, args)
                )
                wall = time.monotonic() - wall
                cpu_after = (
                    tree_cpu_seconds(api.pid),
                    tree_cpu_seconds(scheduler.pid),
                    postgres_cpu_seconds(database),
                    machine_cpu_seconds(),
                )
            finally:
                os.killpg(scheduler.pid, signal.SIGTERM)
                scheduler.wait(timeout=30)
        signed = signed_checkpoints(url)
    values = latencies(sent, signed)
    served = latencies(sent, sightings)
    api_cpu, scheduler_cpu, postgres_cpu, machine_cpu = (
        after - before for before, after in zip(cpu_before, cpu_after, strict=True)
    )
    others = max(machine_cpu - api_cpu - scheduler_cpu - postgres_cpu, 0.0)
    missing = sum(1 for value in values if value == float("inf"))
    print()
    print(f"{'measurement':<48} {'result':>10}  {'target':<12}")
    print("-" * 76)
    how = "one per POST /v1/entries" if args.bulk == 1 else f"{args.bulk} per bulk POST"
    print(f"{'entries posted (' + how + ')':<48} {len(sent):>10,}")
    print(f"{'rate reached (entries/s)':<48} {len(sent) / load_seconds:>10,.0f}  {args.rate:,.0f}")
    print(f"{'checkpoints signed':<48} {len(signed):>10,}")
    gaps = [after[0] - before[0] for before, after in itertools.pairwise(signed)]
    if gaps:
        print(
            f"{'seconds between checkpoints p50 / max':<48} "
            f"{percentile(gaps, 0.50):>5.2f} / {max(gaps):.2f}"
        )
    print(
        f"{'POST -> signed checkpoint p50 (s)':<48} {percentile(values, 0.50):>10.2f}  "
        f"(checkpoints every {args.checkpoint_seconds:g} s)"
    )
    print(
        f"{'POST -> signed checkpoint p99 (s)':<48} {percentile(values, 0.99):>10.2f}  "
        f"<= {TARGET_P99_SECONDS:g}"
    )
    print(f"{'POST -> signed checkpoint max (s)':<48} {max(values):>10.2f}")
    print(
        f"{'POST -> seen at /tlog/checkpoint p50 / p99 (s)':<48} "
        f"{percentile(served, 0.50):>5.2f} / {percentile(served, 0.99):.2f}"
    )
    print(
        f"{'  the POST request itself p50 / p99 (s)':<48} "
        f"{percentile(answered, 0.50):>5.3f} / {percentile(answered, 0.99):.3f}"
    )
    if missing:
        print(f"{'entries never seen in a checkpoint':<48} {missing:>10,}")
    print("-" * 76)
    print(
        f"CPU cores busy over {wall:.1f} s: API {api_cpu / wall:.2f}, scheduler "
        f"{scheduler_cpu / wall:.2f}, postgres {postgres_cpu / wall:.2f}, client and others "
        f"{others / wall:.2f} (of {os.cpu_count()})"
    )
    print(f"'seen' includes up to one poll interval ({args.poll * 1000:.0f} ms)")
    return 0 if not missing else 1


if __name__ == "__main__":
    sys.exit(main())
