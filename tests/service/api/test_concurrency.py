"""Concurrent writers through the real HTTP stack (uvicorn, 2 workers) into a real database."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from anchor_service.db import Role
from tests.support.ports import free_port
from tests.support.processes import ChildProcess, service_command
from tests.support.servers import wait_for_http

WRITERS = 20
ENTRIES_PER_WRITER = 500
SINGLES_PER_WRITER = 100
BULK_SIZE = 50


@pytest.fixture
def served_api(database_url: str) -> Iterator[str]:
    """``anchor-service serve --workers 2`` on a free loopback port; yields its base URL."""
    port = free_port()
    env = {**os.environ, "ANCHOR_DATABASE_URL": database_url, "ANCHOR_LOG_LEVEL": "WARNING"}
    command = service_command(
        "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2", "--no-access-log"
    )
    base = f"http://127.0.0.1:{port}"
    with ChildProcess(command, env=env) as server:
        wait_for_http(f"{base}/readyz", server, timeout=120)  # generous: CI can be loaded
        yield base


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
