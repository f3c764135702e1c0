"""Salts: 16 fresh bytes each, never the same slice twice."""

from __future__ import annotations

from anchor_service.ledger.salts import SALT_SIZE, new_salt


def test_salts_are_sixteen_bytes_and_distinct() -> None:
    salts = [new_salt() for _ in range(5000)]
    assert all(len(salt) == SALT_SIZE for salt in salts)
    assert len(set(salts)) == len(salts)
