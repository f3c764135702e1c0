"""What ``anchor-service import`` tells: problems by line, and the final summary."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from anchor_service.importer import BatchOutcome, ImportCounts, ImportState

__all__ = ["import_summary", "print_summary", "report_problems"]


def report_problems(source: Path, outcome: BatchOutcome) -> None:
    """Each problem of a batch as ``FILE:LINE: reason`` on stderr, in line order."""
    for problem in sorted(outcome.problems, key=lambda p: p.line):
        kind = "conflict: " if problem.kind == "conflict" else ""
        print(f"{source}:{problem.line}: {kind}{problem.detail}", file=sys.stderr)


def import_summary(
    source: Path,
    fmt: str,
    state: ImportState,
    elapsed: float,
    resumed_from: int | None,
    stopped: int | None,
    stopped_counts: ImportCounts | None = None,
) -> dict[str, Any]:
    """The figures of an import (counts over the whole file, across resumed runs; the
    invalid records and conflicts of the batch that stopped it, ``stopped_counts``,
    included)."""
    counts = state.counts
    invalid, conflicts = counts.invalid, counts.conflicts
    if stopped_counts is not None:
        invalid += stopped_counts.invalid
        conflicts += stopped_counts.conflicts
    return {
        "file": str(source),
        "format": fmt,
        "complete": stopped is None,
        "imported": counts.imported,
        "existing": counts.existing,
        "conflicts": conflicts,
        "invalid": invalid,
        "batches": state.batches,
        "lines": state.line,
        "resumed_after_line": resumed_from,
        "stopped_at_line": stopped,
        "elapsed_seconds": round(elapsed, 3),
    }


def print_summary(summary: dict[str, Any], state_path: Path, *, as_json: bool) -> None:
    """The summary as JSON on stdout, or as a sentence (on stderr when stopped)."""
    if as_json:
        print(json.dumps(summary, indent=2))
        return
    text = (
        f"{summary['imported']:,} entries imported, {summary['existing']:,} stored already, "
        f"{summary['conflicts']:,} conflicts, {summary['invalid']:,} invalid "
        f"({summary['lines']:,} lines, {summary['batches']:,} batches, "
        f"{summary['elapsed_seconds']:.1f} s)"
    )
    if summary["stopped_at_line"] is not None:
        stream = sys.stderr
        where = (
            f"resume there (position saved in {state_path})"
            if state_path.exists()
            else "read the file from the start (nothing was stored, no position saved)"
        )
        text = (
            f"stopped at the batch starting on line {summary['stopped_at_line']:,}; nothing "
            f"of it was stored. So far: {text}.\nFix the line(s) above and run the same "
            f"command again to {where}, or pass --skip-invalid."
        )
    else:
        stream = sys.stdout
    print(text, file=stream)
