"""`anchor-service serve --workers 2`: metrics summed over the workers, JSON access logs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from anchor_service.dev import free_port

from .scrape import parse, value

ROUND = 30  # requests per round, 12 at a time, each on a new connection


class JsonLog:
    """Collects the JSON lines a process writes to stderr, in a thread."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        assert process.stderr is not None
        stream = process.stderr
        self.lines: list[dict[str, Any]] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: Any) -> None:
        for line in iter(stream.readline, ""):
            self.lines.append(json.loads(line))  # fails the test if a line is not JSON

    def access(self, path: str) -> list[dict[str, Any]]:
        return [
            r for r in list(self.lines) if r["logger"] == "uvicorn.access" and r["path"] == path
        ]

    def started_workers(self) -> set[int]:
        return {
            r["pid"] for r in list(self.lines) if r["message"] == "Application startup complete."
        }


def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def server(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[str, JsonLog]]:
    """A real two-worker server on the session's SQLite database, logging JSON lines, once
    both workers have started (each imports the whole service: slow on a busy machine)."""
    port = free_port()
    env = {
        **os.environ,
        "ANCHOR_DATABASE_URL": sqlite_url,
        "ANCHOR_LOG_FORMAT": "json",
        "ANCHOR_METRICS_CACHE_SECONDS": "0",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "anchor_service.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            "2",
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    log = JsonLog(process)
    try:
        wait_until(lambda: len(log.started_workers()) == 2, 120, "two started workers")
        yield f"http://127.0.0.1:{port}", log
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_two_workers_expose_the_sum_of_their_request_latencies_and_log_json(
    server: tuple[str, JsonLog], sqlite_url: str
) -> None:
    base_url, log = server

    def hit(number: int) -> str:
        headers = {"X-Request-ID": f"e2e-{number}"}
        response = httpx.get(f"{base_url}/healthz", headers=headers, timeout=10)
        assert response.status_code == 200
        return response.headers["X-Request-ID"]

    sent = 0
    with ThreadPoolExecutor(max_workers=12) as pool:
        for _round in range(10):  # until both workers have answered some
            numbers = range(sent, sent + ROUND)
            assert list(pool.map(hit, numbers)) == [f"e2e-{n}" for n in numbers]
            sent += ROUND
            wait_until(lambda n=sent: len(log.access("/healthz")) == n, 10, "access lines")
            if len({r["pid"] for r in log.access("/healthz")}) == 2:
                break
    served_by = {r["pid"] for r in log.access("/healthz")}
    assert len(served_by) == 2, "the requests never reached the second worker"

    samples = parse(httpx.get(f"{base_url}/metrics", timeout=10).text)
    engine = create_engine(sqlite_url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT next_index FROM log_state")).scalar_one()
    engine.dispose()

    labels = {"method": "GET", "route": "/healthz", "status": "2xx"}
    assert value(samples, "anchor_http_request_duration_seconds_count", **labels) == sent
    assert value(samples, "anchor_entries_ingested_total") == stored
    by_id = {r["request_id"]: r for r in log.access("/healthz")}
    assert set(by_id) == {f"e2e-{number}" for number in range(sent)}
    assert (by_id["e2e-7"]["method"], by_id["e2e-7"]["status"]) == ("GET", 200)
