"""The write path's receipt composer writes exactly what ``tlog.sign_receipt`` writes."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from anchor_service.db.repositories.entries import StoredEntry
from anchor_service.services.receipts import ReceiptSigner
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
