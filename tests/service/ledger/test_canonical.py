"""The leaf document: RFC 8785 bytes of the normalised entry and its salt; the hashes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from anchor_service.errors import InvalidEntryError
from anchor_service.ledger import EntryIn, encode_entry, normalized_document, parse_entry

SALT = bytes(range(16))


def _entry(**overrides: Any) -> EntryIn:
    body: dict[str, Any] = {
        "external_id": "pay-2026-11-21-000123",
        "occurred_at": "2026-11-21T08:15:00+07:00",
        "description": "Contribution to project 42",
        "postings": [
            {"account": "wallet:user:981", "amount": "-150000", "currency": "IDR"},
            {"account": "escrow:project:42", "amount": 150000, "currency": "IDR"},
        ],
        "metadata": {"gateway": "midtrans", "gateway_ref": "MT-88123"},
    }
    body.update(overrides)
    return parse_entry(json.dumps(body))


def test_document_is_the_jcs_of_the_normalised_entry_with_its_salt() -> None:
    encoded = encode_entry(_entry(), max_metadata_bytes=4096, salt=SALT)
    assert encoded.document == (
        b'{"description":"Contribution to project 42","external_id":"pay-2026-11-21-000123",'
        b'"metadata":{"gateway":"midtrans","gateway_ref":"MT-88123"},'
        b'"occurred_at":"2026-11-21T01:15:00Z","postings":['
        b'{"account":"wallet:user:981","amount":"-150000","currency":"IDR"},'
        b'{"account":"escrow:project:42","amount":"150000","currency":"IDR"}],'
        b'"salt":"000102030405060708090a0b0c0d0e0f"}'
    )
    assert encoded.document == rfc8785.dumps(normalized_document(_entry(), SALT))


def test_leaf_hash_is_sha256_of_zero_byte_and_document() -> None:
    encoded = encode_entry(_entry(), max_metadata_bytes=4096)
    assert encoded.leaf_hash == hashlib.sha256(b"\x00" + encoded.document).digest()


def test_content_hash_ignores_the_salt_and_tracks_the_content() -> None:
    first = encode_entry(_entry(), max_metadata_bytes=4096)
    second = encode_entry(_entry(), max_metadata_bytes=4096)
    changed = encode_entry(_entry(description="other"), max_metadata_bytes=4096)
    assert first.salt != second.salt and first.leaf_hash != second.leaf_hash
    assert first.content_hash == second.content_hash != changed.content_hash
    assert first.content_hash == hashlib.sha256(
        rfc8785.dumps(normalized_document(_entry()))
    ).digest()


def test_equivalent_bodies_have_one_content_hash() -> None:
    as_strings = _entry()
    as_integers = _entry(
        occurred_at="2026-11-21T01:15:00Z",
        postings=[
            {"currency": "IDR", "amount": -150000, "account": "wallet:user:981"},
            {"currency": "IDR", "amount": "150000", "account": "escrow:project:42"},
        ],
    )
    assert (
        encode_entry(as_strings, max_metadata_bytes=4096).content_hash
        == encode_entry(as_integers, max_metadata_bytes=4096).content_hash
    )


def test_absent_description_and_metadata_are_omitted_and_postings_keep_their_order() -> None:
    entry = _entry(
        description=None,
        metadata=None,
        postings=[
            {"account": "z", "amount": "5", "currency": "USD"},
            {"account": "a", "amount": "-5", "currency": "USD"},
        ],
    )
    document = json.loads(encode_entry(entry, max_metadata_bytes=4096, salt=SALT).document)
    assert list(document) == ["external_id", "occurred_at", "postings", "salt"]
    assert [p["account"] for p in document["postings"]] == ["z", "a"]


def test_amounts_beyond_double_precision_stay_exact_strings() -> None:
    big = 10**30
    entry = _entry(
        postings=[
            {"account": "a", "amount": str(-big), "currency": "IDR"},
            {"account": "b", "amount": big - 1, "currency": "IDR"},
            {"account": "c", "amount": 1, "currency": "IDR"},
        ]
    )
    document = json.loads(encode_entry(entry, max_metadata_bytes=4096).document)
    assert [p["amount"] for p in document["postings"]] == [str(-big), str(big - 1), "1"]


def test_metadata_over_the_limit_is_rejected_with_its_field() -> None:
    entry = _entry(metadata={"note": "x" * 100})
    encode_entry(entry, max_metadata_bytes=111)
    with pytest.raises(InvalidEntryError) as caught:
        encode_entry(entry, max_metadata_bytes=110)
    assert caught.value.field == "metadata"
    assert "111 bytes" in caught.value.detail


def test_salt_must_be_sixteen_bytes() -> None:
    with pytest.raises(ValueError):
        encode_entry(_entry(), max_metadata_bytes=4096, salt=b"short")


_free_text = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40)
_metadata = st.dictionaries(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=8),
    st.none()
    | st.booleans()
    | st.integers(-(2**53 - 1), 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _free_text,
    max_size=6,
)


@settings(max_examples=300)
@given(
    description=st.none() | _free_text,
    metadata=st.none() | _metadata,
    amount=st.integers(1, 10**30),
    currency=st.sampled_from(["IDR", "USD", "JPY", "XAU"]),
    salt=st.binary(min_size=16, max_size=16),
)
def test_encoding_matches_rfc8785_of_the_reference_document(
    description: str | None, metadata: dict | None, amount: int, currency: str, salt: bytes
) -> None:
    entry = _entry(
        description=description,
        metadata=metadata,
        postings=[
            {"account": "wallet:user:1", "amount": -amount, "currency": currency},
            {"account": "escrow:x", "amount": str(amount), "currency": currency},
        ],
    )
    encoded = encode_entry(entry, max_metadata_bytes=10**6, salt=salt)
    assert encoded.document == rfc8785.dumps(normalized_document(entry, salt))
    unsalted = rfc8785.dumps(normalized_document(entry))
    assert encoded.content_hash == hashlib.sha256(unsalted).digest()
