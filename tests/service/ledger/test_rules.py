"""Field rules: amounts, timestamps, identifiers, currencies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from anchor_service.ledger import CURRENCY_CODES
from anchor_service.ledger.rules import (
    check_account,
    check_currency,
    check_external_id,
    check_metadata,
    format_utc,
    parse_amount,
    parse_occurred_at,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("150000", 150000),
        ("-150000", -150000),
        (150000, 150000),
        (-1, -1),
        ("1" + "0" * 30, 10**30),
        (-(10**30), -(10**30)),
    ],
)
def test_parse_amount_accepts_integers_and_digit_strings(raw: object, expected: int) -> None:
    assert parse_amount(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        1.5, 150000.0, 1e5, "1e5", "1.50", "1.0", "+5", " 5", "5 ", "007", "-0", "0", 0, "",
        "--5", "0x10", "١٢", True, None, [], {}, "1" + "0" * 30 + "1", 10**30 + 1, 10**40,
    ],
)
def test_parse_amount_rejects_non_integers_zero_and_out_of_range(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_amount(raw)


def test_parse_occurred_at_normalises_offsets_to_utc() -> None:
    parsed = parse_occurred_at("2026-11-21T08:15:00+07:00")
    assert parsed == datetime(2026, 11, 21, 1, 15, tzinfo=UTC)
    assert parsed.utcoffset() is not None and parsed.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
    ("raw", "formatted"),
    [
        ("2026-11-21T08:15:00+07:00", "2026-11-21T01:15:00Z"),
        ("2026-11-21T01:15:00Z", "2026-11-21T01:15:00Z"),
        ("2026-11-21t01:15:00z", "2026-11-21T01:15:00Z"),
        ("2026-11-21T01:15:00.5-00:30", "2026-11-21T01:45:00.5Z"),
        ("2026-11-21T01:15:00.123456Z", "2026-11-21T01:15:00.123456Z"),
        ("2026-11-21T01:15:00.000Z", "2026-11-21T01:15:00Z"),
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),
    ],
)
def test_format_utc_gives_rfc3339_z_without_trailing_zeros(raw: str, formatted: str) -> None:
    assert format_utc(parse_occurred_at(raw)) == formatted


@pytest.mark.parametrize(
    "raw",
    [
        "2026-11-21T08:15:00", "2026-11-21", "2026-11-21 08:15:00Z", "2026-02-30T00:00:00Z",
        "2026-11-21T08:15:00.1234567Z", "2026-11-21T24:00:00Z", "2026-11-21T08:15:60Z",
        "2026-11-21T08:15:00+24:00", "0001-01-01T00:00:00+01:00", 1700000000, None,
        "2026-11-21T08:15:00+0700",
    ],
)
def test_parse_occurred_at_rejects_missing_offset_and_invalid_times(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_occurred_at(raw)


@pytest.mark.parametrize(
    "value", ["pay-2026-11-21-000123", "A", "x" * 128, "MT:88123.a_b-c", "0abc"]
)
def test_check_external_id_accepts_ascii_ids(value: str) -> None:
    assert check_external_id(value) == value


@pytest.mark.parametrize(
    "value", ["", "x" * 129, "-abc", ".abc", "a b", "a/b", "pay-é", "a\n", "a?b", "a#b"]
)
def test_check_external_id_rejects_other_characters_and_lengths(value: str) -> None:
    with pytest.raises(ValueError):
        check_external_id(value)


@pytest.mark.parametrize(
    "value", ["wallet:user:981", "escrow:project:42", "fees", "a.b_c-d:0", "a" * 128]
)
def test_check_account_accepts_lower_case_segments(value: str) -> None:
    assert check_account(value) == value


@pytest.mark.parametrize(
    "value",
    ["", "Wallet:user", "wallet::user", "wallet:", ":wallet", "wallet user", "wallet:ü",
     "a" * 129, "wallet:-x", "wallet\n"],
)
def test_check_account_rejects_upper_case_empty_segments_and_non_ascii(value: str) -> None:
    with pytest.raises(ValueError):
        check_account(value)


def test_currency_list_holds_current_iso_4217_codes_only() -> None:
    assert {"IDR", "USD", "EUR", "JPY", "SGD", "XCG", "ZWG", "SLE"} <= CURRENCY_CODES
    assert not {"XXX", "XTS", "HRK", "ZWL", "SLL", "ANG", "idr"} & CURRENCY_CODES
    assert all(len(code) == 3 and code.isascii() and code.isupper() for code in CURRENCY_CODES)
    assert len(CURRENCY_CODES) > 150


@pytest.mark.parametrize("value", ["idr", "XXX", "ABC", "IDRX", ""])
def test_check_currency_rejects_unknown_codes(value: str) -> None:
    with pytest.raises(ValueError):
        check_currency(value)


@pytest.mark.parametrize(
    "metadata",
    [
        {"n": float("nan")},
        {"n": float("inf")},
        {"n": 2**53},
        {"s": "\ud800"},
        {"\udfff": 1},
        {"b": b"bytes"},
        {"deep": [[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]},
    ],
)
def test_check_metadata_rejects_values_canonical_json_cannot_hold(metadata: dict) -> None:
    with pytest.raises(ValueError):
        check_metadata(metadata)


def test_check_metadata_accepts_nested_json() -> None:
    metadata = {"a": [1, -(2**53 - 1), 2.5, True, None, {"b": "ü😀"}], "": {}}
    assert check_metadata(metadata) is metadata
