"""tlog-proofs built from the stored tiles against a signed checkpoint, verified three ways:
by ``anchor_service.tlog.proof`` (any C2SP verifier's view), by the verifier's reading
(``anchor_service.verifier.tlog_proof``, chain checks on the real ganache), and refused
when the stored tiles or the extra line are tampered with."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest

from anchor_service.db.session import Database
from anchor_service.dev import DevChain
from anchor_service.errors import EntryNotAnchoredError, ProofIntegrityError
from anchor_service.ledger.jcs import canonical_json
from anchor_service.merkle import leaf_hash
from anchor_service.services.anchoring.chain_context import ChainContext
from anchor_service.services.proofs.reads import ProofReads
from anchor_service.services.proofs.tlog_proofs import TlogProofService
from anchor_service.services.sealing import SealedBatch
from anchor_service.tlog import (
    Checkpoint,
    Ed25519Signer,
    parse_policy,
    parse_proof,
    sign_note,
    verify_proof,
)
from anchor_service.verifier import CHECKPOINT, Outcome, Status
from anchor_service.verifier.onchain import Web3ChainView
from anchor_service.verifier.tlog_proof import (
    LOG_SIGNATURE,
    TLOG_INCLUSION,
    read_tlog_proof,
    verify_tlog_proof,
)
from anchor_service.verifier.trust import TrustRoot
from tests.support.processes import service_command, service_env

from .conftest import LogBuilder

ORIGIN = "test.example/anchor-log"
LOG_KEY = Ed25519Signer(ORIGIN, bytes(range(32)))
POLICY = parse_policy(f"log {LOG_KEY.verifier().vkey}\nquorum none\n")
TRUST = TrustRoot.from_policy(POLICY, "the test's policy")


def _checkpoint(batch: SealedBatch) -> bytes:
    return sign_note(Checkpoint(ORIGIN, batch.end_index, batch.root).text, LOG_KEY)


def _proof(database: Database, external_id: str, note: bytes | None) -> bytes:
    reads = ProofReads(database, threads=1)
    try:
        with reads.store() as store:
            return TlogProofService(store, reads.heads, reads.nodes).proof(
                external_id, lambda _index: note
            )
    finally:
        reads.close()


def test_proofs_of_anchored_and_pending_entries_verify(
    log: LogBuilder, database: Database, chain_view: Web3ChainView, chain: ChainContext
) -> None:
    pinned = parse_policy(f"{POLICY.text}registry 1337 {chain.registry.address}\n")
    trust = TrustRoot.from_policy(pinned, "the test's policy")
    anchored = log.head(5)
    log.add(4)
    [batch] = log.seal()  # sealed (the checkpoint's size), not anchored
    note = _checkpoint(batch)
    for index, external_id in enumerate(log.ids):
        raw = _proof(database, external_id, note)
        proof = parse_proof(raw)
        assert proof.index == index and proof.checkpoint == note
        extra = json.loads(proof.extra or b"")
        assert proof.extra == canonical_json(extra)  # RFC 8785, as documented
        assert extra["entry"]["external_id"] == external_id
        leaf = leaf_hash(canonical_json(extra["entry"]))
        verify_proof(proof, leaf, POLICY)  # what any C2SP verifier checks
        read = read_tlog_proof(raw)
        assert (read.bundle is not None) == (index < anchored)
        report = verify_tlog_proof(read, chain_view, min_confirmations=1, trust=trust)
        assert report.status is Status.VALID, report.to_json()
        assert report.check(LOG_SIGNATURE).ok and report.check(TLOG_INCLUSION).ok
        assert report.chain_checked == (index < anchored)


def test_without_a_policy_the_log_signature_is_skipped_not_passed(
    log: LogBuilder, database: Database
) -> None:
    log.add(3)
    [batch] = log.seal()
    read = read_tlog_proof(_proof(database, log.ids[1], _checkpoint(batch)))
    report = verify_tlog_proof(read, None, min_confirmations=0)
    assert report.check(LOG_SIGNATURE).outcome is Outcome.SKIPPED
    assert report.status is Status.UNPINNED


def test_an_entry_beyond_the_checkpoint_has_no_proof_yet(
    log: LogBuilder, database: Database
) -> None:
    log.add(2)
    [batch] = log.seal()
    log.add(1)
    with pytest.raises(EntryNotAnchoredError, match="in no signed checkpoint yet"):
        _proof(database, log.ids[2], _checkpoint(batch))
    with pytest.raises(EntryNotAnchoredError):
        _proof(database, log.ids[0], None)


def test_a_tampered_tile_is_refused_not_served(log: LogBuilder, database: Database) -> None:
    log.add(6)
    [batch] = log.seal()
    log.sql("UPDATE merkle_tiles SET hashes = :blob WHERE tile_level = 0", blob=b"\x00" * 32 * 6)
    with pytest.raises(ProofIntegrityError):
        _proof(database, log.ids[3], _checkpoint(batch))


def test_a_changed_document_in_the_extra_line_fails_the_leaf_hash(
    log: LogBuilder, database: Database
) -> None:
    log.add(3)
    [batch] = log.seal()
    raw = _proof(database, log.ids[1], _checkpoint(batch))
    proof = parse_proof(raw)
    extra = json.loads(proof.extra or b"")
    extra["entry"]["description"] = "Contribution 1000000000 to project 42"
    forged = raw.replace(
        base64.b64encode(proof.extra or b""), base64.b64encode(canonical_json(extra))
    )
    report = verify_tlog_proof(read_tlog_proof(forged), None, min_confirmations=0, trust=TRUST)
    assert report.status is Status.INVALID
    assert not report.check("leaf hash").ok


def test_a_checkpoint_of_the_anchored_size_is_the_bundles_signed_checkpoint(
    log: LogBuilder, database: Database, chain_view: Web3ChainView
) -> None:
    log.add(4)
    [batch] = log.seal()
    log.anchor()
    read = read_tlog_proof(_proof(database, log.ids[2], _checkpoint(batch)))
    assert read.bundle is not None and read.bundle.tree_size == batch.end_index
    report = verify_tlog_proof(read, chain_view, min_confirmations=1, trust=TRUST)
    assert report.status is Status.VALID, report.to_json()
    assert report.check(CHECKPOINT).ok, report.check(CHECKPOINT).reason


def test_anchor_service_verify_accepts_tlog_proofs(
    log: LogBuilder, database: Database, chain: ChainContext, devchain: DevChain, tmp_path: Path
) -> None:
    log.head(3)
    log.add(2)
    [batch] = log.seal()
    note = _checkpoint(batch)
    policy = tmp_path / "auditor.policy"
    policy.write_text(f"{POLICY.text}registry 1337 {chain.registry.address}\n")
    rpc = ["--rpc", devchain.rpc_url, "--min-confirmations", "1"]

    def verify(external_id: str, *options: str) -> subprocess.CompletedProcess[str]:
        path = tmp_path / f"{external_id}.tlog-proof"
        path.write_bytes(_proof(database, external_id, note))
        return subprocess.run(
            service_command("verify", str(path), *options),
            env=service_env(), capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    anchored = verify(log.ids[1], "--policy", str(policy), *rpc)
    assert anchored.returncode == 0, anchored.stdout + anchored.stderr
    assert anchored.stdout.startswith(f"tlog-proof: leaf 1 in the checkpoint of {ORIGIN}")
    assert "VALID: every check passed" in anchored.stdout
    pending = verify(log.ids[4], "--policy", str(policy), "--json")
    assert pending.returncode == 0, pending.stdout + pending.stderr
    assert json.loads(pending.stdout)["status"] == "valid"
    unpinned = verify(log.ids[4], "--offline")
    assert unpinned.returncode == 3, unpinned.stdout + unpinned.stderr
