"""A log to witness (leaves, signed checkpoints, proofs) and real ``witness serve`` processes.

:class:`Log` signs checkpoints of its first ``size`` leaves with a fixed log key, and
forks (another leaf at some index) on request. ``start_witness`` runs
``anchor-service witness serve`` with a key made by ``witness key create``, trusting
the log; each witness is stopped at the end of the test.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from anchor_service import merkle
from anchor_service.db.models import Role
from anchor_service.db.repositories.api_keys import ApiKeyRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.tlog import AddCheckpointRequest, Checkpoint, Ed25519Signer, sign_note
from tests.service.conftest import MakeEntry
from tests.support.ports import free_port
from tests.support.processes import ChildProcess, service_command, service_env
from tests.support.servers import wait_for_http

ORIGIN = "ledger.example.co.id/anchor/v1"


@dataclass
class Log:
    """A log (its key derived from its origin); leaves from ``fork_at`` on differ (a fork)."""

    origin: str = ORIGIN
    fork_at: int | None = None
    signer: Ed25519Signer = field(init=False)

    def __post_init__(self) -> None:
        seed = hashlib.sha256(b"test log " + self.origin.encode()).digest()
        self.signer = Ed25519Signer(self.origin, seed)

    def leaf_hashes(self, size: int) -> list[bytes]:
        hashes = []
        for index in range(size):
            forked = self.fork_at is not None and index >= self.fork_at
            hashes.append(merkle.leaf_hash(b"%s entry %d" % (b"fork" if forked else b"", index)))
        return hashes

    def root(self, size: int) -> bytes:
        return merkle.root(self.leaf_hashes(size))

    def checkpoint(self, size: int) -> bytes:
        """The signed checkpoint note of the first ``size`` leaves."""
        return sign_note(Checkpoint(self.origin, size, self.root(size)).text, self.signer)

    def proof(self, old: int, new: int) -> list[bytes]:
        if old == 0 or old == new:
            return []
        return merkle.consistency_proof(self.leaf_hashes(new), old)

    def request(self, old: int, new: int) -> bytes:
        """An add-checkpoint body from ``old`` to ``new`` with the right proof."""
        return AddCheckpointRequest(old, tuple(self.proof(old, new)), self.checkpoint(new)).body

    @property
    def vkey(self) -> str:
        return self.signer.verifier().vkey


@dataclass
class WitnessProcess:
    """A running ``witness serve``: its base URL, verifier key, files and process."""

    url: str
    vkey: str
    state: Path
    process: ChildProcess

    def add_checkpoint(self, body: bytes) -> httpx.Response:
        return httpx.post(f"{self.url}/add-checkpoint", content=body, timeout=10)


StartWitness = Callable[..., WitnessProcess]


def run_cli(*args: str, expect: int = 0) -> ChildProcess:
    """Run ``anchor-service <args>`` to its end; check its exit status."""
    done = ChildProcess(service_command(*args), env=service_env())
    assert done.wait(60) == expect, done.out
    return done


def create_witness_key(path: Path, name: str) -> str:
    """Run ``witness key create``; return the verifier key it prints last."""
    return run_cli("witness", "key", "create", "--out", str(path), "--name", name).lines[-1].strip()


def post_entries(client: TestClient, database: Database, make_entry: MakeEntry, count: int) -> None:
    """Post ``count`` new entries through the API with a new writer key."""
    with unit_of_work(database.writer) as session:
        token = ApiKeyRepository(session).create(Role.WRITER, name="entries").token
    for _ in range(count):
        response = client.post(
            "/v1/entries", json=make_entry(), headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 201, response.text


@pytest.fixture
def log() -> Log:
    return Log()


@pytest.fixture
def start_witness(tmp_path: Path) -> Iterator[StartWitness]:
    """Start ``witness serve`` processes trusting ``policy`` (default: the test log)."""
    started: list[ChildProcess] = []

    def start(name: str = "w1", policy: str | None = None, *extra: str) -> WitnessProcess:
        directory = tmp_path / name
        directory.mkdir(exist_ok=True)
        key = directory / "witness.key"
        if key.exists():  # a restart: the same key
            vkey = run_cli("witness", "key", "show", "--key", str(key)).lines[-1].strip()
        else:
            vkey = create_witness_key(key, f"witness.example/{name}")
        policy_file = directory / "logs.policy"
        policy_file.write_text(policy or f"log {Log().vkey}\nquorum none\n")
        port = free_port()
        state = directory / "state.db"
        process = ChildProcess(
            service_command(
                "witness", "serve", "--key", str(key), "--policy", str(policy_file),
                "--state", str(state), "--listen", f"127.0.0.1:{port}", *extra,
            ),
            env=service_env(ANCHOR_DATA_DIR=str(directory)),
        )  # fmt: skip
        started.append(process)
        url = f"http://127.0.0.1:{port}"
        wait_for_http(f"{url}/healthz", process, 60)
        return WitnessProcess(url, vkey, state, process)

    yield start
    for process in started:
        process.stop()
