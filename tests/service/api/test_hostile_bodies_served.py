"""The worst bodies against a real `anchor-service serve` process: quick 422s, the worker's
peak memory printed (``-s``), and a stalled body closed after the body timeout."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from anchor_service.db import Role
from anchor_service.settings import Settings
from tests.support.ports import free_port
from tests.support.processes import ChildProcess, service_command
from tests.support.servers import wait_for_http

BODY_TIMEOUT = 2.0


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@pytest.fixture
def served(database_url: str, settings: Settings, tmp_path: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {
        **os.environ,
        "ANCHOR_DATABASE_URL": database_url,
        "ANCHOR_BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    command = service_command("serve", "--port", str(port), "--no-access-log")
    with ChildProcess(command, env=env, cwd=tmp_path) as process:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", process, 120)
        yield f"http://127.0.0.1:{port}", process.pid


def test_the_worst_bodies_are_answered_quickly_in_bounded_memory(
    served: tuple[str, int], make_key: Callable[[Role], str], settings: Settings
) -> None:
    url, pid = served
    headers = {"Authorization": f"Bearer {make_key(Role.WRITER)}"}
    bodies = {
        "2 MiB of {}": b'{"entries":[' + b",".join([b"{}"] * 699_050) + b"]}",
        "400,000 items": b'{"entries":[' + b",".join([b"{}"] * 400_000) + b"]}",
    }
    count = (settings.max_body_bytes - 14) // 3
    bodies["16 MiB of {}"] = b'{"entries":[' + b",".join([b"{}"] * count) + b"]}"
    before = _peak_rss_mib(pid)
    with httpx.Client(base_url=url, timeout=60) as client:
        for name, body in bodies.items():
            started = time.perf_counter()
            response = client.post("/v1/entries/bulk", content=body, headers=headers)
            elapsed = time.perf_counter() - started
            print(f"{name} ({len(body)} bytes): {response.status_code} in {elapsed:.2f} s; "
                  f"server peak RSS {_peak_rss_mib(pid):.0f} MiB (was {before:.0f})")
            assert response.status_code == 422, response.text
            assert response.json()["index"] is None  # never an error about one item
        assert client.get("/healthz").status_code == 200  # the worker lives


def test_a_request_body_that_stalls_is_closed(
    served: tuple[str, int], make_key: Callable[[Role], str]
) -> None:
    url, _ = served
    port = int(url.rsplit(":", 1)[1])
    head = (
        "POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {make_key(Role.WRITER)}\r\nContent-Length: 1000\r\n\r\n{{"
    )
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(head.encode())
        connection.settimeout(4 * BODY_TIMEOUT)
        started = time.monotonic()
        try:
            answer = connection.recv(1024)
        except TimeoutError:
            answer = None
        elapsed = time.monotonic() - started
    assert answer is not None, "the stalled connection was still open"
    assert elapsed < 3 * BODY_TIMEOUT
