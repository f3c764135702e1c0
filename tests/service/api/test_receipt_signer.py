"""The write path's receipt composer writes exactly what ``tlog.sign_receipt`` writes."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from base64 import b64decode
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anchor_service.db.repositories.entries import StoredEntry
from anchor_service.services.log_identity import create_log_key
from anchor_service.services.receipts import ReceiptSigner
from anchor_service.settings import Settings
from anchor_service.tlog import Ed25519Signer, Receipt, sign_receipt

SIGNER = Ed25519Signer("ledger.example.co.id/anchor/v1", hashlib.sha256(b"receipts").digest())


@settings(max_examples=200)
@given(
    index=st.integers(0, 2**63 - 1),
    leaf=st.binary(min_size=32, max_size=32),
    received=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
    ),
    delay=st.sampled_from([1, 60, 86_400, 0.5, 2.25]),
)
def test_fast_path_equals_sign_receipt(
    index: int, leaf: bytes, received: datetime, delay: float
) -> None:
    stored = StoredEntry("e-1", index, leaf, b"{}", received, created=True)
    expected = sign_receipt(Receipt.promise(SIGNER.name, index, leaf, received, delay), SIGNER)
    assert ReceiptSigner(SIGNER, delay).receipt(stored).encode() == expected


def test_naive_database_times_are_utc() -> None:
    aware = datetime(2026, 12, 4, 23, 10, 0, 5, tzinfo=UTC)
    signer = ReceiptSigner(SIGNER, 60)
    naive = StoredEntry("e-1", 3, bytes(32), b"{}", aware.replace(tzinfo=None), created=False)
    stored = StoredEntry("e-1", 3, bytes(32), b"{}", aware, created=False)
    assert signer.receipt(naive) == signer.receipt(stored)


def test_a_promise_the_checkpoint_schedule_cannot_keep_is_warned_about(
    make_settings: Callable[..., Settings], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    create_log_key(tmp_path / "log.key", "warn.example/log")
    kept = make_settings(log_key_path=tmp_path / "log.key", checkpoint_seconds=2)
    with caplog.at_level(logging.WARNING, logger="anchor_service.services.receipts"):
        assert ReceiptSigner.from_settings(kept) is not None
        assert not caplog.records
        nightly = make_settings(log_key_path=tmp_path / "log.key", checkpoint_seconds=0)
        assert ReceiptSigner.from_settings(nightly) is not None
    assert "only at the nightly seal" in caplog.text
    assert ReceiptSigner.from_settings(make_settings()) is None  # no log key: no receipts


def _stored(index: int, received: datetime, created: bool = True) -> StoredEntry:
    leaf = hashlib.sha256(b"leaf %d" % index).digest()
    return StoredEntry(f"e-{index}", index, leaf, b"{}", received, created=created)


@pytest.mark.parametrize("count", [1, 2, 5, 8, 13])
def test_a_fresh_bulk_answer_is_one_range_note_and_each_path_is_rfc9162s(count: int) -> None:
    from anchor_service.merkle import inclusion_proof, root
    from anchor_service.tlog import RangeProof, RangeReceipt, sign_range_receipt, verify_receipt
    from anchor_service.tlog.policy import parse_policy

    received = datetime(2026, 12, 4, 23, 10, 0, 5, tzinfo=UTC)
    stored = [_stored(40 + i, received) for i in range(count)]
    answers = ReceiptSigner(SIGNER, 60).range_receipts(stored)
    leaves = [item.leaf_hash for item in stored]
    expected = RangeReceipt.promise(SIGNER.name, 40, count, root(leaves), received, 60)
    assert {answer.note for answer in answers} == {sign_range_receipt(expected, SIGNER).decode()}
    policy = parse_policy(f"log {SIGNER.verifier().vkey}\nquorum none\n".encode())
    for position, (item, answer) in enumerate(zip(stored, answers, strict=True)):
        path = [b64decode(node) for node in answer.path]
        assert answer.index == item.leaf_index and path == inclusion_proof(leaves, position)
        proof = RangeProof(answer.index, tuple(path))
        opened = verify_receipt(policy, answer.note.encode(), leaf_hash=item.leaf_hash, proof=proof)
        assert opened.receipt.index == item.leaf_index


def test_replayed_items_keep_their_own_runs() -> None:
    earlier = datetime(2026, 12, 4, 23, 0, 0, tzinfo=UTC)
    now = datetime(2026, 12, 4, 23, 10, 0, tzinfo=UTC)
    # request order: new, replayed 7, new, replayed 3 (another earlier request), new
    stored = [
        _stored(20, now),
        _stored(7, earlier, created=False),
        _stored(21, now),
        _stored(3, earlier - timedelta(seconds=1), created=False),
        _stored(22, now),
    ]
    naive = [
        dataclasses.replace(item, received_at=item.received_at.replace(tzinfo=None))
        for item in stored
    ]
    signer = ReceiptSigner(SIGNER, 60)
    answers = signer.range_receipts(stored)
    assert signer.range_receipts(naive) == answers  # SQLite's naive UTC times alike
    notes = [answer.note.splitlines() for answer in answers]
    assert [answer.index for answer in answers] == [20, 7, 21, 3, 22]
    assert notes[0] == notes[2] == notes[4]
    assert notes[0][2:4] == ["start 20", "count 3"]
    assert notes[1][2:4] == ["start 7", "count 1"] and notes[3][2:4] == ["start 3", "count 1"]
    assert answers[1].path == [] and len(answers[0].path) == 2


def test_the_bulk_answer_is_the_json_of_its_model() -> None:
    import json

    from anchor_service.api.schemas.entries import BulkEntriesOut, render_bulk
    from anchor_service.ledger.status import EntryStatus

    now = datetime(2026, 12, 4, 23, 10, 0, tzinfo=UTC)
    stored = [_stored(20 + i, now, created=i != 1) for i in range(5)]
    stored[2] = dataclasses.replace(stored[2], external_id='odd "id" \\ é\n')  # escaped anyway
    statuses = [EntryStatus.PENDING, EntryStatus.LOGGED, *[EntryStatus.PENDING] * 3]
    answers = ReceiptSigner(SIGNER, 60).range_receipts(stored)
    for receipts in (None, answers):
        body = json.loads(render_bulk(stored, statuses, receipts))
        BulkEntriesOut.model_validate(body)
        assert body["created"] == 4 and body["existing"] == 1
        expected = [
            {
                "external_id": item.external_id,
                "status": status.value,
                "leaf_index": item.leaf_index,
                "leaf_hash": item.leaf_hash.hex(),
                "created": item.created,
                "receipt": None if receipt is None else receipt.note,
                "receipt_proof": None
                if receipt is None
                else {"index": receipt.index, "path": receipt.path},
            }
            for item, status, receipt in zip(stored, statuses, receipts or [None] * 5, strict=True)
        ]
        assert body["entries"] == expected
