"""A NUL character in a path or query parameter is a 422, never a 500 with a raw NUL logged."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from anchor_service.db import Role

Auth = Callable[[Role], dict[str, str]]


@pytest.mark.parametrize(
    ("method", "url", "role"),
    [
        ("GET", "/v1/entries/a%00b", Role.AUDITOR),
        ("GET", "/v1/entries/a%00b/proof", Role.AUDITOR),
        ("POST", "/v1/admin/entries/a%00b/redact", Role.ADMIN),
        ("GET", "/v1/batches?cursor=a%00b", Role.AUDITOR),
    ],
)
def test_nul_in_a_parameter_is_a_422(
    client: TestClient, auth: Auth, caplog: pytest.LogCaptureFixture,
    method: str, url: str, role: Role,
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = client.request(method, url, headers=auth(role))
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "InvalidRequest"
    assert "NUL" in response.json()["detail"]
    assert "\x00" not in response.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert all("\x00" not in r.getMessage() for r in caplog.records)
