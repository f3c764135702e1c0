"""Fixtures for the sealing tests: a log writer and a sealer on the test's database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from anchor_service.db.session import Database
from anchor_service.services.sealing import SealedBatch, seal_pending
from anchor_service.settings import Settings

from .helpers import LogWriter

Seal = Callable[..., list[SealedBatch]]


@pytest.fixture
def log(database: Database) -> LogWriter:
    """Stores entries through the entry repository (as ingest does)."""
    return LogWriter(database)


@pytest.fixture
def seal(database: Database, settings: Settings) -> Seal:
    """``seal(**options)``: run :func:`seal_pending` on the test's database."""

    def run(**options: Any) -> list[SealedBatch]:
        return seal_pending(database, settings, **options)

    return run
