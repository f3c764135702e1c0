"""``anchor-service dev`` end to end: ganache, registry, API and scheduler in one command.

An entry posted to the API is sealed with ``anchor-service seal`` (same data directory),
anchored through ``POST /v1/admin/anchor``, and the scheduler follows it to settled. A
restart reuses the deployed registry, and its scheduler anchors a head sealed while
nothing anchored it; Ctrl-C leaves no process behind.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
from pathlib import Path

import httpx

from tests.support.ports import free_port
from tests.support.processes import ChildProcess, service_command, service_env
from tests.support.waiting import wait_until

ENTRY = {
    "external_id": "pay-2026-11-21-000123",
    "occurred_at": "2026-11-21T08:15:00+07:00",
    "postings": [
        {"account": "wallet:user:981", "amount": "-150000", "currency": "IDR"},
        {"account": "escrow:project:42", "amount": "150000", "currency": "IDR"},
    ],
}


class Dev(ChildProcess):
    """One ``anchor-service dev`` process in its own session, its stdout collected."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        super().__init__(service_command("dev"), env=env, cwd=cwd, output="stdout")

    def wait_running(self, timeout: float = 90.0) -> None:
        running = "anchor-service is running"
        wait_until(lambda: running in self.out, timeout, running, check=self._alive)

    def _alive(self) -> None:
        assert self.alive(), f"dev exited early:\n{self.out}"

    def stop(self, timeout: float = 30.0) -> None:
        """Ctrl-C as a terminal sends it (to the whole process group); nothing may remain."""
        self.signal_group(signal.SIGINT)
        self.wait(timeout=timeout)
        try:  # no process of the group may be left: ganache, API, scheduler
            wait_until(lambda: not self.group_alive(), 10, "dev's children exiting")
        except AssertionError:
            self.signal_group(signal.SIGKILL)
            raise AssertionError("a child of dev outlived it") from None


