"""The service with a log key, served over HTTP: receipts, signed checkpoints, tlog-proofs.

Entries are posted through the API, integrated into signed checkpoints and sealed and
anchored on ganache by the service's own code (the key file written by ``anchor-service
log-key create``). Auditor tools run as processes against the served API: ``anchor-service
verify`` on tlog-proofs and on JSON bundles (which now carry the signed checkpoint), and
``anchor-service verify-receipt``, including a broken promise: a receipt signed with the
service's own key for a leaf the log does not hold at that index.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from base64 import b64encode
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from anchor_service.db.models import Role
from anchor_service.db.repositories.checkpoints import CheckpointRepository
from anchor_service.db.repositories.proofs import CheckpointRead, SqlProofRows
from anchor_service.db.session import Database, unit_of_work
from anchor_service.dev import DevChain
from anchor_service.merkle import root
from anchor_service.services.anchoring.chain_context import ChainContext
from anchor_service.services.checkpointing import integrate
from anchor_service.services.log_identity import LogIdentity, create_log_key
from anchor_service.services.proofs.reads import ProofReads
from anchor_service.services.proofs.store import ProofStore
from anchor_service.settings import Settings
from anchor_service.tlog import (
    CosignatureSigner,
    Note,
    RangeReceipt,
    Receipt,
    parse_checkpoint,
    parse_policy,
    parse_proof,
    parse_time,
    sign_note,
    sign_range_receipt,
    sign_receipt,
    verify_checkpoint,
)
from anchor_service.verifier import Status, TrustRoot, parse_bundle, verify_bundle
from anchor_service.verifier.onchain import Web3ChainView
from tests.support.processes import service_command, service_env
from tests.support.servers import app_in_thread

from .conftest import LogBuilder

ORIGIN = "proofs.test/anchor/v1"
Headers = Callable[[Role], dict[str, str]]


@pytest.fixture
def identity(tmp_path: Path) -> LogIdentity:
    return create_log_key(tmp_path / "log.key", ORIGIN)


@pytest.fixture
def settings(
    make_settings: Callable[..., Settings],
    devchain: DevChain,
    chain: ChainContext,
    tmp_path: Path,
    identity: LogIdentity,
) -> Settings:
    return make_settings(
        rpc_url=devchain.rpc_url, chain_id=1337, registry_address=chain.registry.address,
        confirmations=2, log_key_path=tmp_path / "log.key", max_merge_delay_seconds=60,
    )  # fmt: skip


@pytest.fixture
def policy(tmp_path: Path, identity: LogIdentity, chain: ChainContext) -> Path:
    path = tmp_path / "auditor.policy"
    path.write_text(
        f"log {identity.verifier_key}\nregistry 1337 {chain.registry.address}\nquorum none\n"
    )
    return path


@pytest.fixture
def served(app: FastAPI, client: TestClient) -> Iterator[str]:
    with app_in_thread(app) as url:
        yield url


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        service_command(*args), env=service_env(), capture_output=True, text=True, timeout=120
    )


def test_tlog_proofs_and_bundles_carry_signed_checkpoints_and_verify(
    log: LogBuilder,
    client: TestClient,
    headers: Headers,
    database: Database,
    identity: LogIdentity,
    policy: Path,
    devchain: DevChain,
    tmp_path: Path,
) -> None:
    anchored = log.head(3)  # the seal integrates first: a checkpoint of size 3, anchored
    log.add(2)
    newest = integrate(database, identity)
    assert newest is not None and newest.tree_size == 5
    auditor = headers(Role.AUDITOR)
    trust = parse_policy(policy.read_bytes())

    bundle = client.get(f"/v1/entries/{log.ids[1]}/proof", headers=auditor)
    assert bundle.status_code == 200, bundle.text
    signed = bundle.json()["checkpoint"]
    assert verify_checkpoint(trust, signed.encode()).checkpoint.size == anchored
    assert parse_bundle(bundle.json()).checkpoint == signed

    answer = client.get(
        f"/v1/entries/{log.ids[1]}/proof", params={"format": "tlog-proof"}, headers=auditor
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    proof = parse_proof(answer.content)
    text = proof.checkpoint.decode().rpartition("\n\n")[0] + "\n"
    assert parse_checkpoint(text).size == 5  # the newest checkpoint (none is cosigned)
    path = tmp_path / "leaf-1.tlog-proof"
    path.write_bytes(answer.content)
    done = _run("verify", str(path), "--policy", str(policy), "--rpc", devchain.rpc_url,
                "--min-confirmations", "1")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "signed checkpoint" in done.stdout and "VALID: every check passed" in done.stdout

    at_size = client.get(
        f"/v1/entries/{log.ids[0]}/proof",
        params={"format": "tlog-proof", "tree_size": anchored},
        headers=auditor,
    )
    assert at_size.status_code == 200, at_size.text
    assert parse_proof(at_size.content).checkpoint.decode() == signed
    missing = client.get(
        f"/v1/entries/{log.ids[0]}/proof",
        params={"format": "tlog-proof", "tree_size": 4},
        headers=auditor,
    )
    assert missing.status_code == 404


def test_an_entry_in_no_checkpoint_yet_has_no_tlog_proof(
    log: LogBuilder, client: TestClient, headers: Headers
) -> None:
    log.add(1)
    answer = client.get(
        f"/v1/entries/{log.ids[0]}/proof",
        params={"format": "tlog-proof"},
        headers=headers(Role.AUDITOR),
    )
    assert answer.status_code == 409
    assert answer.json()["error"] == "EntryNotAnchored"


def test_verify_receipt_against_the_served_api(
    log: LogBuilder,
    client: TestClient,
    headers: Headers,
    database: Database,
    identity: LogIdentity,
    policy: Path,
    served: str,
    tmp_path: Path,
) -> None:
    log.add(3)
    writer, auditor = headers(Role.WRITER), headers(Role.AUDITOR)
    body = {
        "external_id": "receipt-e2e",
        "occurred_at": "2026-11-21T08:15:00+07:00",
        "postings": [
            {"account": "wallet:user:1", "amount": "-5", "currency": "IDR"},
            {"account": "escrow:project:1", "amount": "5", "currency": "IDR"},
        ],
    }
    answer = client.post("/v1/entries", json=body, headers=writer)
    assert answer.status_code == 201, answer.text
    saved = tmp_path / "answer.json"
    saved.write_text(answer.text)
    key = auditor["Authorization"].removeprefix("Bearer ")
    fetch = ["--api", served, "--key", key, "--external-id", "receipt-e2e", "--json"]

    alone = _run("verify-receipt", str(saved), "--policy", str(policy), "--json")
    assert alone.returncode == 0, alone.stdout + alone.stderr
    assert json.loads(alone.stdout)["status"] == "valid"
    early = _run("verify-receipt", str(saved), "--policy", str(policy), *fetch)
    assert early.returncode == 2  # no checkpoint holds it yet: the API answers 409
    assert "409" in early.stderr

    integrate(database, identity)
    log.seal()  # the tiles publish the sealed head until they switch to checkpoints
    kept = _run("verify-receipt", str(saved), "--policy", str(policy), *fetch)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    result = json.loads(kept.stdout)
    assert result["status"] == "included"  # no witness: the time is not shown
    assert result["checkpoint"]["size"] == 4
    tiles = _run("verify-receipt", str(saved), "--policy", str(policy), "--api", served, "--json")
    assert tiles.returncode == 0, tiles.stdout + tiles.stderr  # from /tlog/ alone, no key
    assert json.loads(tiles.stdout)["status"] == "included"
    assert "tiles at tree size 4" in json.loads(tiles.stdout)["checkpoint"]["source"]

    index = answer.json()["leaf_index"]
    first = client.get(f"/v1/entries/{log.ids[0]}", headers=auditor).json()
    other = bytes.fromhex(first["leaf_hash"])  # leaf 0's hash, promised at this index
    lie = Receipt.promise(ORIGIN, index, other, parse_time(answer.json()["received_at"]), 60)
    forged = tmp_path / "forged.txt"
    forged.write_bytes(sign_receipt(lie, identity.signer))
    broken = _run("verify-receipt", str(forged), "--policy", str(policy), *fetch[:-1])
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "EVIDENCE of a broken promise" in broken.stdout
    assert f"index          {index}" in broken.stdout
    assert other.hex() in broken.stdout and answer.json()["leaf_hash"] in broken.stdout
    by_tiles = _run("verify-receipt", str(forged), "--policy", str(policy), "--api", served)
    assert by_tiles.returncode == 1, by_tiles.stdout + by_tiles.stderr
    assert "BROKEN: leaf" in by_tiles.stdout


def test_verify_receipt_of_a_bulk_item_against_the_served_api(
    log: LogBuilder,
    client: TestClient,
    headers: Headers,
    database: Database,
    identity: LogIdentity,
    policy: Path,
    served: str,
    tmp_path: Path,
) -> None:
    log.add(2)
    writer = headers(Role.WRITER)
    entries = [
        {
            "external_id": f"bulk-receipt-{i}",
            "occurred_at": "2026-11-21T08:15:00+07:00",
            "postings": [
                {"account": "wallet:user:1", "amount": str(-5 - i), "currency": "IDR"},
                {"account": "escrow:project:1", "amount": str(5 + i), "currency": "IDR"},
            ],
        }
        for i in range(5)
    ]
    answer = client.post("/v1/entries/bulk", json={"entries": entries}, headers=writer)
    assert answer.status_code == 201, answer.text
    items = answer.json()["entries"]
    assert len({item["receipt"] for item in items}) == 1  # one signature for the request
    item = items[3]
    saved = tmp_path / "item.json"
    saved.write_text(json.dumps(item))

    alone = _run("verify-receipt", str(saved), "--policy", str(policy), "--json")
    assert alone.returncode == 0, alone.stdout + alone.stderr
    assert json.loads(alone.stdout)["receipt"]["index"] == item["leaf_index"]
    note = tmp_path / "note.txt"
    note.write_text(item["receipt"])  # the note alone proves nothing about one entry
    bare = _run("verify-receipt", str(note), "--policy", str(policy))
    assert bare.returncode == 2 and "receipt_proof" in bare.stderr

    integrate(database, identity)
    log.seal()
    tiles = _run("verify-receipt", str(saved), "--policy", str(policy), "--api", served, "--json")
    assert tiles.returncode == 0, tiles.stdout + tiles.stderr
    assert json.loads(tiles.stdout)["status"] == "included"

    lied = {**item, "leaf_hash": items[2]["leaf_hash"]}  # another item's leaf, this path
    saved.write_text(json.dumps(lied))
    wrong = _run("verify-receipt", str(saved), "--policy", str(policy), "--json")
    assert wrong.returncode == 1, wrong.stdout + wrong.stderr
    assert "not in the range receipt" in json.loads(wrong.stdout)["detail"]

    # the log's own key signs a range whose root holds another leaf at this index
    other = bytes.fromhex(items[0]["leaf_hash"])
    index = item["leaf_index"]
    received = parse_time(item["receipt"].splitlines()[5].removeprefix("received "))
    lie = RangeReceipt.promise(ORIGIN, index - 1, 2, root([other, other]), received, 60)
    forged = {
        **item,
        "leaf_hash": other.hex(),
        "receipt": sign_range_receipt(lie, identity.signer).decode(),
        "receipt_proof": {"index": index, "path": [b64encode(other).decode()]},
    }
    saved.write_text(json.dumps(forged))
    broken = _run("verify-receipt", str(saved), "--policy", str(policy), "--api", served)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "EVIDENCE of a broken promise" in broken.stdout
    assert "the receipt's path to its signed root: " + other.hex() in broken.stdout


def test_a_witnessed_checkpoint_proves_the_promise_kept(
    log: LogBuilder,
    client: TestClient,
    headers: Headers,
    database: Database,
    identity: LogIdentity,
    served: str,
    tmp_path: Path,
) -> None:
    witness = CosignatureSigner("witness.test", hashlib.sha256(b"witness").digest())
    policy = tmp_path / "witnessed.policy"
    policy.write_text(
        f"log {identity.verifier_key}\nwitness w {witness.verifier().vkey}\nquorum w\n"
    )
    body = {
        "external_id": "receipt-witnessed",
        "occurred_at": "2026-11-21T08:15:00+07:00",
        "postings": [
            {"account": "wallet:user:2", "amount": "-7", "currency": "IDR"},
            {"account": "escrow:project:2", "amount": "7", "currency": "IDR"},
        ],
    }
    answer = client.post("/v1/entries", json=body, headers=headers(Role.WRITER))
    saved = tmp_path / "answer.json"
    saved.write_text(answer.text)
    first = integrate(database, identity)
    assert first is not None
    # The witness cosigns the checkpoint of size 1 (as the witness client stores it) ...
    note = Note(first.note.rpartition("\n\n")[0] + "\n")
    line = sign_note(note, witness).decode().rpartition("\n\n")[2].strip("\n")
    with unit_of_work(database.writer) as session:
        CheckpointRepository(session).add_cosignature(
            tree_size=1, witness_name="w", key_id=witness.key_id, line=line,
            timestamp=int(time.time()),
        )  # fmt: skip
    log.add(2)
    integrate(database, identity)  # ... and not the newer one of size 3
    proof = client.get(
        "/v1/entries/receipt-witnessed/proof",
        params={"format": "tlog-proof"},
        headers=headers(Role.AUDITOR),
    )
    assert proof.status_code == 200, proof.text
    assert parse_proof(proof.content).checkpoint.decode().endswith(line + "\n")
    key = headers(Role.AUDITOR)["Authorization"].removeprefix("Bearer ")
    done = _run(
        "verify-receipt", str(saved), "--policy", str(policy), "--api", served,
        "--key", key, "--external-id", "receipt-witnessed",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "KEPT: leaf 0 is in the checkpoint of tree size 1, cosigned at" in done.stdout


def test_bundles_carry_the_heads_current_checkpoint_and_prove_new_heads_after_growth(
    log: LogBuilder,
    client: TestClient,
    headers: Headers,
    database: Database,
    chain_view: Web3ChainView,
) -> None:
    """The checkpoint read with the entry (one query on PostgreSQL) is the head's as it is
    now (a cosignature added later is served at once), and the worker's caches give a
    proof for a new, larger head after the log grew, which verifies."""
    auditor = headers(Role.AUDITOR)
    first = log.head(3)

    def bundle(external_id: str, **params: int) -> dict[str, Any]:
        answer = client.get(f"/v1/entries/{external_id}/proof", params=params, headers=auditor)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    before = bundle(log.ids[1])["checkpoint"]
    with unit_of_work(database.reader) as session:
        rows = ProofStore(SqlProofRows(session.connection()))
        assert rows.entry_with_checkpoint(log.ids[1], None)[1] is None  # asked apart
        assert rows.checkpoint_at(first) == before.encode()
    if database.engine.dialect.name == "postgresql":  # the proof route's own rows
        reads = ProofReads(database, threads=1)
        try:
            with reads.store() as store:
                _, read = store.entry_with_checkpoint(log.ids[1], None)
                assert read == CheckpointRead(first, before.encode())
        finally:
            reads.close()
    witness = CosignatureSigner("witness.test", hashlib.sha256(b"witness").digest())
    note = Note(before.rpartition("\n\n")[0] + "\n")
    line = sign_note(note, witness).decode().rpartition("\n\n")[2].strip("\n")
    with unit_of_work(database.writer) as session:
        CheckpointRepository(session).add_cosignature(
            tree_size=first, witness_name="w", key_id=witness.key_id, line=line,
            timestamp=int(time.time()),
        )  # fmt: skip
    assert bundle(log.ids[1])["checkpoint"] == before + line + "\n"

    second = log.head(300)  # the log grows past the leaf's tile: new nodes, a new head
    trust = TrustRoot.for_registry(1337, log.settings.registry_address or "", "the log's")
    for external_id in (log.ids[1], log.ids[-1]):
        grown = bundle(external_id, tree_size=second)
        assert grown["inclusion"]["tree_size"] == second
        assert grown["checkpoint"].startswith(f"{ORIGIN}\n{second}\n")
        report = verify_bundle(parse_bundle(grown), chain_view, min_confirmations=1, trust=trust)
        assert report.status is Status.VALID, report.to_json()
    assert bundle(log.ids[1])["inclusion"]["tree_size"] == first  # still its first head
