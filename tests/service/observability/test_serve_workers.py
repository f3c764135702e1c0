"""`anchor-service serve --workers 2`: metrics summed over the workers, JSON access logs."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.support.ports import free_port
from tests.support.processes import ChildProcess, service_command
from tests.support.waiting import wait_until

from .scrape import parse, value

ROUND = 30  # requests per round, 12 at a time, each on a new connection


class JsonLog:
    """The lines a process writes to stderr, each a JSON object."""

    def __init__(self, process: ChildProcess) -> None:
        self.process = process

    @property
    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in list(self.process.lines)]  # not JSON: fails

    def access(self, path: str) -> list[dict[str, Any]]:
        return [r for r in self.lines if r["logger"] == "uvicorn.access" and r["path"] == path]

    def started_workers(self) -> set[int]:
        return {r["pid"] for r in self.lines if r["message"] == "Application startup complete."}


@pytest.fixture(scope="module")
def server(
    sqlite_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, JsonLog]]:
    """A real two-worker server on the session's SQLite database, logging JSON lines, once
    both workers have started (each imports the whole service: slow on a busy machine).
    Shared by this module's tests (the first counts every request up to its own end)."""
    tmp_path = tmp_path_factory.mktemp("serve-workers")
    port = free_port()
    env = {
        **os.environ,
        "ANCHOR_DATABASE_URL": sqlite_url,
        "ANCHOR_LOG_FORMAT": "json",
        "ANCHOR_METRICS_CACHE_SECONDS": "0",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    command = service_command("serve", "--port", str(port), "--workers", "2")
    with ChildProcess(command, env=env, cwd=tmp_path, output="stderr") as process:
        log = JsonLog(process)
        wait_until(lambda: len(log.started_workers()) == 2, 120, "two started workers")
        yield f"http://127.0.0.1:{port}", log


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


def _listening_inodes(port: int) -> set[str]:
    """The inodes of the TCP sockets listening on ``port`` (``/proc/net/tcp``, state 0A)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
            inodes.add(fields[9])
    return inodes


def _socket_inodes(pid: int) -> set[str]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(target[len("socket:[") : -1])
    return found


def test_each_worker_listens_on_its_own_socket_and_connections_reach_both(
    server: tuple[str, JsonLog],
) -> None:
    """SO_REUSEPORT: one listening socket per worker, so the kernel spreads connections
    over the workers (keep-alive clients connecting together do not all land on one)."""
    base_url, log = server
    port = int(base_url.rsplit(":", 1)[1])
    wait_until(lambda: len(_listening_inodes(port)) == 2, 30, "two listening sockets")
    listening = _listening_inodes(port)
    owned = [_socket_inodes(pid) & listening for pid in log.started_workers()]
    assert sorted(map(len, owned)) == [1, 1] and owned[0] != owned[1]

    clients = [httpx.Client(base_url=base_url, timeout=10) for _ in range(16)]
    try:
        with ThreadPoolExecutor(max_workers=16) as pool:  # 16 connections at once
            numbers = list(pool.map(lambda n: clients[n].get("/healthz", headers={
                "X-Request-ID": f"spread-{n}"}).status_code, range(16)))  # fmt: skip
    finally:
        for client in clients:
            client.close()
    assert numbers == [200] * 16
    wait_until(lambda: len(log.access("/healthz")) >= 16, 10, "access lines")
    pids = {r["pid"] for r in log.access("/healthz") if r["request_id"].startswith("spread-")}
    assert len(pids) == 2  # each side gets a connection with probability 1 - 2**-15

    # A worker that dies is replaced on its own socket (the supervisor holds it open).
    before = log.started_workers()
    victim = min(before)
    [socket_of_victim] = _socket_inodes(victim) & listening
    os.kill(victim, signal.SIGKILL)
    wait_until(lambda: len(log.started_workers()) == 3, 120, "a replacement worker")
    [replacement] = log.started_workers() - before
    wait_until(
        lambda: socket_of_victim in _socket_inodes(replacement), 30, "the dead worker's socket"
    )
    assert _listening_inodes(port) == listening
    assert httpx.get(f"{base_url}/healthz", timeout=10).status_code == 200
