"""``anchor-service verify-receipt`` on files: every verdict and exit status, run as a process.

Receipts, checkpoints and tlog-proofs are signed here with deterministic test keys (the
service-level tests sign with the service's own key file); the CLI runs as a child
process exactly as an auditor runs it.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from anchor_service.merkle import hash_leaves, inclusion_proof, root
from anchor_service.tlog import Checkpoint, Receipt, TlogProof, sign_note, sign_receipt
from anchor_service.verifier.tlog_proof import dump_extra
from tests.service.tlog.builders import ORIGIN, log_signer, witness_signer
from tests.support.processes import service_command, service_env

DOCS = [{"external_id": f"e-{i}", "salt": f"{i:032x}"} for i in range(10)]
LEAVES = hash_leaves(
    [json.dumps(doc, sort_keys=True, separators=(",", ":")).encode() for doc in DOCS]
)
RECEIVED = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
W1 = witness_signer("w1.example", timestamp=int(RECEIVED.timestamp()) + 30)
LATE = witness_signer("late.example", timestamp=int(RECEIVED.timestamp()) + 3600)


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        service_command("verify-receipt", *args),
        cwd=tmp_path, env=service_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def _write(tmp_path: Path, name: str, data: bytes | str) -> str:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


def _policy(tmp_path: Path, quorum: str = "none", witnesses: str = "") -> str:
    text = f"log {log_signer().verifier().vkey}\n{witnesses}quorum {quorum}\n"
    return _write(tmp_path, "auditor.policy", text)


def _receipt(tmp_path: Path, index: int = 4, leaf: bytes | None = None) -> str:
    receipt = Receipt.promise(ORIGIN, index, LEAVES[index] if leaf is None else leaf, RECEIVED, 60)
    return _write(tmp_path, "receipt.txt", sign_receipt(receipt, log_signer()))


def _proof(tmp_path: Path, index: int = 4, size: int = 10, *cosigners: object) -> str:
    body = Checkpoint(ORIGIN, size, root(LEAVES[:size]))
    note = sign_note(body.text, log_signer(), *cosigners)  # type: ignore[arg-type]
    extra = {
        "version": 1,
        "entry": DOCS[index],
        "leaf": {"index": index, "hash": LEAVES[index].hex()},
    }
    path = tuple(inclusion_proof(LEAVES[:size], index))
    proof = TlogProof(index, path, note, dump_extra(extra))
    return _write(tmp_path, "entry.tlog-proof", proof.text)


def test_a_receipt_alone_is_checked_against_the_policy_log(tmp_path: Path) -> None:
    done = _run(tmp_path, _receipt(tmp_path), "--policy", _policy(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "VALID: receipt signed by the policy's log" in done.stdout
    answer = json.dumps({"external_id": "e-4", "receipt": Path(_receipt(tmp_path)).read_text()})
    done = _run(tmp_path, _write(tmp_path, "answer.json", answer), "--policy", _policy(tmp_path))
    assert done.returncode == 0, done.stderr


def test_a_receipt_of_another_key_is_invalid(tmp_path: Path) -> None:
    other = Receipt.promise("other.example/log", 4, LEAVES[4], RECEIVED, 60)
    receipt = _write(tmp_path, "r.txt", sign_receipt(other, log_signer("other.example/log")))
    done = _run(tmp_path, receipt, "--policy", _policy(tmp_path), "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout)["error"] == "InvalidReceipt"


def test_kept_when_a_policy_witness_cosigned_by_merge_by(tmp_path: Path) -> None:
    witnesses = f"witness w1 {W1.verifier().vkey}\n"
    policy = _policy(tmp_path, "w1", witnesses)
    proof = _proof(tmp_path, 4, 10, W1)
    done = _run(tmp_path, _receipt(tmp_path), "--policy", policy, "--proof", proof, "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "kept"
    assert result["checkpoint"]["cosigners"] == {"w1": int(RECEIVED.timestamp()) + 30}


def test_included_when_the_time_is_not_shown(tmp_path: Path) -> None:
    witnesses = f"witness late {LATE.verifier().vkey}\n"
    policy = _policy(tmp_path, "late", witnesses)
    proof = _proof(tmp_path, 4, 10, LATE)
    done = _run(tmp_path, _receipt(tmp_path), "--policy", policy, "--proof", proof)
    assert done.returncode == 0, done.stderr
    assert "INCLUDED: leaf 4 is in the checkpoint of tree size 10" in done.stdout


def test_another_leaf_at_the_index_is_reported_as_evidence(tmp_path: Path) -> None:
    forged = _receipt(tmp_path, 4, leaf=LEAVES[7])
    done = _run(tmp_path, forged, "--policy", _policy(tmp_path), "--proof", _proof(tmp_path))
    assert done.returncode == 1
    assert "EVIDENCE of a broken promise" in done.stdout
    assert LEAVES[7].hex() in done.stdout and LEAVES[4].hex() in done.stdout
    assert "anchor-service/receipt/v1" in done.stdout  # the signed receipt, printed
    done = _run(
        tmp_path, forged, "--policy", _policy(tmp_path), "--proof", _proof(tmp_path), "--json"
    )
    evidence = json.loads(done.stdout)["evidence"]
    assert evidence["index"] == 4
    assert evidence["promised_leaf"] == LEAVES[7].hex()
    assert evidence["proven_leaf"] == LEAVES[4].hex()
    assert evidence["receipt"] == Path(forged).read_text()
    assert evidence["checkpoint"].startswith(f"{ORIGIN}\n10\n")


def test_a_checkpoint_short_of_the_index_is_not_yet_and_overdue(tmp_path: Path) -> None:
    receipt = _receipt(tmp_path, 8)
    small = Checkpoint(ORIGIN, 5, root(LEAVES[:5]))
    proof = TlogProof(8, (), sign_note(small.text, log_signer()), None)
    proof_file = _write(tmp_path, "p.tlog-proof", proof.text)
    done = _run(tmp_path, receipt, "--policy", _policy(tmp_path), "--proof", proof_file)
    assert done.returncode == 3
    assert "OVERDUE" in done.stdout  # received five minutes ago, merge-by one minute later


def test_an_untrusted_checkpoint_or_a_wrong_proof_is_inconclusive(tmp_path: Path) -> None:
    policy = _policy(tmp_path, "w1", f"witness w1 {W1.verifier().vkey}\n")
    done = _run(tmp_path, _receipt(tmp_path), "--policy", policy, "--proof", _proof(tmp_path))
    assert done.returncode == 4
    assert "not trusted" in done.stderr
    other = Checkpoint(ORIGIN, 10, root([*LEAVES[:9], LEAVES[0]]))
    checkpoint = _write(tmp_path, "cp.txt", sign_note(other.text, log_signer()))
    done = _run(
        tmp_path, _receipt(tmp_path), "--policy", _policy(tmp_path),
        "--proof", _proof(tmp_path), "--checkpoint", checkpoint,
    )  # fmt: skip
    assert done.returncode == 4
    assert "does not verify" in done.stderr


def test_unreadable_inputs_exit_2_with_one_line(tmp_path: Path) -> None:
    done = _run(tmp_path, str(tmp_path / "missing.txt"), "--policy", _policy(tmp_path))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "cannot read" in done.stderr
    proof = _proof(tmp_path, 4)
    done = _run(tmp_path, _receipt(tmp_path, 3), "--policy", _policy(tmp_path), "--proof", proof)
    assert done.returncode == 2
    assert "the proof is for index 4, the receipt for index 3" in done.stderr
