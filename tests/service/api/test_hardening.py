"""Hardening of the HTTP surface (issue 17, item 6)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from anchor_service.api.routers import admin_audit
from anchor_service.db import Role

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
