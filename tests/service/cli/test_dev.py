"""``anchor-service dev``: prepares ./.data, prints the first admin key once, serves."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx

from tests.support.ports import free_port
from tests.support.processes import ChildProcess, service_command, service_env
from tests.support.servers import wait_for_http


def _start(cwd: Path, port: int) -> ChildProcess:
    env = service_env(ANCHOR_PORT=str(port), ANCHOR_LOG_LEVEL="WARNING")
    env.update(ANCHOR_RPC_URL="http://chain.invalid:8545")  # not local: dev starts no chain
    return ChildProcess(service_command("dev"), env=env, cwd=cwd, output="stdout")


def _stop(process: ChildProcess) -> str:
    process.signal_group(signal.SIGINT)
    process.wait(timeout=30)
    return process.out


def test_dev_prints_an_admin_key_once_that_can_write_and_read(tmp_path: Path) -> None:
    entry = {
        "external_id": "pay-1",
        "occurred_at": "2026-11-21T08:15:00+07:00",
        "postings": [
            {"account": "wallet:user:981", "amount": "-150000", "currency": "IDR"},
            {"account": "escrow:project:42", "amount": "150000", "currency": "IDR"},
        ],
    }
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    first = _start(tmp_path, port)
    try:
        wait_for_http(f"{base}/readyz", first, timeout=60)
    finally:
        out = _stop(first)
    keys = [line.strip() for line in out.splitlines() if line.strip().startswith("ak_")]
    assert len(keys) == 1, out
    assert (tmp_path / ".data" / "anchor.db").is_file()
    assert not (tmp_path / ".data" / "ganache").exists()

    second = _start(tmp_path, port)
    try:
        wait_for_http(f"{base}/readyz", second, timeout=60)
        headers = {"Authorization": f"Bearer {keys[0]}"}
        created = httpx.post(f"{base}/v1/entries", json=entry, headers=headers)
        read = httpx.get(f"{base}/v1/entries/pay-1", headers=headers)
    finally:
        again = _stop(second)
    assert created.status_code == 201 and read.json() == created.json()
    assert "ak_" not in again
    assert "keys create --role admin" in again
