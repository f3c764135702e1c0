"""Checkpoints within seconds, against real processes on SQLite and PostgreSQL.

The API (``anchor-service serve``) and the scheduler (``anchor-service scheduler``) run as
child processes: an entry POSTed to the API appears in a signed checkpoint at
``GET /tlog/checkpoint`` within seconds, whose signature verifies with the log's
verifier key and against which the entry's inclusion proof (from the stored tiles)
verifies; its status becomes ``logged``. A stored tile broken behind the log's back
makes the next checkpoint refused: nothing signed, an error naming both roots, and
``anchor_checkpoint_mismatches_total`` at 1.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from anchor_service.db.models import Role
from anchor_service.db.repositories.tiles import TileRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.merkle import TileId, inclusion_proof_from_tiles, verify_inclusion
from anchor_service.services.log_identity import LogIdentity, create_log_key
from anchor_service.tlog import VerifierList, new_verifier, open_note, parse_checkpoint
from tests.support.ports import free_port
from tests.support.processes import ChildProcess, service_command, service_env
from tests.support.servers import wait_for_http
from tests.support.waiting import wait_until

ORIGIN = "test.example/anchor/checkpoints"
MakeEntry = Callable[..., dict[str, Any]]


class Stack:
    """The API and the scheduler, sharing one database and one log key."""

    def __init__(self, base_url: str, identity: LogIdentity, scheduler: ChildProcess) -> None:
        self.base_url = base_url
        self.identity = identity
        self.scheduler = scheduler

    def checkpoint(self) -> httpx.Response:
        return httpx.get(f"{self.base_url}/tlog/checkpoint", timeout=10)

    def verified_size(self) -> int:
        """The size of the served checkpoint, after checking its signature (0: none)."""
        response = self.checkpoint()
        if response.status_code == 404:
            return 0
        note = open_note(response.content, VerifierList(new_verifier(self.identity.verifier_key)))
        return parse_checkpoint(note.text).size


@pytest.fixture
def stack(database_url: str, tmp_path: Path) -> Iterator[Stack]:
    identity = create_log_key(tmp_path / "log.key", ORIGIN)
    port = free_port()
    env = service_env(
        ANCHOR_DATABASE_URL=database_url,
        ANCHOR_DATA_DIR=str(tmp_path),
        ANCHOR_LOG_KEY_PATH=str(tmp_path / "log.key"),
        ANCHOR_LOG_ORIGIN=ORIGIN,
        ANCHOR_CHECKPOINT_SECONDS="1",
        ANCHOR_CONFIRM_INTERVAL_SECONDS="3600",  # no chain in this test
        ANCHOR_AUDIT_CRON="",
        ANCHOR_API_KEY_CACHE_SECONDS="0",
    )
    base_url = f"http://127.0.0.1:{port}"
    serve = service_command("serve", "--host", "127.0.0.1", "--port", str(port))
    with (
        ChildProcess(serve, env=env, cwd=tmp_path) as api,
        ChildProcess(service_command("scheduler"), env=env, cwd=tmp_path) as scheduler,
    ):
        wait_for_http(f"{base_url}/readyz", api, 60)
        yield Stack(base_url, identity, scheduler)


def _post(stack: Stack, token: str, entry: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        f"{stack.base_url}/v1/entries",
        json=entry,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "pending"
    return body


def _wait_for_size(stack: Stack, size: int) -> None:
    def still_running() -> None:
        assert stack.scheduler.alive(), f"the scheduler exited:\n{stack.scheduler.out}"

    wait_until(
        lambda: stack.verified_size() >= size,
        timeout=30,
        what=f"a signed checkpoint of size >= {size}",
        check=still_running,
        interval=0.2,
    )


def test_a_posted_entry_is_in_a_signed_checkpoint_within_seconds(
    stack: Stack, database: Database, make_entry: MakeEntry
) -> None:
    with unit_of_work(database.writer) as session:
        from anchor_service.db.repositories.api_keys import ApiKeyRepository

        token = ApiKeyRepository(session).create(Role.ADMIN, name="checkpoints").token
    before = stack.checkpoint()
    assert before.status_code in (200, 404)  # the first (empty) one may be signed already

    first = _post(stack, token, make_entry())
    second = _post(stack, token, make_entry())
    _wait_for_size(stack, second["leaf_index"] + 1)

    response = stack.checkpoint()
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=1"
    verifier = new_verifier(stack.identity.verifier_key)
    note = open_note(response.content, VerifierList(verifier))
    checkpoint = parse_checkpoint(note.text)
    assert checkpoint.origin == ORIGIN and checkpoint.size >= 2
    assert [signature.name for signature in note.sigs] == [ORIGIN]

    # Both entries' inclusion proofs, from the stored tiles, lead to the signed root.
    with unit_of_work(database.reader) as session:
        tiles = TileRepository(session)
        for entry in (first, second):
            proof = inclusion_proof_from_tiles(
                entry["leaf_index"], checkpoint.size, tiles.read_tiles
            )
            assert verify_inclusion(
                entry["leaf_index"],
                checkpoint.size,
                bytes.fromhex(entry["leaf_hash"]),
                proof,
                checkpoint.root_hash,
            )

    read = httpx.get(
        f"{stack.base_url}/v1/entries/{first['external_id']}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert read.json()["status"] == "logged" and read.json()["batch"] is None

    # Sealing now cuts the batch at the integrated size, with the checkpoint's root.
    sealed = httpx.post(
        f"{stack.base_url}/v1/admin/seal", headers={"Authorization": f"Bearer {token}"}, timeout=60
    )
    assert sealed.status_code == 201, sealed.text
    batch = sealed.json()["batches"][-1]
    with database.engine.connect() as connection:
        signed_root = connection.execute(
            text("SELECT root FROM checkpoints WHERE tree_size = :size"),
            {"size": batch["end_index"]},
        ).scalar_one()
    assert bytes(signed_root).hex() == batch["root"]


def test_a_broken_tile_stops_signing_and_raises_the_alarm(
    stack: Stack, database: Database, make_entry: MakeEntry
) -> None:
    with unit_of_work(database.writer) as session:
        from anchor_service.db.repositories.api_keys import ApiKeyRepository

        token = ApiKeyRepository(session).create(Role.WRITER, name="checkpoints").token
    entry = _post(stack, token, make_entry())
    _wait_for_size(stack, entry["leaf_index"] + 1)
    signed_size = stack.verified_size()

    # Behind the log's back: the stored level-0 tile loses its first leaf hash.
    with unit_of_work(database.writer) as session:
        tile = TileRepository(session).read_tiles([TileId(0, 0)])[TileId(0, 0)]
        session.execute(
            text("UPDATE merkle_tiles SET hashes = :h WHERE tile_level = 0 AND tile_index = 0"),
            {"h": bytes(32) + tile[32:]},
        )
    _post(stack, token, make_entry())

    wait_until(
        lambda: stack.scheduler.saw("NOT signed"),
        timeout=30,
        what="the scheduler refusing the checkpoint",
    )
    assert stack.scheduler.saw("signing stops")
    line = next(line for line in stack.scheduler.out.splitlines() if "NOT signed" in line)
    assert "the stored tiles give root" in line and "the stored leaves give" in line
    metrics = httpx.get(f"{stack.base_url}/metrics", timeout=10).text
    assert "anchor_checkpoint_mismatches_total 1.0" in metrics

    # Signing stays stopped: another entry, three checkpoint intervals, no new checkpoint.
    assert stack.scheduler.saw("checkpoint signing stopped in this scheduler")
    _post(stack, token, make_entry())
    time.sleep(3)
    with database.engine.connect() as connection:
        newest = connection.execute(text("SELECT max(tree_size) FROM checkpoints")).scalar_one()
        refused = connection.execute(text("SELECT count(*) FROM checkpoint_mismatches")).scalar()
    assert newest == signed_size and refused == 1
    assert stack.verified_size() == signed_size
