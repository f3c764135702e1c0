"""Fixtures for the observability tests: fresh figures on every scrape, a sealer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from anchor_service.db.models import Role
from anchor_service.db.session import Database
from anchor_service.services.sealing import seal_pending
from anchor_service.settings import Settings

PostEntries = Callable[[int], None]


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    """The shared test settings, with the metrics cache off (every scrape reads the DB)."""
    return make_settings(metrics_cache_seconds=0)


@pytest.fixture
def post_entries(
    client: TestClient,
    auth: Callable[[Role], dict[str, str]],
    make_entry: Callable[..., dict[str, Any]],
) -> PostEntries:
    """``post_entries(n)``: store ``n`` entries through ``POST /v1/entries``."""
    headers = auth(Role.WRITER)

    def post(count: int) -> None:
        for _ in range(count):
            response = client.post("/v1/entries", json=make_entry(), headers=headers)
            assert response.status_code == 201, response.text

    return post


@pytest.fixture
def seal(database: Database, settings: Settings) -> Callable[[], int]:
    """Seal what is pending; return the number of batches sealed."""

    def run() -> int:
        return len(seal_pending(database, settings))

    return run
