"""``anchor-service dev`` end to end: ganache, registry, API and scheduler in one command.

An entry posted to the API is sealed with ``anchor-service seal`` (same data directory),
anchored through ``POST /v1/admin/anchor``, and the scheduler follows it to settled. A
restart reuses the deployed registry, and its scheduler anchors a head sealed while
nothing anchored it; Ctrl-C leaves no process behind.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from anchor_service.dev import free_port

ENTRY = {
    "external_id": "pay-2026-11-21-000123",
    "occurred_at": "2026-11-21T08:15:00+07:00",
    "postings": [
        {"account": "wallet:user:981", "amount": "-150000", "currency": "IDR"},
        {"account": "escrow:project:42", "amount": "150000", "currency": "IDR"},
    ],
}


class Dev:
    """One ``anchor-service dev`` process in its own session, its stdout collected."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "anchor_service.cli", "dev"],
            cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            start_new_session=True,
        )  # fmt: skip
        self.lines: list[str] = []
        stream = self.process.stdout
        assert stream is not None
        self._reader = threading.Thread(target=lambda: self.lines.extend(iter(stream.readline, "")))
        self._reader.start()

    @property
    def out(self) -> str:
        return "".join(self.lines)

    def wait_running(self, timeout: float = 90.0) -> None:
        wait_until(lambda: "anchor-service is running" in self.out, timeout, self._alive)

    def _alive(self) -> None:
        assert self.process.poll() is None, f"dev exited early:\n{self.out}"

    def stop(self) -> None:
        """Ctrl-C as a terminal sends it (to the whole process group); nothing may remain."""
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        finally:
            self._reader.join(timeout=5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return  # no process of the group is left: ganache, API, scheduler
            time.sleep(0.1)
        os.killpg(self.process.pid, signal.SIGKILL)
        raise AssertionError("a child of dev outlived it")


def wait_until(
    condition: Callable[[], bool], timeout: float, check: Callable[[], None] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if check is not None:
            check()
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def seal(cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "anchor_service.cli", "seal"],
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
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANCHOR_")}
    api_port, chain_port = free_port(), free_port()
    env.update(
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
        assert "deploying AnchorRegistry with dev account 0" in out
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
