"""``anchor-service log-key create|show`` run as real processes: a 0600 file, the
verifier key as the last line, no overwrite without --force, one-line errors, and the
signer key never printed nor logged."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

from anchor_service.tlog import VerifierList, new_verifier, open_note, sign_note
from anchor_service.tlog.keys import new_signer
from tests.support.processes import service_command, service_env

ORIGIN = "ledger.example.co.id/anchor/v1"


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        service_command(*args),
        env=service_env(ANCHOR_LOG_LEVEL="DEBUG", **env),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_create_writes_a_private_key_and_show_prints_the_same_verifier_key(
    tmp_path: Path,
) -> None:
    created = run(tmp_path, "log-key", "create", "--origin", ORIGIN, "--path", "keys/log.key")
    assert created.returncode == 0, created.stderr
    path = tmp_path / "keys" / "log.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    skey = path.read_text().strip()
    vkey = created.stdout.rstrip("\n").splitlines()[-1]
    assert vkey.startswith(f"{ORIGIN}+")
    # The printed verifier key checks what the written key signs.
    signed = sign_note("hello\n", new_signer(skey))
    assert open_note(signed, VerifierList(new_verifier(vkey))).text == "hello\n"

    shown = run(
        tmp_path, "log-key", "show", ANCHOR_LOG_KEY_PATH="keys/log.key", ANCHOR_LOG_ORIGIN=ORIGIN
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.rstrip("\n").splitlines()[-1] == vkey
    as_json = run(tmp_path, "log-key", "show", "--json", ANCHOR_LOG_KEY_PATH="keys/log.key")
    assert json.loads(as_json.stdout)["verifier_key"] == vkey
    for result in (created, shown, as_json):
        assert skey not in result.stdout + result.stderr
        assert skey.split("+", 4)[4] not in result.stdout + result.stderr


def test_create_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    env = {"ANCHOR_LOG_KEY_PATH": "log.key", "ANCHOR_LOG_ORIGIN": ORIGIN}
    assert run(tmp_path, "log-key", "create", **env).returncode == 0
    before = (tmp_path / "log.key").read_text()
    again = run(tmp_path, "log-key", "create", **env)
    assert again.returncode == 1
    assert again.stderr.strip().splitlines() == [
        "error: log.key exists already; pass --force to replace it (checkpoints signed with "
        "the old key will then need the old verifier key)"
    ]
    assert (tmp_path / "log.key").read_text() == before
    forced = run(tmp_path, "log-key", "create", "--force", **env)
    assert forced.returncode == 0 and (tmp_path / "log.key").read_text() != before


def test_show_refuses_a_key_file_others_can_read_with_the_chmod_fix(tmp_path: Path) -> None:
    assert (
        run(tmp_path, "log-key", "create", "--origin", ORIGIN, "--path", "log.key").returncode == 0
    )
    os.chmod(tmp_path / "log.key", 0o644)
    shown = run(tmp_path, "log-key", "show", ANCHOR_LOG_KEY_PATH="log.key")
    assert shown.returncode == 1 and shown.stdout == ""
    assert shown.stderr.strip().splitlines() == [
        "error: the log key file log.key may be read by group or others (mode 0644); "
        "refusing to use it: run `chmod 600 log.key`"
    ]


def test_a_key_given_in_ANCHOR_LOG_KEY_is_never_printed_or_logged(tmp_path: Path) -> None:
    from anchor_service.tlog import generate_key

    skey, vkey = generate_key(ORIGIN)
    shown = run(tmp_path, "log-key", "show", ANCHOR_LOG_KEY=skey)
    assert shown.returncode == 0 and shown.stdout.rstrip("\n").splitlines()[-1] == vkey
    assert "ANCHOR_LOG_KEY" in shown.stdout
    assert skey.split("+", 4)[4] not in shown.stdout + shown.stderr
    wrong = run(tmp_path, "log-key", "show", ANCHOR_LOG_KEY=skey, ANCHOR_LOG_ORIGIN="other/log")
    assert wrong.returncode == 1 and len(wrong.stderr.strip().splitlines()) == 1
    assert skey.split("+", 4)[4] not in wrong.stdout + wrong.stderr


def test_help_explains_both_commands(tmp_path: Path) -> None:
    helped = run(tmp_path, "log-key", "--help")
    assert helped.returncode == 0
    assert "create" in helped.stdout and "show" in helped.stdout and "examples:" in helped.stdout
    create_help = run(tmp_path, "log-key", "create", "--help").stdout
    assert "--origin" in create_help and "--force" in create_help and "0600" in create_help
