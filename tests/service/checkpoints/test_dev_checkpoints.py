"""``anchor-service dev`` (what ``make run`` runs): the first start creates a dev log key
and says so, and a POSTed entry is at ``/tlog/checkpoint`` within seconds, signed by
the key whose verifier key dev printed."""

from __future__ import annotations

from pathlib import Path

import httpx

from anchor_service.tlog import VerifierList, new_verifier, open_note, parse_checkpoint
from tests.service.cli.test_dev_stack import ENTRY, Dev
from tests.support.ports import free_port
from tests.support.processes import service_env
from tests.support.waiting import wait_until

VERIFIER_LINE = "Its verifier key (checkpoints verify with it): "


def test_make_run_shows_a_signed_checkpoint_within_seconds_of_a_post(tmp_path: Path) -> None:
    api_port, chain_port = free_port(), free_port()
    env = service_env(
        ANCHOR_PORT=str(api_port),
        ANCHOR_RPC_URL=f"http://127.0.0.1:{chain_port}",
        ANCHOR_LOG_LEVEL="WARNING",
    )
    base = f"http://127.0.0.1:{api_port}"
    dev = Dev(tmp_path, env)
    try:
        dev.wait_running()
        out = dev.out
        assert "First start: created a dev log key" in out
        [vkey] = [line.split(VERIFIER_LINE, 1)[1].strip() for line in out.splitlines()
                  if VERIFIER_LINE in line]  # fmt: skip
        assert vkey.startswith("localhost/anchor-service/dev+")
        assert "log:        'localhost/anchor-service/dev', a signed checkpoint every 2 s" in out
        assert (tmp_path / ".data" / "log.key").stat().st_mode & 0o077 == 0
        [key] = [line.strip() for line in out.splitlines() if line.strip().startswith("ak_")]

        headers = {"Authorization": f"Bearer {key}"}
        created = httpx.post(f"{base}/v1/entries", json=ENTRY, headers=headers, timeout=30)
        assert created.status_code == 201, created.text
        index = created.json()["leaf_index"]
        verifiers = VerifierList(new_verifier(vkey))

        def signed_size() -> int:
            response = httpx.get(f"{base}/tlog/checkpoint", timeout=10)
            if response.status_code != 200:
                return 0
            return parse_checkpoint(open_note(response.content, verifiers).text).size

        wait_until(lambda: signed_size() > index, 30, "a checkpoint with the entry")
        entry = httpx.get(f"{base}/v1/entries/{ENTRY['external_id']}", headers=headers).json()
        assert entry["status"] == "logged"
    finally:
        dev.stop()
