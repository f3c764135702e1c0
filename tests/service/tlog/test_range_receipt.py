"""Range receipts: format, one entry's proof against the signed root, and the promise."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from anchor_service.merkle import hash_leaves, inclusion_proof, root
from anchor_service.tlog import (
    RANGE_RECEIPT_FORMAT,
    Checkpoint,
    InclusionProofError,
    InvalidSignatureError,
    MalformedCheckpointError,
    MalformedReceiptError,
    PolicyNotSatisfiedError,
    PromiseStatus,
    RangeProof,
    RangeReceipt,
    check_promise,
    open_receipt,
    parse_checkpoint,
    parse_policy,
    parse_range_receipt,
    sign_note,
    sign_range_receipt,
    verify_receipt,
)

from .builders import ORIGIN, log_signer, policy_text

LEAVES = hash_leaves([b"entry %d" % i for i in range(13)])
RECEIVED = datetime(2026, 12, 4, 23, 10, 0, 123456, tzinfo=UTC)
POLICY = parse_policy(policy_text({}, "quorum none\n"))
START, COUNT = 3, 7  # leaves 3..9 of the log


def _range(start: int = START, count: int = COUNT) -> RangeReceipt:
    leaves = LEAVES[start : start + count]
    return RangeReceipt.promise(ORIGIN, start, count, root(leaves), RECEIVED, 60)


def _proof(index: int, start: int = START, count: int = COUNT) -> RangeProof:
    path = inclusion_proof(LEAVES[start : start + count], index - start)
    return RangeProof(index, tuple(path))


def _signed(receipt: RangeReceipt | None = None) -> bytes:
    return sign_range_receipt(receipt or _range(), log_signer())


def test_text_is_the_documented_layout_and_parses_back() -> None:
    receipt = _range()
    lines = receipt.text.splitlines()
    assert lines[:4] == [ORIGIN, RANGE_RECEIPT_FORMAT, "start 3", "count 7"]
    assert lines[4].startswith("root ") and lines[4].endswith("=")
    assert lines[5:] == [
        "received 2026-12-04T23:10:00.123456Z",
        "merge-by 2026-12-04T23:11:00.123456Z",
    ]
    assert parse_range_receipt(receipt.text) == receipt


@pytest.mark.parametrize("count", [1, 2, 3, 7, 8, 13])
def test_every_entry_of_the_range_verifies_as_its_own_receipt(count: int) -> None:
    start = 13 - count
    signed = _signed(_range(start, count))
    for index in range(start, 13):
        opened = verify_receipt(
            POLICY, signed, leaf_hash=LEAVES[index], proof=_proof(index, start, count)
        )
        assert opened.receipt.index == index and opened.receipt.leaf_hash == LEAVES[index]
        assert opened.receipt.received == RECEIVED and opened.proof is not None


@pytest.mark.parametrize(
    "tamper",
    ["leaf", "path", "path-length", "index", "index-outside"],
)
def test_a_tampered_entry_proof_fails(tamper: str) -> None:
    index, leaf, proof = 5, LEAVES[5], _proof(5)
    if tamper == "leaf":
        leaf = LEAVES[6]
    elif tamper == "path":
        proof = RangeProof(index, (bytes(32), *proof.path[1:]))
    elif tamper == "path-length":
        proof = RangeProof(index, proof.path[:-1])
    elif tamper == "index":
        proof = RangeProof(6, proof.path)  # another position, the same path
    else:
        proof = RangeProof(START + COUNT, proof.path)
    with pytest.raises(InclusionProofError):
        verify_receipt(POLICY, _signed(), leaf_hash=leaf, proof=proof)


def test_a_tampered_root_or_signature_fails() -> None:
    signed = _signed()
    other = _range()
    other = dataclasses.replace(other, root=root(LEAVES[START + 1 : START + COUNT + 1]))
    swapped = other.text.encode() + signed[len(other.text) :]  # the signature of the real root
    with pytest.raises(InvalidSignatureError):
        verify_receipt(POLICY, swapped, leaf_hash=LEAVES[5], proof=_proof(5))
    flipped = bytearray(signed)
    flipped[-10] ^= 1
    with pytest.raises(InvalidSignatureError):
        verify_receipt(POLICY, bytes(flipped), leaf_hash=LEAVES[5], proof=_proof(5))


def test_a_range_receipt_needs_its_proof_and_an_entry_receipt_takes_none() -> None:
    with pytest.raises(MalformedReceiptError, match="needs the entry's leaf hash"):
        verify_receipt(POLICY, _signed())
    from anchor_service.tlog import Receipt, sign_receipt

    single = sign_receipt(Receipt.promise(ORIGIN, 5, LEAVES[5], RECEIVED, 60), log_signer())
    with pytest.raises(MalformedReceiptError, match="takes no receipt proof"):
        open_receipt(single, log_signer().verifier(), leaf_hash=LEAVES[5], proof=_proof(5))


def test_the_origin_must_be_the_log_key_name() -> None:
    from anchor_service.tlog import Ed25519Signer

    other = Ed25519Signer("other.example/log", b"\x01" * 32)
    with pytest.raises(MalformedReceiptError, match="not the receipt origin"):
        sign_range_receipt(_range(), other)
    named = dataclasses.replace(_range(), origin="other.example/log")
    note = sign_note(named.text, log_signer())  # the log's key, but another origin inside
    with pytest.raises(PolicyNotSatisfiedError):
        open_receipt(note, log_signer().verifier(), leaf_hash=LEAVES[5], proof=_proof(5))


@pytest.mark.parametrize(
    ("line", "replacement"),
    [
        ("start 3", "start 03"),
        ("count 7", "count 0"),
        ("count 7", "count -1"),
        ("count 7", "size 7"),
        (RANGE_RECEIPT_FORMAT, "anchor-service/receipt/v1"),
    ],
)
def test_malformed_texts_are_refused(line: str, replacement: str) -> None:
    with pytest.raises(MalformedReceiptError):
        parse_range_receipt(_range().text.replace(line, replacement))


def test_a_range_receipt_is_never_a_checkpoint() -> None:
    with pytest.raises(MalformedCheckpointError):
        parse_checkpoint(_range().text)


def _checkpoint(size: int, leaves: list[bytes] = LEAVES) -> tuple[Checkpoint, bytes]:
    body = Checkpoint(ORIGIN, size, root(leaves[:size]))
    return body, sign_note(body.text, log_signer())


def test_the_promise_of_one_entry_is_checked_against_a_later_checkpoint() -> None:
    opened = verify_receipt(POLICY, _signed(), leaf_hash=LEAVES[5], proof=_proof(5))
    body, signed = _checkpoint(13)
    kept = check_promise(
        opened, body, signed, LEAVES[5], inclusion_proof(LEAVES, 5), existed_by=RECEIVED
    )
    assert kept.status is PromiseStatus.KEPT
    early = check_promise(opened, *_checkpoint(5), LEAVES[5], [])
    assert early.status is PromiseStatus.NOT_YET
    forked = [*LEAVES[:5], bytes(32), *LEAVES[6:]]
    body, signed = _checkpoint(13, forked)
    broken = check_promise(opened, body, signed, bytes(32), inclusion_proof(forked, 5))
    assert broken.status is PromiseStatus.BROKEN and broken.evidence is not None
    assert broken.evidence.receipt_proof == _proof(5)
    assert broken.evidence.promised_leaf == LEAVES[5]
