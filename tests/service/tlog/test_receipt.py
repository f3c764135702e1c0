"""Entry receipts: format, signatures, and the promise checked against later checkpoints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anchor_service.merkle import hash_leaves, inclusion_proof, root
from anchor_service.tlog import (
    RECEIPT_FORMAT,
    Checkpoint,
    InclusionProofError,
    InvalidSignatureError,
    MalformedCheckpointError,
    MalformedReceiptError,
    PolicyNotSatisfiedError,
    PromiseStatus,
    Receipt,
    UnverifiedNoteError,
    check_promise,
    format_time,
    open_receipt,
    parse_checkpoint,
    parse_policy,
    parse_receipt,
    parse_time,
    sign_note,
    sign_receipt,
    verify_receipt,
)

from .builders import ORIGIN, log_signer, policy_text

LEAVES = hash_leaves([b"entry %d" % i for i in range(13)])
RECEIVED = datetime(2026, 12, 4, 23, 10, 0, 123456, tzinfo=UTC)
POLICY = parse_policy(policy_text({}, "quorum none\n"))


def _receipt(index: int = 5, leaf: bytes | None = None, delay: int = 60) -> Receipt:
    return Receipt.promise(ORIGIN, index, LEAVES[index] if leaf is None else leaf, RECEIVED, delay)


def _checkpoint(size: int, leaves: list[bytes] = LEAVES) -> tuple[Checkpoint, bytes]:
    body = Checkpoint(ORIGIN, size, root(leaves[:size]))
    return body, sign_note(body.text, log_signer())


def test_text_is_the_documented_layout_and_parses_back() -> None:
    receipt = _receipt()
    lines = receipt.text.splitlines()
    assert lines[0] == ORIGIN
    assert lines[1] == RECEIPT_FORMAT
    assert lines[2] == "index 5"
    assert lines[3].startswith("leaf ") and lines[3].endswith("=")
    assert lines[4] == "received 2026-12-04T23:10:00.123456Z"
    assert lines[5] == "merge-by 2026-12-04T23:11:00.123456Z"
    assert parse_receipt(receipt.text) == receipt


def test_signing_is_deterministic_and_opens_with_the_log_key() -> None:
    signed = sign_receipt(_receipt(), log_signer())
    assert signed == sign_receipt(_receipt(), log_signer())
    opened = open_receipt(signed, log_signer().verifier())
    assert opened.receipt == _receipt()
    assert verify_receipt(POLICY, signed).receipt == _receipt()


def test_a_receipt_is_never_a_checkpoint() -> None:
    with pytest.raises(MalformedCheckpointError):
        parse_checkpoint(_receipt().text)
    with pytest.raises(MalformedReceiptError):
        parse_receipt(Checkpoint(ORIGIN, 3, root(LEAVES[:3])).text)


def test_other_keys_and_tampering_are_refused() -> None:
    signed = sign_receipt(_receipt(), log_signer())
    with pytest.raises(UnverifiedNoteError):
        open_receipt(signed, log_signer("other.example/log").verifier())
    with pytest.raises(PolicyNotSatisfiedError):
        verify_receipt(
            parse_policy(f"log {log_signer('x.example').verifier().vkey}\nquorum none\n"), signed
        )
    tampered = signed.replace(b"index 5", b"index 6")
    with pytest.raises(InvalidSignatureError):
        open_receipt(tampered, log_signer().verifier())
    with pytest.raises(MalformedReceiptError):
        sign_receipt(_receipt(), log_signer("other.example/log"))


@pytest.mark.parametrize(
    ("line", "bad"),
    [
        (2, "anchor-service/receipt/v2"),
        (3, "index 05"),
        (3, "idx 5"),
        (4, "leaf AAAA"),
        (5, "received 2026-12-04T23:10:00.120Z"),
        (5, "received 2026-12-04 23:10:00Z"),
        (6, "merge-by 2026-12-04T23:11:00+00:00"),
    ],
)
def test_malformed_lines_are_refused(line: int, bad: str) -> None:
    lines = _receipt().text.splitlines()
    lines[line - 1] = bad
    with pytest.raises(MalformedReceiptError):
        parse_receipt("\n".join(lines) + "\n")


def test_merge_by_before_received_is_refused() -> None:
    with pytest.raises(MalformedReceiptError):
        Receipt(ORIGIN, 1, LEAVES[1], RECEIVED, RECEIVED - timedelta(seconds=1))


@given(st.datetimes(timezones=st.just(UTC)))
def test_times_round_trip_canonically(moment: datetime) -> None:
    assert parse_time(format_time(moment)) == moment


def test_promise_kept_when_the_checkpoint_existed_by_merge_by() -> None:
    opened = open_receipt(sign_receipt(_receipt(), log_signer()), log_signer().verifier())
    body, signed = _checkpoint(9)
    proof = inclusion_proof(LEAVES[:9], 5)
    kept = check_promise(opened, body, signed, LEAVES[5], proof, existed_by=RECEIVED)
    assert kept.status is PromiseStatus.KEPT and kept.evidence is None
    late = RECEIVED + timedelta(hours=1)
    included = check_promise(opened, body, signed, LEAVES[5], proof, existed_by=late)
    assert included.status is PromiseStatus.INCLUDED
    assert check_promise(opened, body, signed, LEAVES[5], proof).status is PromiseStatus.INCLUDED


def test_checkpoint_too_small_proves_nothing_and_says_when_overdue() -> None:
    opened = open_receipt(sign_receipt(_receipt(), log_signer()), log_signer().verifier())
    body, signed = _checkpoint(5)
    early = check_promise(opened, body, signed, LEAVES[5], (), now=RECEIVED)
    assert early.status is PromiseStatus.NOT_YET and not early.overdue
    late = check_promise(opened, body, signed, LEAVES[5], (), now=RECEIVED + timedelta(days=1))
    assert late.status is PromiseStatus.NOT_YET and late.overdue


def test_another_leaf_at_the_index_is_evidence() -> None:
    forged = _receipt(leaf=b"\x07" * 32)
    signed_receipt = sign_receipt(forged, log_signer())
    opened = open_receipt(signed_receipt, log_signer().verifier())
    body, signed = _checkpoint(13)
    proof = inclusion_proof(LEAVES, 5)
    broken = check_promise(opened, body, signed, LEAVES[5], proof)
    assert broken.status is PromiseStatus.BROKEN
    evidence = broken.evidence
    assert evidence is not None
    assert evidence.index == 5
    assert evidence.promised_leaf == b"\x07" * 32
    assert evidence.proven_leaf == LEAVES[5]
    assert evidence.receipt == signed_receipt
    assert evidence.checkpoint == signed
    assert evidence.proof == tuple(proof)


def test_a_wrong_proof_proves_nothing() -> None:
    opened = open_receipt(sign_receipt(_receipt(), log_signer()), log_signer().verifier())
    body, signed = _checkpoint(13)
    with pytest.raises(InclusionProofError):
        check_promise(opened, body, signed, b"\x07" * 32, inclusion_proof(LEAVES, 5))
    other = Checkpoint("other.example/log", 13, root(LEAVES))
    with pytest.raises(PolicyNotSatisfiedError):
        check_promise(opened, other, signed, LEAVES[5], inclusion_proof(LEAVES, 5))
