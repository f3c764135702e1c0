"""``scripts/reliability.py``'s summary: one row per scenario with its figures, and a
verdict that fails on any failed test or any lost entry."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "reliability.py"


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("reliability_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _load(lost: int = 0) -> dict[str, Any]:
    return {
        "scenario": "load",
        "test": "tests/service/reliability/test_load.py::test_load[postgresql]",
        "requests": 1200, "2xx": 1100, "5xx": 0, "p50_ms": 10.5, "p95_ms": 40.0,
        "p99_ms": 80.2, "inputs": 900, "lost": lost,
    }  # fmt: skip


def _fault(lost: int = 0) -> dict[str, Any]:
    return {
        "scenario": "chain node stopped",
        "test": "tests/service/reliability/test_chain_outage.py::test_outage[postgresql]",
        "inputs": 100, "lost": lost,
    }  # fmt: skip


def _outcomes(script: ModuleType, fault: str = "passed") -> list[Any]:
    return [
        script.TestOutcome(
            "tests.service.reliability.test_load::test_load[postgresql]", "passed", 1
        ),
        script.TestOutcome(
            "tests.service.reliability.test_chain_outage::test_outage[postgresql]", fault, 1
        ),
        script.TestOutcome("tests.service.fuzz.test_openapi_fuzz::test_fuzz", "passed", 1),
        script.TestOutcome(
            "tests.service.reliability.test_health_detail::test_ok[sqlite]", "passed", 1
        ),
    ]


def test_every_scenario_passing_with_nothing_lost_is_a_pass(script: ModuleType) -> None:
    text, ok = script.summarize(_outcomes(script), [_load(), _fault()])
    assert ok
    assert "| load                   | PASS   | 1200     | 1100 | 0   | 10.5/40.0/80.2" in text
    assert "| chain node stopped     | PASS   |" in text
    assert "| fuzz (1 tests)         | PASSED |" in text
    assert "| other checks (1 tests) | PASSED |" in text
    assert "load held: yes; faults survived: 1/1; inputs tried: 1000; entries lost: 0" in text
    assert text.endswith("verdict: PASS")


def test_a_lost_entry_fails_the_verdict(script: ModuleType) -> None:
    text, ok = script.summarize(_outcomes(script), [_load(lost=1), _fault()])
    assert not ok
    assert "entries lost: 1" in text and "load held: NO" in text
    assert text.endswith("verdict: FAIL")


def test_a_failed_scenario_shows_and_fails_the_verdict(script: ModuleType) -> None:
    text, ok = script.summarize(_outcomes(script, fault="failed"), [_load()])
    assert not ok
    assert "| test_outage[postgresql] | FAILED |" in text
    assert "faults survived: 0/1" in text
