"""``witness key create|show`` and the key file rules: mode 0600, no overwrite, no open file."""

from __future__ import annotations

import stat
from pathlib import Path

from anchor_service.tlog import new_cosignature_verifier
from tests.service.witness.conftest import Log, create_witness_key, run_cli


def test_key_create_writes_a_private_file_and_prints_the_vkey_last(tmp_path: Path) -> None:
    key = tmp_path / "w.key"
    vkey = create_witness_key(key, "audit.example/w1")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    verifier = new_cosignature_verifier(vkey)  # type 0x04, key ID matching
    assert verifier.name == "audit.example/w1"
    assert key.read_text().startswith("PRIVATE+KEY+audit.example/w1+")
    assert vkey not in key.read_text()
    shown = run_cli("witness", "key", "show", "--key", str(key))
    assert shown.lines[-1].strip() == vkey
    assert "PRIVATE" not in shown.out


def test_key_create_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    key = tmp_path / "w.key"
    first = create_witness_key(key, "audit.example/w1")
    before = key.read_bytes()
    refused = run_cli("witness", "key", "create", "--out", str(key), "--name", "x", expect=1)
    assert refused.out.strip() == f"error: {key} exists; pass --force to replace the key in it"
    assert key.read_bytes() == before
    forced = run_cli("witness", "key", "create", "--out", str(key), "--name", "x", "--force")
    assert forced.lines[-1].strip() != first
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_key_create_refuses_an_invalid_name(tmp_path: Path) -> None:
    refused = run_cli(
        "witness", "key", "create", "--out", str(tmp_path / "k"), "--name", "a+b", expect=1
    )
    assert "invalid witness name 'a+b'" in refused.out
    assert not (tmp_path / "k").exists()


def test_a_key_file_others_may_read_is_refused_by_show_and_serve(tmp_path: Path) -> None:
    key = tmp_path / "w.key"
    create_witness_key(key, "audit.example/w1")
    key.chmod(0o644)
    expected = (
        f"error: {key} is accessible by others (mode 0644); "
        f"a witness key must be private: chmod 600 {key}"
    )
    shown = run_cli("witness", "key", "show", "--key", str(key), expect=1)
    assert shown.out.strip() == expected
    policy = tmp_path / "logs.policy"
    policy.write_text(f"log {Log().vkey}\nquorum none\n")
    served = run_cli(
        "witness", "serve", "--key", str(key), "--policy", str(policy),
        "--state", str(tmp_path / "s.db"), expect=1,
    )  # fmt: skip
    assert served.out.strip().splitlines()[-1] == expected
    assert not (tmp_path / "s.db").exists()


def test_serve_refuses_a_missing_key_and_a_bad_policy_in_one_line(tmp_path: Path) -> None:
    key = tmp_path / "w.key"
    policy = tmp_path / "logs.policy"
    policy.write_text("log not-a-key\nquorum none\n")
    missing = run_cli("witness", "serve", "--key", str(key), "--policy", str(policy), expect=1)
    assert missing.out.strip() == f"error: no witness key file at {key}"
    create_witness_key(key, "audit.example/w1")
    bad = run_cli("witness", "serve", "--key", str(key), "--policy", str(policy), expect=1)
    assert bad.out.strip().startswith(f"error: {policy}: line 1: invalid log key not-a-key")
    half = run_cli(
        "witness", "serve", "--key", str(key), "--policy", str(policy), "--rpc", "http://x",
        expect=1,
    )  # fmt: skip
    assert half.out.strip() == "error: --rpc and --registry go together"
