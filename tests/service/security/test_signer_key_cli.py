"""``anchor-service deploy`` and ``anchor`` run as processes at DEBUG, in text
and JSON log formats, through success and failure: their output never shows the key."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from anchor_service.api import create_app
from anchor_service.db.models import Role
from anchor_service.db.session import Database
from anchor_service.dev import DevChain, free_port
from anchor_service.services.sealing import seal_pending
from anchor_service.settings import Settings

from .conftest import KeyWatch

MakeSettings = Callable[..., Settings]
MakeEntry = Callable[..., dict[str, Any]]

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _run(
    args: list[str], env: dict[str, str], cwd: Path, watch: KeyWatch
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "anchor_service.cli", *args],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    watch.add(f"anchor-service {' '.join(args)} (exit {done.returncode})",
              f"{done.stdout}\n{done.stderr}")  # fmt: skip
    return done


def test_cli_output_never_shows_the_signer_key(
    database_url: str,
    database: Database,
    make_settings: MakeSettings,
    make_entry: MakeEntry,
    make_key: Callable[[Role], str],
    devchain: DevChain,
    signer_key: str,
    tmp_path: Path,
) -> None:
    watch = KeyWatch(signer_key)
    env = {name: value for name, value in os.environ.items() if not name.startswith("ANCHOR_")}
    env.update(
        ANCHOR_DATABASE_URL=database_url,
        ANCHOR_RPC_URL=devchain.rpc_url,
        ANCHOR_CHAIN_ID="1337",
        ANCHOR_SIGNER_KEY=signer_key,
        ANCHOR_DATA_DIR=str(tmp_path / "data"),
        ANCHOR_CONFIRMATIONS="0",
        ANCHOR_LOG_LEVEL="DEBUG",
    )

    deployed = _run(["deploy", "--dev"], env, tmp_path, watch)
    assert deployed.returncode == 0, deployed.stderr
    assert "DEBUG" in deployed.stderr  # DEBUG lines were really written

    app = create_app(make_settings(data_dir=tmp_path), database)
    headers = {"Authorization": f"Bearer {make_key(Role.WRITER)}"}
    with TestClient(app) as client:
        for number in range(3):
            entry = make_entry(amount=10 + number)
            assert client.post("/v1/entries", json=entry, headers=headers).status_code == 201
    assert seal_pending(database, make_settings()), "nothing sealed"  # in-process: faster

    json_logs = {**env, "ANCHOR_LOG_FORMAT": "json"}
    anchored = _run(["anchor", "--wait", "--timeout", "60"], json_logs, tmp_path, watch)
    assert anchored.returncode == 0, anchored.stderr
    assert '"level": "DEBUG"' in anchored.stderr

    down = {**env, "ANCHOR_RPC_URL": f"http://127.0.0.1:{free_port()}"}
    assert _run(["anchor"], down, tmp_path, watch).returncode != 0

    watch.secrets.append(signer_key[:-1])  # a key with a typo must not be echoed either
    typo = {**env, "ANCHOR_SIGNER_KEY": signer_key[:-1] + "z"}
    assert _run(["deploy", "--dev"], typo, tmp_path, watch).returncode != 0
    watch.assert_clean()

