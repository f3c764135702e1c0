"""Fixtures for the fuzz tests: the app on a real database, with a chain that is down.

The chain settings point at a closed local port, so the chain-dependent endpoints answer
``503`` with a JSON error body (``ChainUnavailable`` / ``ChainError``) instead of
reaching a node.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.specs.openapi.schemas import OpenApiSchema

from anchor_service.api import create_app
from anchor_service.db.models import Role
from anchor_service.db.session import Database
from anchor_service.dev import free_port
from anchor_service.settings import Settings

MakeSettings = Callable[..., Settings]
MAX_BODY_BYTES = 1024 * 1024


@pytest.fixture
def settings(make_settings: MakeSettings) -> Settings:
    """Test settings: the chain node is a closed port (nothing listens there), bodies are
    capped at 1 MiB (the deeply nested bodies of the tests are smaller)."""
    return make_settings(
        max_body_bytes=MAX_BODY_BYTES,
        rpc_url=f"http://127.0.0.1:{free_port()}",
        registry_address="0x" + "11" * 20,
        signer_key="0x" + "22" * 32,
    )


@pytest.fixture
def fuzz_app(settings: Settings, database: Database) -> FastAPI:
    return create_app(settings, database)


@pytest.fixture
def api_schema(fuzz_app: FastAPI) -> OpenApiSchema:
    """The app's own OpenAPI document, requests sent to the app in-process."""
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)


@pytest.fixture
def admin_headers(make_key: Callable[[Role], str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_key(Role.ADMIN)}"}
