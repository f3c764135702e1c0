"""The write path's receipt composer writes exactly what ``tlog.sign_receipt`` writes."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
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
