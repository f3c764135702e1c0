"""``anchor-service witness serve`` answers add-checkpoint exactly as c2sp.org/tlog-witness says."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor

import httpx

from anchor_service.tlog import (
    AddCheckpointRequest,
    Ed25519Signer,
    parse_policy,
    sign_note,
    verify_checkpoint,
)
from tests.service.witness.conftest import Log, StartWitness, WitnessProcess


def stored_size(witness: WitnessProcess, origin: str) -> int | None:
    with sqlite3.connect(witness.state) as connection:
        row = connection.execute(
            "SELECT size FROM witness_checkpoints WHERE origin = ?", (origin,)
        ).fetchone()
    return None if row is None else int(row[0])


def refusal_reasons(witness: WitnessProcess) -> list[str]:
    with sqlite3.connect(witness.state) as connection:
        rows = connection.execute("SELECT reason FROM witness_refusals ORDER BY id").fetchall()
    return [str(row[0]) for row in rows]


def test_first_checkpoint_is_cosigned_with_a_cosignature_the_policy_verifies(
    log: Log, start_witness: StartWitness
) -> None:
    witness = start_witness()
    response = witness.add_checkpoint(log.request(0, 5))
    assert response.status_code == 200, response.text
    lines = response.content.splitlines(keepends=True)
    assert len(lines) == 1 and lines[0].startswith("— witness.example/w1 ".encode())
    policy = parse_policy(f"log {log.vkey}\nwitness w1 {witness.vkey}\nquorum w1\n")
    verified = verify_checkpoint(policy, log.checkpoint(5), response.content)
    assert verified.checkpoint.size == 5
    assert set(verified.cosigners) == {"w1"}
    assert stored_size(witness, log.origin) == 5


def test_witness_advances_only_with_a_valid_consistency_proof(
    log: Log, start_witness: StartWitness
) -> None:
    witness = start_witness()
    assert witness.add_checkpoint(log.request(0, 5)).status_code == 200
    assert witness.add_checkpoint(log.request(5, 13)).status_code == 200
    wrong = list(log.proof(13, 20))
    wrong[0] = bytes(32)
    bad = AddCheckpointRequest(13, tuple(wrong), log.checkpoint(20)).body
    response = witness.add_checkpoint(bad)
    assert response.status_code == 422
    assert "consistency proof from tree size 13" in response.text
    assert stored_size(witness, log.origin) == 13
    assert refusal_reasons(witness) == ["the consistency proof from tree size 13 does not verify"]
    assert witness.add_checkpoint(log.request(13, 20)).status_code == 200
    assert stored_size(witness, log.origin) == 20


def test_stale_old_size_gets_409_with_the_witness_size(
    log: Log, start_witness: StartWitness
) -> None:
    witness = start_witness()
    assert witness.add_checkpoint(log.request(0, 8)).status_code == 200
    response = witness.add_checkpoint(log.request(3, 10))
    assert response.status_code == 409
    assert response.headers["content-type"] == "text/x.tlog.size"
    assert response.content == b"8\n"
    first_contact = witness.add_checkpoint(log.request(0, 10))
    assert (first_contact.status_code, first_contact.content) == (409, b"8\n")
    assert stored_size(witness, log.origin) == 8


def test_same_size_with_another_root_is_a_conflict_kept_as_evidence(
    log: Log, start_witness: StartWitness
) -> None:
    witness = start_witness()
    assert witness.add_checkpoint(log.request(0, 8)).status_code == 200
    same = witness.add_checkpoint(log.request(8, 8))
    assert same.status_code == 200  # the same checkpoint again is cosigned again
    fork = Log(fork_at=6)
    response = witness.add_checkpoint(fork.request(8, 8))
    assert (response.status_code, response.content) == (409, b"8\n")
    assert response.headers["content-type"] == "text/x.tlog.size"
    assert refusal_reasons(witness) == ["tree size 8 was cosigned with another root"]
    # a fork that grows past the stored size cannot prove consistency either
    grown = witness.add_checkpoint(fork.request(8, 12))
    assert grown.status_code == 422
    metrics = httpx.get(f"{witness.url}/metrics", timeout=10).text
    assert 'anchor_witness_server_answers_total{status="409"} 1.0' in metrics
    assert 'anchor_witness_server_answers_total{status="422"} 1.0' in metrics
    assert 'anchor_witness_server_refusals_total{reason="fork"} 1.0' in metrics
    assert 'anchor_witness_server_refusals_total{reason="bad-proof"} 1.0' in metrics


def test_unknown_origin_is_404_and_unknown_key_is_403(
    log: Log, start_witness: StartWitness
) -> None:
    witness = start_witness()
    other = Log(origin="other.example/log")
    assert witness.add_checkpoint(other.request(0, 3)).status_code == 404
    impostor = Log()
    impostor.signer = Ed25519Signer(log.origin, b"\x01" * 32)  # the origin's name, another key
    response = witness.add_checkpoint(impostor.request(0, 3))
    assert response.status_code == 403
    # a note by the trusted key whose signature was altered: the whole note is refused
    note = bytearray(log.checkpoint(3))
    note[-10] = ord("A") if note[-10] != ord("A") else ord("B")
    tampered = AddCheckpointRequest(0, (), bytes(note)).body
    assert witness.add_checkpoint(tampered).status_code == 403
    assert stored_size(witness, log.origin) is None


def test_malformed_requests_and_old_size_above_the_checkpoint_are_400(
    log: Log, start_witness: StartWitness
) -> None:
    witness = start_witness()
    checkpoint = log.checkpoint(4)
    for body in (
        b"",
        b"old 0\n" + checkpoint,  # no blank line before the checkpoint
        b"old 01\n\n" + checkpoint,  # a leading zero
        b"new 0\n\n" + checkpoint,
        b"old 2\nnot base64!\n\n" + checkpoint,
        b"old 0\n\nnot a checkpoint\n\n\xe2\x80\x94 x AAAAAAA=\n",
        b"old 0\n\n" + checkpoint.replace(b"\n\n", b"\n"),  # no signature block
    ):
        response = witness.add_checkpoint(body)
        assert response.status_code == 400, (body, response.text)
    signed_bigger = sign_note(log.checkpoint(4).split(b"\n\n")[0].decode() + "\n", log.signer)
    above = b"old 9\n\n" + signed_bigger
    response = witness.add_checkpoint(above)
    assert response.status_code == 400 and "above the checkpoint size" in response.text
    assert stored_size(witness, log.origin) is None


def test_concurrent_requests_from_one_size_cosign_exactly_one(
    log: Log, start_witness: StartWitness
) -> None:
    witness = start_witness()
    assert witness.add_checkpoint(log.request(0, 4)).status_code == 200
    sizes = list(range(5, 29))
    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(lambda n: witness.add_checkpoint(log.request(4, n)), sizes))
    winners = [n for n, answer in zip(sizes, answers, strict=True) if answer.status_code == 200]
    losers = [answer for answer in answers if answer.status_code != 200]
    assert len(winners) == 1  # all came from size 4: once one is stored, 4 is stale
    assert stored_size(witness, log.origin) == winners[0]
    # every other request saw the moved witness (409 with its size), never a rollback
    assert all(answer.status_code == 409 for answer in losers)
    assert {answer.content for answer in losers} == {b"%d\n" % winners[0]}


def test_state_survives_a_restart(log: Log, start_witness: StartWitness) -> None:
    witness = start_witness()
    assert witness.add_checkpoint(log.request(0, 7)).status_code == 200
    witness.process.stop()
    again = start_witness()  # same name: same key file and state file
    assert again.vkey == witness.vkey
    response = again.add_checkpoint(log.request(0, 9))
    assert (response.status_code, response.content) == (409, b"7\n")
    assert again.add_checkpoint(log.request(7, 9)).status_code == 200
