"""`anchor-service serve` closes connections whose request arrives too slowly (slowloris).

A real served process with a 2-second header timeout: a connection that sends nothing, or
a request head a header at a time, is closed by the server; a normal request still works.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.ports import free_port
from tests.support.processes import ChildProcess, service_command
from tests.support.servers import wait_for_http

TIMEOUT = 2.0


@pytest.fixture(scope="module")
def served(sqlite_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    port = free_port()
    directory = tmp_path_factory.mktemp("slow-clients")
    env = {
        **os.environ,
        "ANCHOR_DATABASE_URL": sqlite_url,
        "ANCHOR_HEADER_TIMEOUT_SECONDS": str(TIMEOUT),
        "ANCHOR_BODY_TIMEOUT_SECONDS": str(TIMEOUT),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    command = service_command("serve", "--port", str(port), "--no-access-log")
    with ChildProcess(command, env=env, cwd=Path(directory)) as process:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", process, 120)
        yield port


def _closed_by_server(connection: socket.socket, send_every: float, chunks: list[bytes],
                      limit: float) -> float | None:
    """Seconds until the server closed ``connection`` while ``chunks`` trickle in."""
    started = time.monotonic()
    connection.settimeout(send_every)
    pending = list(chunks)
    while time.monotonic() - started < limit:
        try:
            if connection.recv(1024) == b"":
                return time.monotonic() - started
        except TimeoutError:
            pass
        except ConnectionResetError:
            return time.monotonic() - started
        if pending:
            try:
                connection.sendall(pending.pop(0))
            except (BrokenPipeError, ConnectionResetError):
                return time.monotonic() - started
    return None


def test_a_connection_sending_nothing_is_closed(served: int) -> None:
    with socket.create_connection(("127.0.0.1", served)) as connection:
        closed_after = _closed_by_server(connection, 0.2, [], limit=4 * TIMEOUT)
    print(f"silent connection closed after {closed_after} s")
    assert closed_after is not None and closed_after < 3 * TIMEOUT


def test_a_request_head_sent_slowly_is_closed(served: int) -> None:
    head = [b"GET /healthz HTTP/1.1\r\n", b"Host: x\r\n"]
    head += [f"X-Slow-{n}: {n}\r\n".encode() for n in range(40)]  # one every 0.3 s: 12 s
    with socket.create_connection(("127.0.0.1", served)) as connection:
        closed_after = _closed_by_server(connection, 0.3, head, limit=4 * TIMEOUT)
    print(f"slow head closed after {closed_after} s")
    assert closed_after is not None and closed_after < 3 * TIMEOUT


def test_normal_requests_still_work(served: int) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{served}") as client:
        assert client.get("/healthz").status_code == 200
        time.sleep(TIMEOUT + 0.5)  # idle on a kept-alive connection: closed or reused, fine
        assert client.get("/healthz").status_code == 200