def seal(cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        service_command("seal"),
        cwd=cwd, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def banner_value(out: str, label: str) -> str:
    match = re.search(rf"^\s+{label}:\s+(\S+)", out, re.MULTILINE)
    assert match is not None, out
    return match.group(1)


def test_dev_runs_chain_api_and_scheduler_an_entry_settles_and_a_restart_reuses_the_registry(
    tmp_path: Path,
) -> None:
    api_port, chain_port = free_port(), free_port()
    env = service_env(
        ANCHOR_PORT=str(api_port),
        ANCHOR_RPC_URL=f"http://127.0.0.1:{chain_port}",
        ANCHOR_CONFIRMATIONS="2",
        ANCHOR_DEV_BLOCK_SECONDS="0.5",
        ANCHOR_CONFIRM_INTERVAL_SECONDS="0.3",
        ANCHOR_LOG_LEVEL="WARNING",
    )
    base = f"http://127.0.0.1:{api_port}"

    first = Dev(tmp_path, env)
    try:
        first.wait_running()
        out = first.out
        [key] = [line.strip() for line in out.splitlines() if line.strip().startswith("ak_")]
        registry = banner_value(out, "registry")
        assert "deploying AnchorRegistryV2 with dev account 0" in out
        assert "PUBLIC test-only key" in out
        recorded = json.loads((tmp_path / ".data" / "deployment.json").read_text())
        assert recorded["address"] == registry and recorded["chainId"] == 1337
        assert banner_value(out, "chain RPC") == f"http://127.0.0.1:{chain_port}"
        assert httpx.get(f"{base}/readyz").status_code == 200

        headers = {"Authorization": f"Bearer {key}"}
        created = httpx.post(f"{base}/v1/entries", json=ENTRY, headers=headers)
        assert created.status_code == 201 and created.json()["status"] == "pending"

        # The scheduler leads (its file lock names it). Its confirm job may anchor a
        # freshly sealed head itself before our explicit anchor call (under load it
        # often does), so the explicit call may find the anchor already in flight.
        lock = tmp_path / ".data" / "anchor.db.scheduler-lock"
        wait_until(lambda: lock.is_file() and "anchor-service scheduler" in lock.read_text(), 90)
        assert "sealed batch 0" in seal(tmp_path, env)
        entry_url = f"{base}/v1/entries/{ENTRY['external_id']}"
        assert httpx.get(entry_url, headers=headers).json()["status"] in {
            "sealed",
            "anchored",
            "settled",
        }

        anchored = httpx.post(f"{base}/v1/admin/anchor", headers=headers, timeout=30)
        assert anchored.status_code in {200, 202}, anchored.text
        assert anchored.json()["outcome"] in {"submitted", "in_flight", "nothing_to_do"}
        seen: list[str] = []

        def settled() -> bool:
            status = httpx.get(entry_url, headers=headers).json()["status"]
            if not seen or seen[-1] != status:
                seen.append(status)
            return status == "settled"

        wait_until(settled, 60)  # the scheduler's confirm job follows the anchor
        assert seen[-1] == "settled"
        final = httpx.get(entry_url, headers=headers).json()
        assert final["anchor"]["registry"] == registry

        later = {**ENTRY, "external_id": "pay-2026-11-21-000124"}
        assert httpx.post(f"{base}/v1/entries", json=later, headers=headers).status_code == 201
        sealed = httpx.post(f"{base}/v1/admin/seal", headers=headers, timeout=30)
        assert sealed.status_code == 201 and sealed.json()["batches"][0]["seq"] == 1
        # ... and dev stops before anyone anchors it
    finally:
        first.stop()

    second = Dev(tmp_path, env)
    try:
        second.wait_running()
        out = second.out
        assert f"registry: reusing {registry}" in out
        assert banner_value(out, "registry") == registry
        assert "ak_" not in out and "deploying" not in out
        again = httpx.get(entry_url, headers=headers).json()
        assert again["status"] == "settled"
        later_url = f"{base}/v1/entries/{later['external_id']}"
        wait_until(lambda: httpx.get(later_url, headers=headers).json()["status"] == "settled", 90)
    finally:
        second.stop()


def test_the_documented_seal_and_anchor_commands_work_beside_dev(tmp_path: Path) -> None:
    """docs/cli.md's ``anchor-service seal && anchor-service anchor --wait``, and
    ``scheduler --once``, run in the directory of a running ``dev`` with no chain setting
    of their own: they find the local chain, the registry and the public dev signer in
    the ``.data/dev.env`` it wrote."""
    api_port, chain_port = free_port(), free_port()
    env = service_env(
        ANCHOR_PORT=str(api_port),
        ANCHOR_RPC_URL=f"http://127.0.0.1:{chain_port}",
        ANCHOR_DEV_BLOCK_SECONDS="0.5",
        ANCHOR_LOG_LEVEL="WARNING",
    )
    base = f"http://127.0.0.1:{api_port}"
    dev = Dev(tmp_path, env)
    try:
        dev.wait_running()
        [key] = [line.strip() for line in dev.out.splitlines() if line.strip().startswith("ak_")]
        registry = banner_value(dev.out, "registry")
        headers = {"Authorization": f"Bearer {key}"}
        assert httpx.post(f"{base}/v1/entries", json=ENTRY, headers=headers).status_code == 201

        cli_env = service_env(ANCHOR_CONFIRMATIONS="2")  # nothing about the chain
        assert "sealed batch 0" in seal(tmp_path, cli_env)
        anchored = subprocess.run(
            service_command("anchor", "--wait", "--timeout", "120"),
            cwd=tmp_path, env=cli_env, capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        assert anchored.returncode == 0, anchored.stdout + anchored.stderr
        # dev's own scheduler follows anchors every few seconds and may send this head
        # first on a loaded machine; either way the command found the chain and registry
        assert re.search(
            r"confirmed: tree size 1|the newest sealed head \(size 1\) is already anchored",
            anchored.stdout,
        ), anchored.stdout

        entry_url = f"{base}/v1/entries/{ENTRY['external_id']}"
        entry = httpx.get(entry_url, headers=headers).json()
        assert entry["status"] in {"anchored", "settled"}
        assert entry["anchor"]["registry"] == registry

        # the cron form, `scheduler --once`, seals and anchors the next entry the same way
        later = {**ENTRY, "external_id": "pay-2026-11-21-000124"}
        assert httpx.post(f"{base}/v1/entries", json=later, headers=headers).status_code == 201
        once = subprocess.run(
            service_command("scheduler", "--once", "--json"),
            cwd=tmp_path, env=cli_env, capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        assert once.returncode == 0, once.stdout + once.stderr
        report = json.loads(once.stdout)
        assert report["ok"] and report["sealed"][0]["seq"] == 1, report
        assert report["anchor"][0]["outcome"] in {"submitted", "in_flight"}, report
    finally:
        dev.stop()
