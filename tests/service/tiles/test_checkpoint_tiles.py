"""Tiles against a signed checkpoint (c2sp.org/tlog-checkpoint): a client that trusts only
the log key verifies ``/tlog/checkpoint``, then the tiles the API serves reproduce its
root; ``tiles export`` writes the same ``checkpoint`` (with its cosignature lines)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
from fastapi import FastAPI

from anchor_service.db.models import Role
from anchor_service.db.session import Database
from anchor_service.merkle import TileClient
from anchor_service.services.checkpointing import integrate
from anchor_service.services.log_identity import create_log_key
from anchor_service.tlog import VerifierList, new_verifier, open_note, parse_checkpoint
from tests.support.processes import service_command, service_env
from tests.support.servers import app_in_thread

from .conftest import LogBuilder

Headers = Callable[[Role], dict[str, str]]


def test_tiles_reproduce_the_signed_checkpoint_and_the_export_holds_it(
    log: LogBuilder, app: FastAPI, database: Database, database_url: str, tmp_path: Path
) -> None:
    identity = create_log_key(tmp_path / "log.key", "test.example/tiles")
    log.add(300)
    signed = integrate(database, identity)
    assert signed is not None and signed.tree_size == 300
    log.add(5)  # stored, not yet in a checkpoint: not published

    with app_in_thread(app) as api:
        text = httpx.get(f"{api}/tlog/checkpoint").content
        note = open_note(text, VerifierList(new_verifier(identity.verifier_key)))
        checkpoint = parse_checkpoint(note.text)
        client = TileClient(
            lambda path: httpx.get(f"{api}/tlog/{path}").raise_for_status().content,
            checkpoint.size,
        )
        assert (checkpoint.size, client.root()) == (300, checkpoint.root_hash)
        assert httpx.get(f"{api}/tlog/tile/0/001.p/45").status_code == 404  # not signed yet

        out = tmp_path / "tlog"
        result = subprocess.run(
            service_command("tiles", "export", str(out)),
            env=service_env(ANCHOR_DATABASE_URL=database_url),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert (out / "checkpoint").read_bytes() == text
        assert httpx.get(f"{api}/tlog/tile/0/001.p/44").content == (
            out / "tile/0/001.p/44"
        ).read_bytes()
