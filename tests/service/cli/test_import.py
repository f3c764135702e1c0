"""``anchor-service import FILE``: bulk loads from JSONL and CSV, resumable, on real databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import text

from anchor_service.cli import main
from anchor_service.db.models import Role
from anchor_service.db.repositories.entries import EntryRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.importer import state_path_for
from anchor_service.services.redaction import redact_entry
from anchor_service.services.sealing import seal_pending
from anchor_service.settings import Settings
from tests.support.servers import app_in_thread

MakeEntry = Callable[..., dict[str, Any]]

CSV_HEADER = "external_id,occurred_at,description,account,amount,currency,metadata\n"


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("ANCHOR_DATABASE_URL", database_url)
    return database_url


def _write_jsonl(path: Path, entries: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(entry) + "\n" for entry in entries), encoding="utf-8")


def _stored(database: Database) -> list[tuple[int, str]]:
    """(leaf_index, external_id) of every stored entry, in index order."""
    with database.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT leaf_index, external_id FROM entries ORDER BY leaf_index")
        )
        return [(int(row[0]), str(row[1])) for row in rows]


def _document(database: Database, external_id: str) -> dict[str, Any]:
    with unit_of_work(database.reader) as session:
        raw = EntryRepository(session).get(external_id).document
    assert raw is not None
    document: dict[str, Any] = json.loads(raw)
    return document


def _summary(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    summary: dict[str, Any] = json.loads(capsys.readouterr().out)
    return summary


def test_a_jsonl_import_stores_every_entry_in_file_order_with_dense_indices(
    cli_env: str, database: Database, make_entry: MakeEntry, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    entries = [make_entry(f"jl-{n}") for n in range(25)]
    source = tmp_path / "payments.jsonl"
    _write_jsonl(source, entries)

    assert main(["import", str(source), "--batch-size", "10", "--json"]) == 0

    summary = _summary(capsys)
    assert summary["imported"] == 25 and summary["existing"] == 0 and summary["batches"] == 3
    assert summary["complete"] is True and summary["lines"] == 25
    assert _stored(database) == [(n, f"jl-{n}") for n in range(25)]
    assert not state_path_for(source).exists()
    document = _document(database, "jl-7")
    assert document["metadata"] == entries[7]["metadata"]
    assert document["occurred_at"] == "2026-11-21T01:15:00Z"


def test_a_csv_import_makes_one_entry_of_consecutive_rows_with_the_same_external_id(
    cli_env: str, database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "export.csv"
    source.write_text(
        CSV_HEADER + 'csv-1,2026-11-21T08:15:00+07:00,"Split, three ways",wallet:user:1,-300,IDR,'
        '"{""gateway"": ""midtrans"", ""ref"": ""123456789012345678901234""}"\n'
        "csv-1,,,escrow:project:42,100,IDR,\n"
        "csv-1,,,escrow:project:43,200,IDR,\n"
        "\n"
        "csv-2,2026-11-21T09:00:00Z,,wallet:user:2,-5,USD,\n"
        "csv-2,2026-11-21T09:00:00Z,,wallet:user:3,5,USD,\n",
        encoding="utf-8",
    )

    assert main(["import", str(source), "--json"]) == 0

    assert _summary(capsys)["imported"] == 2
    assert _stored(database) == [(0, "csv-1"), (1, "csv-2")]
    first, second = _document(database, "csv-1"), _document(database, "csv-2")
    assert first["description"] == "Split, three ways"
    assert first["metadata"] == {"gateway": "midtrans", "ref": "123456789012345678901234"}
    assert [(p["account"], p["amount"]) for p in first["postings"]] == [
        ("wallet:user:1", "-300"), ("escrow:project:42", "100"), ("escrow:project:43", "200")
    ]  # fmt: skip
    assert "description" not in second and "metadata" not in second


def test_running_an_import_again_finds_every_entry_stored_and_adds_nothing(
    cli_env: str, database: Database, make_entry: MakeEntry, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    source = tmp_path / "again.jsonl"
    _write_jsonl(source, [make_entry(f"again-{n}") for n in range(12)])
    assert main(["import", str(source), "--batch-size", "5"]) == 0
    capsys.readouterr()

    assert main(["import", str(source), "--batch-size", "5", "--json"]) == 0

    summary = _summary(capsys)
    assert (summary["imported"], summary["existing"], summary["conflicts"]) == (0, 12, 0)
    assert _stored(database) == [(n, f"again-{n}") for n in range(12)]


def test_a_bad_line_stops_its_batch_and_the_fixed_file_resumes_at_that_batch(
    cli_env: str, database: Database, make_entry: MakeEntry, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    entries = [make_entry(f"res-{n}") for n in range(30)]
    broken = [*entries]
    broken[24] = {**entries[24], "postings": entries[24]["postings"][:1]}  # line 25, batch 3
    source = tmp_path / "resume.jsonl"
    _write_jsonl(source, broken)

    assert main(["import", str(source), "--batch-size", "10"]) == 1

    err = capsys.readouterr().err
    assert f"{source}:25: postings:" in err
    assert "stopped at the batch starting on line 21" in err
    assert _stored(database) == [(n, f"res-{n}") for n in range(20)]  # nothing of batch 3
    saved = json.loads(state_path_for(source).read_text())
    assert (saved["line"], saved["batches"], saved["counts"]["imported"]) == (20, 2, 20)

    _write_jsonl(source, entries)  # fix line 25
    assert main(["import", str(source), "--batch-size", "10", "--json"]) == 0

    summary = _summary(capsys)
    assert summary["resumed_after_line"] == 20
    assert (summary["imported"], summary["existing"], summary["batches"]) == (30, 0, 3)
    assert _stored(database) == [(n, f"res-{n}") for n in range(30)]
    assert not state_path_for(source).exists()


def test_a_file_changed_before_the_saved_position_is_refused_unless_restart(
    cli_env: str, database: Database, make_entry: MakeEntry, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    entries = [make_entry(f"chg-{n}") for n in range(15)]
    source = tmp_path / "changed.jsonl"
    _write_jsonl(source, [*entries[:12], {"external_id": "chg-bad"}, *entries[13:]])
    assert main(["import", str(source), "--batch-size", "5"]) == 1
    assert _stored(database) == [(n, f"chg-{n}") for n in range(10)]
    capsys.readouterr()
    # The same entry 3 written differently (integer amounts, another offset): new bytes.
    postings = [{**p, "amount": int(p["amount"])} for p in entries[3]["postings"]]
    same = {**entries[3], "occurred_at": "2026-11-21T01:15:00Z", "postings": postings}
    _write_jsonl(source, [*entries[:3], same, *entries[4:]])

    assert main(["import", str(source), "--batch-size", "5"]) == 2
    err = capsys.readouterr().err
    assert "cannot resume" in err and "changed before the saved position (line 10" in err
    assert "--restart" in err
    assert _stored(database) == [(n, f"chg-{n}") for n in range(10)]

    assert main(["import", str(source), "--batch-size", "5", "--restart", "--json"]) == 0
    summary = _summary(capsys)
    assert (summary["imported"], summary["existing"], summary["resumed_after_line"]) == (
        5, 10, None
    )  # fmt: skip
    assert _stored(database) == [(n, f"chg-{n}") for n in range(15)]


def test_skip_invalid_reports_bad_and_conflicting_lines_and_stores_the_rest(
    cli_env: str, database: Database, make_entry: MakeEntry, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    first = tmp_path / "first.jsonl"
    _write_jsonl(first, [make_entry("skip-0")])
    assert main(["import", str(first)]) == 0
    source = tmp_path / "mixed.jsonl"
    source.write_text(
        json.dumps(make_entry("skip-1")) + "\n"
        + "{not json\n"
        + json.dumps(make_entry("skip-0", amount=7)) + "\n"  # stored with another body
        + json.dumps(make_entry("skip-2")) + "\n"
        + json.dumps(make_entry("skip-1", amount=9)) + "\n",  # line 1 had another body
        encoding="utf-8",
    )  # fmt: skip
    capsys.readouterr()

    assert main(["import", str(source), "--skip-invalid", "--json"]) == 1

    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert (summary["imported"], summary["conflicts"], summary["invalid"]) == (2, 2, 1)
    assert summary["complete"] is True
    assert f"{source}:2: the line is not valid JSON" in captured.err  # issue 17: not "request body"
    assert f"{source}:3: conflict: external_id 'skip-0' is already stored (leaf 0)" in captured.err
    assert f"{source}:5: conflict: external_id 'skip-1' appears on line 1" in captured.err
    assert _stored(database) == [(0, "skip-0"), (1, "skip-1"), (2, "skip-2")]


def test_a_csv_error_names_the_row_of_the_posting_at_fault(
    cli_env: str, database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "rows.csv"
    source.write_text(
        "external_id,occurred_at,account,amount,currency\n"
        "ok-1,2026-11-21T08:15:00Z,wallet:user:1,-5,IDR\n"
        "ok-1,,escrow:p:1,5,IDR\n"
        "bad-1,2026-11-21T08:15:00Z,wallet:user:1,-5,IDR\n"
        "bad-1,,escrow:p:1,5.0,IDR\n",
        encoding="utf-8",
    )
    assert main(["import", str(source)]) == 1
    assert f"{source}:5: postings.1.amount:" in capsys.readouterr().err
    assert _stored(database) == []


def test_a_csv_without_the_required_columns_is_refused(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "wrong.csv"
    source.write_text("id,when,account,amount\nx,y,z,1\n", encoding="utf-8")
    assert main(["import", str(source)]) == 2
    assert "the CSV header must name the columns" in capsys.readouterr().err


def test_the_installed_command_imports_a_csv_file_and_prints_a_json_summary(
    database_url: str, database: Database, tmp_path: Path
) -> None:
    source = tmp_path / "sub.csv"
    rows = "".join(
        f"sub-{n},2026-11-21T08:15:00+07:00,,wallet:user:{n},-{n + 1},IDR,\n"
        f"sub-{n},,,escrow:project:1,{n + 1},IDR,\n"
        for n in range(7)
    )
    source.write_text(CSV_HEADER + rows, encoding="utf-8")
    script = Path(sys.executable).with_name("anchor-service")
    result = subprocess.run(
        [str(script), "import", str(source), "--batch-size", "3", "--json"],
        env={**os.environ, "ANCHOR_DATABASE_URL": database_url},
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["imported"], summary["batches"], summary["lines"]) == (7, 3, 15)
    assert _stored(database) == [(n, f"sub-{n}") for n in range(7)]


@pytest.fixture
def api_url(app: FastAPI) -> Iterator[str]:
    """The app served over real HTTP by uvicorn in a thread, on a free port."""
    with app_in_thread(app) as url:
        yield url


def test_with_url_batches_go_to_the_running_api_and_its_conflicts_name_the_line(
    cli_env: str, api_url: str, make_key: Callable[[Role], str], database: Database,
    make_entry: MakeEntry, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("ANCHOR_KEY", make_key(Role.WRITER))
    monkeypatch.setenv("ANCHOR_DATABASE_URL", "sqlite:////nonexistent/unused.db")
    entries = [make_entry(f"api-{n}") for n in range(12)]
    source = tmp_path / "remote.jsonl"
    _write_jsonl(source, entries)

    assert main(["import", str(source), "--url", api_url, "--batch-size", "5", "--json"]) == 0
    summary = _summary(capsys)
    assert (summary["imported"], summary["existing"], summary["batches"]) == (12, 0, 3)
    assert _stored(database) == [(n, f"api-{n}") for n in range(12)]

    clash = tmp_path / "clash.jsonl"
    _write_jsonl(clash, [make_entry("api-new"), make_entry("api-3", amount=1)])
    assert main(["import", str(clash), "--url", api_url]) == 1
    err = capsys.readouterr().err
    assert f"{clash}:2: conflict: external_id 'api-3' is already stored" in err
    assert len(_stored(database)) == 12  # nothing of the batch

    monkeypatch.setenv("ANCHOR_KEY", "ak_0123456789abcdef_wrong")
    assert main(["import", str(clash), "--url", api_url, "--restart"]) == 1
    assert "401 Unauthenticated" in capsys.readouterr().err


def _redact(database: Database, settings: Settings, external_ids: list[str]) -> None:
    time.sleep(0.01)  # sealing takes the entries received before now
    assert seal_pending(database, settings)
    for external_id in external_ids:
        redact_entry(database, external_id)


def test_an_import_run_again_counts_its_redacted_entries_as_existing(
    cli_env: str, database: Database, settings: Settings, make_entry: MakeEntry,
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    source = tmp_path / "redacted.jsonl"
    _write_jsonl(source, [make_entry(f"red-{n}") for n in range(4)])
    assert main(["import", str(source)]) == 0
    _redact(database, settings, ["red-1", "red-2"])
    capsys.readouterr()

    assert main(["import", str(source), "--restart", "--json"]) == 0
    summary = _summary(capsys)
    assert (summary["imported"], summary["existing"], summary["conflicts"]) == (0, 4, 0)


def test_an_import_through_the_api_counts_redacted_entries_as_existing(
    cli_env: str, api_url: str, make_key: Callable[[Role], str], database: Database,
    settings: Settings, make_entry: MakeEntry, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("ANCHOR_KEY", make_key(Role.WRITER))
    source = tmp_path / "redacted.jsonl"
    _write_jsonl(source, [make_entry(f"rr-{n}") for n in range(4)])
    assert main(["import", str(source), "--url", api_url]) == 0
    _redact(database, settings, ["rr-0", "rr-3"])
    capsys.readouterr()

    more = tmp_path / "more.jsonl"
    _write_jsonl(more, [make_entry(f"rr-{n}") for n in range(4)] + [make_entry("rr-new")])
    assert main(["import", str(more), "--url", api_url, "--json"]) == 0
    summary = _summary(capsys)
    assert (summary["imported"], summary["existing"], summary["conflicts"]) == (1, 4, 0)


def _csv_rows(prefix: str, count: int) -> str:
    return "".join(
        f"{prefix}-{n},2026-11-21T08:15:00+07:00,,wallet:user:{n},-{n + 1},IDR,\n"
        f"{prefix}-{n},,,escrow:project:1,{n + 1},IDR,\n"
        for n in range(count)
    )


def test_a_wrong_format_stores_nothing_leaves_no_state_and_names_the_file_line(
    cli_env: str, database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "payments.csv"
    source.write_text(CSV_HEADER + _csv_rows("fmt", 2), encoding="utf-8")

    assert main(["import", str(source), "--format", "jsonl"]) == 1
    err = capsys.readouterr().err
    assert f"{source}:1: the line is not valid JSON: expected value at column 1" in err, err
    assert "request body" not in err and "line 1 column" not in err
    assert "5 invalid" in err  # the stop summary counts what it just reported
    assert _stored(database) == []
    assert not state_path_for(source).exists()  # nothing stored: no position to keep

    assert main(["import", str(source), "--format", "csv", "--json"]) == 0
    assert _summary(capsys)["imported"] == 2
    assert _stored(database) == [(0, "fmt-0"), (1, "fmt-1")]


def test_a_state_file_from_a_run_that_stored_nothing_allows_another_format(
    cli_env: str, database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from anchor_service.importer import ImportState

    source = tmp_path / "payments.csv"
    source.write_text(CSV_HEADER + _csv_rows("old", 1), encoding="utf-8")
    ImportState(format="jsonl").save(state_path_for(source), source)  # left by older versions
    assert main(["import", str(source), "--json"]) == 0
    assert _summary(capsys)["imported"] == 1


def test_the_stop_summary_counts_the_invalid_record_it_reported(
    cli_env: str, database: Database, make_entry: MakeEntry, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    entries = [make_entry(f"cnt-{n}") for n in range(3)]
    entries[1] = {**entries[1], "postings": entries[1]["postings"][:1]}
    source = tmp_path / "count.jsonl"
    _write_jsonl(source, entries)
    assert main(["import", str(source)]) == 1
    err = capsys.readouterr().err
    assert f"{source}:2: postings:" in err
    assert "0 conflicts, 1 invalid" in err, err
    assert main(["import", str(source), "--json"]) == 1
    summary = _summary(capsys)
    assert (summary["imported"], summary["invalid"]) == (0, 1)


def test_with_url_the_command_prints_no_http_client_info_lines(
    database_url: str, api_url: str, make_key: Callable[[Role], str], database: Database,
    make_entry: MakeEntry, tmp_path: Path,
) -> None:  # fmt: skip
    source = tmp_path / "quiet.jsonl"
    _write_jsonl(source, [make_entry("quiet-1"), make_entry("quiet-2")])
    result = subprocess.run(
        [sys.executable, "-m", "anchor_service.cli", "import", str(source), "--url", api_url],
        env={**os.environ, "ANCHOR_KEY": make_key(Role.WRITER), "ANCHOR_LOG_LEVEL": "INFO"},
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "2 entries imported" in result.stdout
    assert "HTTP Request" not in result.stderr and "httpx" not in result.stderr, result.stderr


def test_a_csv_entry_with_a_repeated_metadata_key_is_not_called_a_request_body(
    cli_env: str, database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "dup.csv"
    source.write_text(
        CSV_HEADER
        + 'dup-0,2026-11-21T08:15:00+07:00,,wallet:user:1,-1,IDR,"{""a"": 1, ""a"": 2}"\n'
        + "dup-0,,,escrow:project:1,1,IDR,\n",
        encoding="utf-8",
    )
    assert main(["import", str(source)]) == 1
    err = capsys.readouterr().err
    assert f"{source}:2: the entry " in err and "'a'" in err, err  # the parser's wording
    assert "request body" not in err
