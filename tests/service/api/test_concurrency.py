"""Concurrent writers through the real HTTP stack (uvicorn, 2 workers) into a real database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from anchor_service.db import Role

WRITERS = 20
ENTRIES_PER_WRITER = 500
SINGLES_PER_WRITER = 100
BULK_SIZE = 50


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served_api(database_url: str) -> Iterator[str]:
    """``anchor-service serve --workers 2`` on a free loopback port; yields its base URL."""
    port = _free_port()
    env = {**os.environ, "ANCHOR_DATABASE_URL": database_url, "ANCHOR_LOG_LEVEL": "WARNING"}
    command = [
        sys.executable, "-m", "anchor_service.cli", "serve", "--host", "127.0.0.1",
        "--port", str(port), "--workers", "2", "--no-access-log",
    ]
    process = subprocess.Popen(command, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # generous: CI machines can be loaded
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, "server exited"
            assert time.monotonic() < deadline, "server not ready in 120 s"
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_concurrent_writers_get_exactly_dense_indices(
    served_api: str,
    database_url: str,
    make_key: Callable[[Role], str],
    make_entry: Callable[..., dict[str, Any]],
) -> None:
    headers = {"Authorization": f"Bearer {make_key(Role.WRITER)}"}

    def write(writer: int) -> list[int]:
        entries = [make_entry(external_id=f"w{writer}-{n}") for n in range(ENTRIES_PER_WRITER)]
        indices: list[int] = []
        with httpx.Client(base_url=served_api, headers=headers, timeout=60) as client:
            for entry in entries[:SINGLES_PER_WRITER]:
                response = client.post("/v1/entries", json=entry)
                assert response.status_code == 201, response.text
                indices.append(response.json()["leaf_index"])
            rest = entries[SINGLES_PER_WRITER:]
            for start in range(0, len(rest), BULK_SIZE):
                response = client.post(
                    "/v1/entries/bulk", json={"entries": rest[start : start + BULK_SIZE]}
                )
                assert response.status_code == 201, response.text
                indices += [item["leaf_index"] for item in response.json()["entries"]]
        return indices

    with ThreadPoolExecutor(WRITERS) as pool:
        returned = [index for indices in pool.map(write, range(WRITERS)) for index in indices]

    total = WRITERS * ENTRIES_PER_WRITER
    assert sorted(returned) == list(range(total))
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            stored = [
                row[0]
                for row in connection.execute(
                    text("SELECT leaf_index FROM entries ORDER BY leaf_index")
                )
            ]
            counter = connection.execute(text("SELECT next_index FROM log_state")).scalar_one()
    finally:
        engine.dispose()
    assert stored == list(range(total))
    assert counter == total
