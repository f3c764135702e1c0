"""``anchor-service seal``: seals on demand, prints batches (or JSON), reports progress."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from anchor_service.cli import main
from anchor_service.merkle import root

from .helpers import LogWriter, entry_payload


@pytest.fixture(autouse=True)
def _environment(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("ANCHOR_DATABASE_URL", database_url)


def test_seal_json_prints_the_new_batches(
    log: LogWriter, capsys: pytest.CaptureFixture[str]
) -> None:
    log.add([entry_payload() for _ in range(7)])

    assert main(["seal", "--json", "--max-batch-entries", "5"]) == 0

    batches = json.loads(capsys.readouterr().out)
    leaves = log.leaf_hashes()
    assert [(b["seq"], b["start_index"], b["end_index"]) for b in batches] == [(0, 0, 5), (1, 5, 7)]
    assert [b["root"] for b in batches] == [root(leaves[:5]).hex(), root(leaves).hex()]
    assert batches[1]["tree_size"] == 7 and batches[1]["entry_count"] == 2
    assert len(batches[0]["statement_hash"]) == 64


def test_seal_with_nothing_pending_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seal"]) == 0
    output = capsys.readouterr().out.strip()
    assert output == "nothing to seal: every stored entry is sealed already"
    assert main(["seal", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_seal_prints_one_line_per_batch_and_logs_progress(
    log: LogWriter, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    log.add([entry_payload() for _ in range(3)])
    caplog.set_level(logging.INFO, logger="anchor_service")

    assert main(["seal", "--max-batch-entries", "2"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["sealed batch 0", "sealed batch 1"]
    assert "entries [2, 3), tree size 3" in lines[1]
    progress = [r.getMessage() for r in caplog.records if r.name == "anchor_service.cli.seal"]
    assert progress == [
        "sealing: 0/3 entries (0%)",
        "sealing: 2/3 entries (66%)",
        "sealing: 3/3 entries (100%)",
    ]


def test_seal_rejects_a_cap_below_one(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["seal", "--max-batch-entries", "0"])
    assert exit_info.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err
