"""Skip locally, fail under ``CI=true``: one rule for tests whose prerequisites may be missing.

A developer without PostgreSQL, Chromium or the public probes still gets a green run of
what can run; CI (``.ci/run`` exports ``CI=true``) has all of them, so a missing one
there is a broken set-up, and a skip would hide exactly what the tests are for.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def running_in_ci() -> bool:
    """Whether ``CI=true`` (any case) is set, as CI services and ``.ci/run`` set it."""
    return os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str, *, must_run: str, allow_module_level: bool = False) -> NoReturn:
    """Skip the current test for ``reason``; under ``CI=true`` fail it instead.

    ``must_run`` names what CI must not skip ("PostgreSQL tests"); it ends the failure
    message. ``allow_module_level`` is for a module that cannot even be collected.
    """
    if running_in_ci():
        pytest.fail(f"{reason} (CI=true: {must_run} must run)", pytrace=False)
    pytest.skip(reason, allow_module_level=allow_module_level)
