"""Run the reliability scenarios (issue 7) and print a summary table.

Runs ``pytest tests/service/reliability`` at ``RELIABILITY_SCALE`` (default here:
``full``: 60 s of load, 10 API kills during bulk requests, bigger backlogs, longer
outages), then the fuzz suite with ``FUZZ_EXAMPLES=500`` when ``tests/service/fuzz``
exists. Each scenario appends its figures to a file (``RELIABILITY_SUMMARY``); the
outcome of each test comes from pytest's JUnit XML. Prints one row per scenario
(result, requests, 2xx, 5xx, latency p50/p95/p99, inputs tried, entries lost) and a
verdict; exits 1 unless every test passed and no entry was lost.

    .venv/bin/python scripts/reliability.py              # full (make reliability)
    RELIABILITY_SCALE=short .venv/bin/python scripts/reliability.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = "tests/service/reliability"
FUZZ = "tests/service/fuzz"
FUZZ_EXAMPLES = "500"


@dataclass(frozen=True)
class TestOutcome:
    name: str
    outcome: str  # passed, failed, error, skipped
    seconds: float


def run_pytest(target: str, junit: Path, env: dict[str, str]) -> int:
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-s", target]
    command += [f"--junitxml={junit}"]
    print(f"$ {' '.join(command)}", flush=True)
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


def read_junit(path: Path) -> list[TestOutcome]:
    if not path.is_file():
        return []
    outcomes = []
    for case in ElementTree.parse(path).getroot().iter("testcase"):
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = "failed" if child.tag == "failure" else child.tag
        name = f"{case.get('classname', '')}::{case.get('name', '')}"
        outcomes.append(TestOutcome(name, outcome, float(case.get("time", "0"))))
    return outcomes


def read_figures(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _test_key(node_id: str) -> str:
    """``tests/a/b.py::test_x[p]`` and JUnit's ``tests.a.b::test_x[p]`` alike."""
    module, _, name = node_id.partition("::")
    return f"{module.removesuffix('.py').replace('/', '.')}::{name}"


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)


_COLUMNS = {"scenario", "test", "requests", "2xx", "5xx", "p50_ms", "p95_ms", "p99_ms"}
_COLUMNS |= {"inputs", "lost", "mean_ms"}


def _notes(item: dict[str, Any]) -> str:
    """The scenario's other figures, ``name=value`` each."""
    return ", ".join(f"{k}={v}" for k, v in item.items() if k not in _COLUMNS)


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    line = "+-" + "-+-".join("-" * w for w in widths) + "-+"

    def cells(row: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    return "\n".join([line, cells(header), line, *(cells(row) for row in rows), line])


def summarize(outcomes: list[TestOutcome], figures: list[dict[str, Any]]) -> tuple[str, bool]:
    by_test = {_test_key(item.get("test", "")): item for item in figures}
    header = [
        "scenario", "result", "requests", "2xx", "5xx", "p50/p95/p99 ms", "inputs", "lost",
        "notes",
    ]  # fmt: skip
    rows: list[list[str]] = []
    other: dict[str, int] = {}
    lost_total = 0
    inputs_total = 0
    all_passed = bool(outcomes)
    scenario_results: dict[str, bool] = {}
    for outcome in outcomes:
        passed = outcome.outcome == "passed"
        all_passed &= passed or outcome.outcome == "skipped"
        item = by_test.get(_test_key(outcome.name))
        if item is None and outcome.outcome in ("failed", "error"):
            item = {"scenario": outcome.name.rsplit("::", 1)[-1]}  # failed before recording
        if item is None:
            group = "fuzz" if ".fuzz." in outcome.name else "other checks"
            other[f"{group} {outcome.outcome}"] = other.get(f"{group} {outcome.outcome}", 0) + 1
            continue
        lost = item.get("lost")
        lost_total += int(lost or 0)
        inputs_total += int(item.get("inputs") or 0)
        scenario_results[str(item["scenario"])] = passed and lost == 0
        latency = (
            f"{item['p50_ms']}/{item['p95_ms']}/{item['p99_ms']}" if "p50_ms" in item else None
        )
        rows.append(
            [
                str(item["scenario"]),
                "PASS" if passed else outcome.outcome.upper(),
                _cell(item.get("requests")),
                _cell(item.get("2xx")),
                _cell(item.get("5xx")),
                _cell(latency),
                _cell(item.get("inputs")),
                _cell(lost),
                _notes(item),
            ]
        )
    for key, count in sorted(other.items()):
        group, result = key.rsplit(" ", 1)
        rows.append([f"{group} ({count} tests)", result.upper(), *["-"] * 6, ""])
    load_held = scenario_results.get("load", False)
    faults = {name: ok for name, ok in scenario_results.items() if name != "load"}
    verdict = (
        f"load held: {'yes' if load_held else 'NO'}; faults survived: "
        f"{sum(faults.values())}/{len(faults)}; inputs tried: {inputs_total}; "
        f"entries lost: {lost_total}"
    )
    ok = all_passed and load_held and all(faults.values()) and lost_total == 0
    return f"{table(rows, header)}\n{verdict}\nverdict: {'PASS' if ok else 'FAIL'}", ok


def main() -> int:
    scale = os.environ.get("RELIABILITY_SCALE", "full")
    with tempfile.TemporaryDirectory(prefix="reliability-") as work:
        summary = Path(work) / "figures.jsonl"
        env = {**os.environ, "RELIABILITY_SCALE": scale, "RELIABILITY_SUMMARY": str(summary)}
        outcomes: list[TestOutcome] = []
        run_pytest(SCENARIOS, Path(work) / "scenarios.xml", env)
        outcomes += read_junit(Path(work) / "scenarios.xml")
        if (ROOT / FUZZ).is_dir():
            run_pytest(FUZZ, Path(work) / "fuzz.xml", {**env, "FUZZ_EXAMPLES": FUZZ_EXAMPLES})
            outcomes += read_junit(Path(work) / "fuzz.xml")
        text, ok = summarize(outcomes, read_figures(summary))
    print(f"\nreliability summary (RELIABILITY_SCALE={scale})")
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
