"""Hardening of the HTTP surface (issue 17, item 6)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from anchor_service.api.routers import admin_audit
from anchor_service.db import Role
from anchor_service.jobs.leadership import audit_lock_for
from anchor_service.settings import Settings
from tests.support.ports import free_port
from tests.support.processes import ChildProcess, service_command
from tests.support.servers import wait_for_http

Auth = Callable[[Role], dict[str, str]]


def test_a_trailing_slash_is_never_redirected_to_the_host_header(
    client: TestClient, auth: Auth
) -> None:
    response = client.get(
        "/v1/batches/", headers={**auth(Role.AUDITOR), "Host": "evil.example"},
        follow_redirects=False,
    )
    assert "evil.example" not in response.headers.get("location", "")
    assert response.status_code in (307, 404)
    if response.status_code == 307:
        assert response.headers["location"].startswith("/")


def test_docs_page_has_a_content_security_policy(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "default-src 'self'" in policy
    assert response.headers["x-frame-options"] == "DENY"


def test_a_redaction_body_with_a_key_twice_is_refused(client: TestClient, auth: Auth) -> None:
    response = client.post(
        "/v1/admin/entries/no-such/redact",
        content=b'{"reason": "a", "reason": "b"}',
        headers={**auth(Role.ADMIN), "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert (response.json()["error"], response.json()["field"]) == ("InvalidRequest", "reason")
    assert "twice" in response.json()["detail"]


def test_a_second_concurrent_audit_is_refused_with_409(
    client: TestClient, auth: Auth, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, release = threading.Event(), threading.Event()
    real = admin_audit.audit_from_settings

    def slow_audit(*args: Any, **kwargs: Any) -> Any:
        started.set()
        assert release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(admin_audit, "audit_from_settings", slow_audit)
    headers = auth(Role.ADMIN)
    results: list[int] = []
    first = threading.Thread(
        target=lambda: results.append(
            client.post("/v1/admin/audit?chain=false", headers=headers).status_code
        )
    )
    first.start()
    assert started.wait(30)
    second = client.post("/v1/admin/audit?chain=false", headers=headers)
    release.set()
    first.join(60)
    assert second.status_code == 409, second.text
    assert second.json()["error"] == "AuditRunning"
    assert results == [200]
    monkeypatch.setattr(admin_audit, "audit_from_settings", real)
    assert client.post("/v1/admin/audit?chain=false", headers=headers).status_code == 200



def test_an_audit_running_in_another_worker_is_refused_with_409(
    database_url: str, settings: Settings, make_key: Callable[[Role], str], tmp_path: Path
) -> None:
    """The audit lock is the database's (PostgreSQL advisory lock) or a file beside the
    SQLite file, not a worker's: while another process holds it (here the test, standing
    for another worker in the middle of an audit), a real served process answers 409."""
    port = free_port()
    env = {**os.environ, "ANCHOR_DATABASE_URL": database_url}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    headers = {"Authorization": f"Bearer {make_key(Role.ADMIN)}"}
    command = service_command("serve", "--port", str(port), "--no-access-log")
    with ChildProcess(command, env=env, cwd=tmp_path) as process:
        url = f"http://127.0.0.1:{port}"
        wait_for_http(f"{url}/healthz", process, 120)
        lock = audit_lock_for(settings)
        assert lock.try_acquire()
        try:
            busy = httpx.post(f"{url}/v1/admin/audit?chain=false", headers=headers, timeout=60)
        finally:
            lock.close()
        free = httpx.post(f"{url}/v1/admin/audit?chain=false", headers=headers, timeout=60)
    assert busy.status_code == 409, busy.text
    assert busy.json()["error"] == "AuditRunning"
    assert free.status_code == 200, free.text
