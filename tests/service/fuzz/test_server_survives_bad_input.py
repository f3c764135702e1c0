"""Deeply nested and malformed bodies against a real uvicorn process, which must live.

Importing web3 raises Python's recursion limit to 100,000; a parser that recurses per
nesting level (the standard library's ``json``) then overflows the C stack and kills the
process with SIGSEGV instead of raising. In-process tests would die with it, so these
bodies go to a separate server, which must still answer afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from anchor_service.db.models import Role
from anchor_service.db.repositories.api_keys import ApiKeyRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.dev import free_port
from anchor_service.settings import Settings

from .bodies import DEEP_BODIES, entry_bytes

BODY_PATHS = [
    "/v1/entries",
    "/v1/entries/bulk",
    "/v1/proofs/verify",
    "/v1/admin/entries/pay-1/redact",
]
STARTUP_SECONDS = 60.0


@pytest.fixture(scope="module")
def admin_token(sqlite_url: str) -> str:
    database = Database.from_settings(Settings(_env_file=None, database_url=sqlite_url))
    try:
        with unit_of_work(database.writer) as session:
            return ApiKeyRepository(session).create(Role.ADMIN, name="fuzz server").token
    finally:
        database.dispose()


@pytest.fixture(scope="module")
def server(sqlite_url: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``uvicorn --factory anchor_service.api.app:create_app`` on a free port."""
    port = free_port()
    env = {
        **os.environ,
        "ANCHOR_DATABASE_URL": sqlite_url,
        "ANCHOR_RPC_URL": f"http://127.0.0.1:{free_port()}",
        "ANCHOR_API_KEY_CACHE_SECONDS": "0",
        "ANCHOR_LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "anchor_service.api.app:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert process.poll() is None, f"server exited with {process.returncode}"
            try:
                if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        yield process, base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _alive(process: subprocess.Popen[bytes], base_url: str) -> None:
    assert process.poll() is None, f"server died (exit code {process.returncode})"
    assert httpx.get(f"{base_url}/healthz", timeout=10).status_code == 200


@pytest.mark.parametrize("with_key", [True, False], ids=["admin key", "no key"])
def test_the_server_survives_deeply_nested_bodies_on_every_body_route(
    server: tuple[subprocess.Popen[bytes], str], admin_token: str, with_key: bool
) -> None:
    process, base_url = server
    headers = {"Content-Type": "application/json"}
    if with_key:
        headers["Authorization"] = f"Bearer {admin_token}"
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for path in BODY_PATHS:
            for name, body in DEEP_BODIES.items():
                try:
                    response = client.post(path, content=body, headers=headers)
                except httpx.TransportError as exc:
                    pytest.fail(f"{path} with {name}: no answer ({exc!r}); server alive: "
                                f"{process.poll() is None}")
                expected = 422 if with_key else 401
                assert response.status_code == expected, (path, name, response.text[:300])
                assert response.json()["error"] in ("InvalidEntry", "InvalidRequest",
                                                    "Unauthenticated")
    _alive(process, base_url)


def test_the_server_survives_invalid_utf8_and_still_stores_entries(
    server: tuple[subprocess.Popen[bytes], str], admin_token: str
) -> None:
    process, base_url = server
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {admin_token}"}
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for path in BODY_PATHS:
            response = client.post(path, content=b'{"reason": "\xff\xfe\xc3"}', headers=headers)
            assert response.status_code == 422, (path, response.text[:300])
        stored = client.post("/v1/entries", content=entry_bytes(), headers=headers)
        assert stored.status_code in (200, 201), stored.text
    _alive(process, base_url)
