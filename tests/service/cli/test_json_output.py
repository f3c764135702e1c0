"""``--help`` examples on every command, and ``--json`` output for scripts."""

from __future__ import annotations

import argparse
import json
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from anchor_service.cli import main
from anchor_service.cli.main import build_parser
from anchor_service.db.repositories.api_keys import ApiKeyRepository
from anchor_service.db.session import Database, unit_of_work
from tests.support.environment import clean_anchor_environment


def _leaf_parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    children = [
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    ]
    if not children:
        yield path, parser
    for action in children:
        for name, child in action.choices.items():
            yield from _leaf_parsers(child, (*path, name))


def test_every_command_help_ends_with_real_examples_of_itself() -> None:
    leaves = list(_leaf_parsers(build_parser()))
    assert len(leaves) >= 15
    for path, parser in leaves:
        epilog = parser.epilog or ""
        assert epilog.startswith("examples:"), path
        assert f"anchor-service {' '.join(path)}" in epilog, path
        for line in epilog.splitlines()[1:]:
            for command in re.findall(r"anchor-service ([^|&>]*)", line):
                argv = shlex.split(re.split(r"\s{2,}", command.strip())[0])
                build_parser().parse_args(argv)  # SystemExit on an example that is wrong


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    clean_anchor_environment(monkeypatch, tmp_path)
    monkeypatch.setenv("ANCHOR_DATABASE_URL", database_url)
    monkeypatch.setenv("ANCHOR_DATA_DIR", str(tmp_path))
    return database_url


def test_keys_commands_print_json(
    cli_env: str, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "create", "--role", "auditor", "--name", "ci", "--json"]) == 0
    created = json.loads(capsys.readouterr().out)
    with unit_of_work(database.reader) as session:
        key = ApiKeyRepository(session).authenticate(created["token"])
    assert (created["id"], created["role"], created["name"]) == (key.id, "auditor", "ci")
    assert created["created_at"].endswith("Z") and created["revoked_at"] is None

    assert main(["keys", "revoke", created["id"], "--json"]) == 0
    revoked = json.loads(capsys.readouterr().out)
    assert revoked["id"] == created["id"] and revoked["revoked_at"] is not None

    assert main(["keys", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [entry["id"] for entry in listed] == [created["id"]]
    assert "token" not in listed[0] and listed[0]["revoked_at"] == revoked["revoked_at"]


def test_db_commands_print_json(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade", "--json"]) == 0
    upgraded = json.loads(capsys.readouterr().out)
    assert main(["db", "current", "--json"]) == 0
    current = json.loads(capsys.readouterr().out)
    assert current["revision"] == current["head"] == upgraded["revision"]
    assert current["up_to_date"] is True


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_scheduler_once_prints_json_and_fails_without_a_signing_key(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "two.jsonl"
    source.write_text(
        "".join(
            json.dumps(
                {"external_id": f"sch-{n}", "occurred_at": "2026-11-21T08:15:00Z",
                 "postings": [{"account": "wallet:user:1", "amount": "-5", "currency": "IDR"},
                              {"account": "escrow:p:1", "amount": "5", "currency": "IDR"}]}
            ) + "\n"
            for n in range(2)
        ),
        encoding="utf-8",
    )  # fmt: skip
    assert main(["import", str(source)]) == 0
    capsys.readouterr()

    assert main(["scheduler", "--once", "--json"]) == 1

    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert [(b["seq"], b["start_index"], b["end_index"]) for b in report["sealed"]] == [(0, 0, 2)]
    assert any("SignerError" in problem for problem in report["problems"])
