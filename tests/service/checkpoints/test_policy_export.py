"""``anchor-service policy export`` as a real process: the log key, the registry and the
quorum as a tlog-policy that this project's parser reads back and that accepts a
checkpoint the log key signed."""

from __future__ import annotations

import subprocess
from pathlib import Path

from anchor_service.services.checkpointing import checkpoint_body
from anchor_service.services.log_identity import create_log_key
from anchor_service.tlog import parse_policy, sign_note, verify_checkpoint
from tests.support.processes import service_command, service_env

ORIGIN = "ledger.example.co.id/anchor/v1"
REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def export(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        service_command("policy", "export", *args),
        env=service_env(ANCHOR_DATA_DIR=str(tmp_path / ".data"), **env),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_exported_policy_names_the_log_key_and_registry_and_accepts_its_checkpoints(
    tmp_path: Path,
) -> None:
    identity = create_log_key(tmp_path / "log.key", ORIGIN)
    done = export(
        tmp_path,
        "--url",
        "https://ledger.example.co.id/tlog",
        ANCHOR_LOG_KEY_PATH=str(tmp_path / "log.key"),
        ANCHOR_REGISTRY_ADDRESS=REGISTRY,
        ANCHOR_CHAIN_ID="31337",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"log {identity.verifier_key} https://ledger.example.co.id/tlog",
        f"registry 31337 {REGISTRY}",
        "quorum none",
    ]
    assert "no witness policy configured" in done.stderr
    policy = parse_policy(done.stdout)
    assert [str(registry) for registry in policy.registries] == [f"31337 {REGISTRY.lower()}"]
    signed = sign_note(checkpoint_body(ORIGIN, 5, bytes(range(32))), identity.signer)
    verified = verify_checkpoint(policy, signed)
    assert verified.checkpoint.size == 5


def test_without_a_registry_the_line_is_left_out_and_said_so(tmp_path: Path) -> None:
    create_log_key(tmp_path / "log.key", ORIGIN)
    done = export(tmp_path, ANCHOR_LOG_KEY_PATH=str(tmp_path / "log.key"))
    assert done.returncode == 0
    assert [line.split()[0] for line in done.stdout.splitlines()] == ["log", "quorum"]
    assert "no registry line: no registry configured" in done.stderr
    no_registry = export(
        tmp_path,
        "--no-registry",
        ANCHOR_LOG_KEY_PATH=str(tmp_path / "log.key"),
        ANCHOR_REGISTRY_ADDRESS=REGISTRY,
    )
    assert "registry" not in no_registry.stdout


def test_without_a_log_key_it_fails_in_one_line(tmp_path: Path) -> None:
    done = export(tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .startswith("error: no log key: set ANCHOR_LOG_KEY_PATH")
    )
