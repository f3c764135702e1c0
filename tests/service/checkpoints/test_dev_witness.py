"""``anchor-service dev`` (``make run``) runs a local witness: a POSTed entry is at
``/tlog/checkpoint`` within seconds, signed by the log and cosigned by the dev witness
whose verifier key dev printed; ``policy export`` beside it lists that witness, and
``anchor-service verify`` of the entry's tlog-proof with the exported policy is VALID
offline. A restart reuses the witness key (and its state) and cosigns the next entry."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx

from anchor_service.tlog import (
    PolicyNotSatisfiedError,
    VerifiedCheckpoint,
    parse_policy,
    verify_checkpoint,
)
from tests.service.checkpoints.test_dev_checkpoints import VERIFIER_LINE
from tests.service.cli.test_dev_stack import ENTRY, Dev, banner_value
from tests.support.ports import free_port
from tests.support.processes import service_command, service_env
from tests.support.waiting import wait_until

WITNESS_LINE = "Its verifier key (cosignatures verify with it): "


def _printed(out: str, label: str) -> str:
    [value] = [line.split(label, 1)[1].strip() for line in out.splitlines() if label in line]
    return value


def _cli(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        service_command(*args), cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


class Checkpoints:
    """``GET /tlog/checkpoint`` checked against the log and witness keys dev printed."""

    def __init__(self, base: str, log_vkey: str, witness_vkey: str) -> None:
        self.url = f"{base}/tlog/checkpoint"
        self.policy = parse_policy(
            f"log {log_vkey}\nwitness dev {witness_vkey}\nquorum dev\n".encode()
        )

    def cosigned(self) -> VerifiedCheckpoint | None:
        """The served checkpoint if the log signed it and the dev witness cosigned it."""
        response = httpx.get(self.url, timeout=10)
        if response.status_code != 200:
            return None
        try:
            return verify_checkpoint(self.policy, response.content)
        except PolicyNotSatisfiedError:
            return None

    def wait_cosigned(self, size: int, timeout: float = 45) -> VerifiedCheckpoint:
        found: list[VerifiedCheckpoint] = []

        def ready() -> bool:
            verified = self.cosigned()
            if verified is not None and verified.checkpoint.size >= size:
                found.append(verified)
                return True
            return False

        wait_until(ready, timeout, f"a checkpoint of size {size} cosigned by the dev witness")
        return found[-1]


def test_make_run_shows_a_checkpoint_cosigned_by_its_local_witness(tmp_path: Path) -> None:
    api_port, chain_port = free_port(), free_port()
    env = service_env(
        ANCHOR_PORT=str(api_port),
        ANCHOR_RPC_URL=f"http://127.0.0.1:{chain_port}",
        ANCHOR_LOG_LEVEL="WARNING",
    )
    base = f"http://127.0.0.1:{api_port}"
    data = tmp_path / ".data"

    first = Dev(tmp_path, env)
    try:
        first.wait_running()
        out = first.out
        log_vkey = _printed(out, VERIFIER_LINE)
        witness_vkey = _printed(out, WITNESS_LINE)
        assert "First start: created a dev witness key" in out
        assert witness_vkey.startswith("localhost/anchor-service/dev-witness+")
        assert (data / "witness.key").stat().st_mode & 0o077 == 0
        witness_url = banner_value(out, "witness")
        assert f"vkey {witness_vkey}" in out and "asked every 5 s" in out
        assert httpx.get(f"{witness_url}/healthz", timeout=10).status_code == 200
        [key] = [line.strip() for line in out.splitlines() if line.strip().startswith("ak_")]
        headers = {"Authorization": f"Bearer {key}"}

        created = httpx.post(f"{base}/v1/entries", json=ENTRY, headers=headers, timeout=30)
        assert created.status_code == 201, created.text
        index = created.json()["leaf_index"]
        checkpoints = Checkpoints(base, log_vkey, witness_vkey)
        verified = checkpoints.wait_cosigned(index + 1)
        assert verified.log == "localhost/anchor-service/dev"
        assert list(verified.cosigners) == ["dev"]

        # The CLI beside dev reads its witness policy from dev.env: the export lists it.
        exported = _cli(tmp_path, env, "policy", "export")
        assert exported.returncode == 0, exported.stderr
        policy_text = exported.stdout
        assert f"log {log_vkey}\n" in policy_text
        assert f"witness dev-witness {witness_vkey} {witness_url}\n" in policy_text
        assert policy_text.endswith("quorum dev-witness\n")
        policy_file = tmp_path / "exported.policy"
        policy_file.write_text(policy_text)

        proof = httpx.get(
            f"{base}/v1/entries/{ENTRY['external_id']}/proof",
            params={"format": "tlog-proof"},
            headers=headers,
            timeout=30,
        )
        assert proof.status_code == 200, proof.text
        assert proof.text.startswith("c2sp.org/tlog-proof@v1\n")
        assert f"— {witness_vkey.split('+')[0]} " in proof.text  # the cosignature is in it
        proof_file = tmp_path / "entry.tlog-proof"
        proof_file.write_bytes(proof.content)
        verified_proof = _cli(
            tmp_path, env, "verify", "--policy", str(policy_file), "--offline", str(proof_file)
        )
        assert verified_proof.returncode == 0, verified_proof.stdout + verified_proof.stderr
        assert "cosigned by dev-witness" in verified_proof.stdout
        assert "VALID" in verified_proof.stdout
    finally:
        first.stop()

    # A restart reuses the key and the witness's state; the next entry is cosigned too.
    second = Dev(tmp_path, env)
    try:
        second.wait_running()
        out = second.out
        assert "First start: created a dev witness key" not in out
        assert f"dev witness: verifier key {witness_vkey}" in out
        created = httpx.post(
            f"{base}/v1/entries",
            json={**ENTRY, "external_id": "pay-2026-11-21-000124"},
            headers=headers,
            timeout=30,
        )
        assert created.status_code == 201, created.text
        checkpoints.wait_cosigned(created.json()["leaf_index"] + 1)
    finally:
        second.stop()
