"""``anchor-service dev``: prepares ./.data, prints the first admin key once, serves."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(cwd: Path, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANCHOR_")}
    env.update(ANCHOR_PORT=str(port), ANCHOR_LOG_LEVEL="WARNING")
    env.update(ANCHOR_RPC_URL="http://chain.invalid:8545")  # not local: dev starts no chain
    return subprocess.Popen(
        [sys.executable, "-m", "anchor_service.cli", "dev"],
        cwd=cwd, env=env, stdout=subprocess.PIPE, text=True, start_new_session=True,
    )


def _wait_ready(process: subprocess.Popen[str], base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "dev exited early"
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("dev not ready in 60 s")


def _stop(process: subprocess.Popen[str]) -> str:
    os.killpg(process.pid, signal.SIGINT)
    out, _ = process.communicate(timeout=30)
    return out


def test_dev_prints_an_admin_key_once_that_can_write_and_read(tmp_path: Path) -> None:
    entry = {
        "external_id": "pay-1",
        "occurred_at": "2026-11-21T08:15:00+07:00",
        "postings": [
            {"account": "wallet:user:981", "amount": "-150000", "currency": "IDR"},
            {"account": "escrow:project:42", "amount": "150000", "currency": "IDR"},
        ],
    }
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    first = _start(tmp_path, port)
    try:
        _wait_ready(first, base)
    finally:
        out = _stop(first)
    keys = [line.strip() for line in out.splitlines() if line.strip().startswith("ak_")]
    assert len(keys) == 1, out
    assert (tmp_path / ".data" / "anchor.db").is_file()
    assert not (tmp_path / ".data" / "ganache").exists()

    second = _start(tmp_path, port)
    try:
        _wait_ready(second, base)
        headers = {"Authorization": f"Bearer {keys[0]}"}
        created = httpx.post(f"{base}/v1/entries", json=entry, headers=headers)
        read = httpx.get(f"{base}/v1/entries/pay-1", headers=headers)
    finally:
        again = _stop(second)
    assert created.status_code == 201 and read.json() == created.json()
    assert "ak_" not in again
    assert "keys create --role admin" in again
