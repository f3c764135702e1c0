"""What the benchmark scripts share: throwaway PostgreSQL databases and API keys, the API
server they load, synthetic PostgreSQL logs, raw keep-alive HTTP/1.1 load, and latency
percentiles. Imported by the scripts beside it
(run them from the repository root: ``.venv/bin/python benchmarks/<name>.py``)."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from anchor_service.db.models import Role
from anchor_service.db.repositories.api_keys import ApiKeyRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.settings import Settings

#: The PostgreSQL server the benchmarks create their databases on (as its superuser).
ADMIN_URL = os.environ.get(
    "ANCHOR_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def throwaway_database(
    prefix: str, *, keep: bool = False, kept: str = "kept database {name}"
) -> Iterator[str]:
    """A new database ``<prefix>_<random>`` on :data:`ADMIN_URL`, its URL yielded; dropped
    on the way out, unless ``keep`` (then ``kept``, formatted with its name, is printed)."""
    admin_url = make_url(ADMIN_URL)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        if keep:
            print(kept.format(name=name))
        else:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def api_key(url: str, role: Role, name: str) -> str:
    """The token of a new API key with ``role`` in the (migrated) database at ``url``."""
    database = Database.from_settings(Settings(_env_file=None, database_url=url))  # type: ignore[call-arg]
    try:
        with unit_of_work(database.writer) as session:
            return ApiKeyRepository(session).create(role, name=name).token
    finally:
        database.dispose()


@contextmanager
def api_server(
    url: str,
    port: int,
    workers: int,
    env: Mapping[str, str] | None = None,
    *,
    ready_timeout: float = 60.0,
) -> Iterator[subprocess.Popen[bytes]]:
    """``anchor-service serve`` on 127.0.0.1:``port`` against ``url``, ready when yielded.

    Stopped with SIGTERM to its process group (SIGKILL after 15 s) on the way out.
    """
    environment = {
        **os.environ,
        **(env or {}),
        "ANCHOR_DATABASE_URL": url,
        "ANCHOR_LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
    }
    command = [sys.executable, "-m", "anchor_service.cli", "serve", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--no-access-log"]  # fmt: skip
    process = subprocess.Popen(command, env=environment, start_new_session=True)
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.2)
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def generate_entries(
    url: str,
    start: int,
    stop: int,
    *,
    entries_sql: str,
    postings_sql: str,
    chunk: int,
    report: Callable[[str], None],
) -> None:
    """Insert synthetic entries ``[start, stop)`` and their postings inside PostgreSQL.

    ``entries_sql`` and ``postings_sql`` take ``:start``, ``:stop`` and ``:received_at``;
    the log counter moves with every committed chunk.
    """
    engine = create_engine(url)
    received_at = datetime.now(UTC)
    try:
        for begin in range(start, stop, chunk):
            end = min(stop, begin + chunk)
            with engine.begin() as connection:
                params = {"start": begin, "stop": end, "received_at": received_at}
                connection.execute(text(entries_sql), params)
                connection.execute(text(postings_sql), params)
                connection.execute(text("UPDATE log_state SET next_index = :n"), {"n": end})
            report(f"  generated entries [{begin:,}, {end:,})")
    finally:
        engine.dispose()


def vacuum(url: str, tables: str = "") -> None:
    """``VACUUM ANALYZE`` (the given tables, or all) and ``CHECKPOINT``, before timing."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f"VACUUM ANALYZE {tables}".strip()))
            connection.execute(text("CHECKPOINT"))
    finally:
        engine.dispose()


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def read_response(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One HTTP/1.1 answer from ``reader``: (status line, body read by Content-Length)."""
    status = await reader.readline()
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def keepalive_load(
    port: int, requests: list[bytes], clients: int, seconds: float
) -> tuple[float, list[float], int]:
    """``clients`` keep-alive connections sending ``requests`` in turn: (req/s, latencies,
    answers other than 200).

    Requests are pre-built bytes on asyncio streams: httpx's per-request machinery costs
    more CPU than the server's work on this 2-core machine.
    """
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client(offset: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        position = offset * 613
        try:
            while time.perf_counter() < deadline:
                request = requests[position % len(requests)]
                position += 1
                began = time.perf_counter()
                writer.write(request)
                status, _ = await read_response(reader)
                latencies.append(time.perf_counter() - began)
                if status.split()[1] != b"200":
                    errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    return len(latencies) / (time.perf_counter() - started), latencies, errors
