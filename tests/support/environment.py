"""A test's own environment: no ``ANCHOR_*`` variable of the shell that runs the tests,
and a fresh working directory (where ``.env`` and ``.data/dev.env`` would be read)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

__all__ = ["clean_anchor_environment"]


def clean_anchor_environment(monkeypatch: pytest.MonkeyPatch, cwd: Path) -> None:
    """Unset every ``ANCHOR_*`` variable and change into ``cwd`` (both undone after the test)."""
    for name in [name for name in os.environ if name.startswith("ANCHOR_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(cwd)
