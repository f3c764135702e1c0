"""``anchor-service db`` and ``anchor-service keys`` against real databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from anchor_service.cli import main
from anchor_service.db import Database, Role, unit_of_work
from anchor_service.db.repositories import ApiKeyRepository


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("ANCHOR_DATABASE_URL", database_url)
    return database_url


def test_keys_create_prints_the_key_as_the_last_line(
    cli_env: str, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "create", "--role", "writer", "--name", "ci"]) == 0
    token = capsys.readouterr().out.rstrip("\n").splitlines()[-1]
    with unit_of_work(database.reader) as session:
        key = ApiKeyRepository(session).authenticate(token)
    assert key.role is Role.WRITER and key.name == "ci"


def test_keys_list_shows_ids_and_roles_but_no_secrets(
    cli_env: str, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    with unit_of_work(database.writer) as session:
        new = ApiKeyRepository(session).create(Role.AUDITOR, name="audit team")
    assert main(["keys", "list"]) == 0
    out = capsys.readouterr().out
    assert new.key.id in out and "auditor" in out and "audit team" in out and "active" in out
    assert new.token not in out and new.token[20:] not in out


def test_keys_revoke_marks_the_key_revoked(
    cli_env: str, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    with unit_of_work(database.writer) as session:
        new = ApiKeyRepository(session).create(Role.ADMIN)
    assert main(["keys", "revoke", new.key.id]) == 0
    assert main(["keys", "list"]) == 0
    assert "revoked" in capsys.readouterr().out
    assert main(["keys", "revoke", "0123456789abcdef"]) == 1
    assert "no API key with id" in capsys.readouterr().err


def test_revoking_a_revoked_key_says_when_it_was_revoked_and_exits_1(
    cli_env: str, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    with unit_of_work(database.writer) as session:
        new = ApiKeyRepository(session).create(Role.WRITER)
    assert main(["keys", "revoke", new.key.id, "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["revoked_at"] is not None and first["already_revoked"] is False
    assert main(["keys", "revoke", new.key.id]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert f"writer key {new.key.id} was already revoked at {first['revoked_at']}" in err
    assert main(["keys", "revoke", new.key.id, "--json"]) == 1
    again = json.loads(capsys.readouterr().out)
    assert again["revoked_at"] == first["revoked_at"] and again["already_revoked"] is True


def test_keys_create_binds_an_account_key_to_its_patterns_and_list_shows_them(
    cli_env: str, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["keys", "create", "--role", "account", "--name", "creator 7"]
    assert main([*argv, "--account", "wallet:user:981", "--account", "creator:7:*"]) == 0
    out = capsys.readouterr().out.rstrip("\n").splitlines()
    assert "for creator:7:*, wallet:user:981" in out[0]
    with unit_of_work(database.reader) as session:
        keys = ApiKeyRepository(session)
        key = keys.authenticate(out[-1])
        assert key.role is Role.ACCOUNT
        assert [p.text for p in keys.accounts_of(key.id)] == ["creator:7:*", "wallet:user:981"]
    assert main(["keys", "list"]) == 0
    [row] = [line for line in capsys.readouterr().out.splitlines() if key.id in line]
    assert row.split()[1] == "account" and row.endswith("creator:7:* wallet:user:981")
    assert main(["keys", "list", "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["accounts"] == ["creator:7:*", "wallet:user:981"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--role", "account"], "--role account needs at least one --account PATTERN"),
        (["--role", "auditor", "--account", "a:1"], "an 'auditor' key reads every account"),
        (["--role", "writer", "--account", "a:1"], "a 'writer' key reads no account"),
        (["--role", "account", "--account", "creator:*:1"], "has '*' before its end"),
        (["--role", "account", "--account", "wallet :1"], "contains whitespace"),
        (["--role", "account", "--account", ""], "must not be empty"),
    ],
)
def test_keys_create_refuses_misplaced_or_invalid_accounts_with_exit_2(
    cli_env: str,
    database: Database,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    try:
        status = main(["keys", "create", *argv])
    except SystemExit as exited:  # argparse: a pattern that breaks the grammar
        status = int(str(exited.code))
    assert status == 2
    err = capsys.readouterr().err
    assert message in err and err.count("error:") == 1
    with unit_of_work(database.reader) as session:
        assert ApiKeyRepository(session).count() == 0


def test_keys_create_refuses_unknown_roles(cli_env: str) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["keys", "create", "--role", "root"])
    assert exited.value.code == 2


def test_db_upgrade_on_a_fresh_file_is_idempotent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ANCHOR_DATABASE_URL", f"sqlite:///{tmp_path}/sub/anchor.db")
    assert main(["db", "current"]) == 1
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "current"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_commands_on_an_unmigrated_database_say_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ANCHOR_DATABASE_URL", f"sqlite:///{tmp_path}/empty.db")
    assert main(["keys", "list"]) == 1
    assert "anchor-service db upgrade" in capsys.readouterr().err


def test_installed_console_script_creates_a_key(database_url: str, tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("anchor-service")
    result = subprocess.run(
        [str(script), "keys", "create", "--role", "auditor"],
        env={**os.environ, "ANCHOR_DATABASE_URL": database_url},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.splitlines()[-1].startswith("ak_")


def _cli_in(directory: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """``anchor-service ARGV`` of this checkout, run in ``directory`` without ANCHOR_*."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("ANCHOR_")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[3])
    return subprocess.run(
        [sys.executable, "-m", "anchor_service.cli", *argv],
        env=env, cwd=directory, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("argv", "status"),
    [
        (["keys", "list"], 1),
        (["db", "current"], 1),
        (["seal"], 1),
        (["audit"], 2),
        (["audit", "--json"], 2),
    ],
    ids=["keys-list", "db-current", "seal", "audit", "audit-json"],
)
def test_cli_outside_a_set_up_names_the_database_and_creates_nothing(
    tmp_path: Path, argv: list[str], status: int
) -> None:
    """Run from an empty directory: the default SQLite file does not exist, so say which
    database the command would use and that there is none, instead of creating it."""
    result = _cli_in(tmp_path, *argv)
    assert result.returncode == status, result.stderr
    expected = tmp_path.resolve() / ".data" / "anchor.db"
    assert f"no database at {expected}" in result.stderr, result.stderr
    assert "the default ANCHOR_DATABASE_URL" in result.stderr
    assert "anchor-service db upgrade" in result.stderr  # how to create one here, if meant
    if "--json" in argv:  # audit --json: its error document on stdout
        assert json.loads(result.stdout)["detail"].startswith(f"no database at {expected}")
    assert list(tmp_path.iterdir()) == []  # nothing created: no .data, no anchor.db


def test_cli_on_an_empty_database_file_says_it_is_empty(tmp_path: Path) -> None:
    (tmp_path / "empty.db").touch()  # what earlier versions left behind
    env_url = "sqlite:///empty.db"
    result = subprocess.run(
        [sys.executable, "-m", "anchor_service.cli", "keys", "list"],
        env={**os.environ, "ANCHOR_DATABASE_URL": env_url,
             "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    empty = tmp_path.resolve() / "empty.db"
    assert f"the database {empty} (ANCHOR_DATABASE_URL) is empty" in result.stderr
    assert "anchor-service db upgrade" in result.stderr
