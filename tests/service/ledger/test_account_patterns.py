"""The account pattern grammar of ``account`` keys: exact names and ``PREFIX*``, nothing
else, each refusal with a reason naming the pattern."""

from __future__ import annotations

import pytest

from anchor_service.errors import AccountPatternError
from anchor_service.ledger.account_patterns import (
    MAX_PATTERNS_PER_KEY,
    AccountPattern,
    document_accounts,
    parse_account_pattern,
    parse_account_patterns,
)


@pytest.mark.parametrize(
    "text",
    [
        "wallet:user:981",
        "creator:7:*",
        "creator:7*",  # creator:7, creator:70, creator:7:1 ...
        "wallet:user-*",
        "a",
        "a*",
        "x" * 128,
        "x" * 127 + "*",
    ],
)
def test_valid_patterns_are_kept_as_written(text: str) -> None:
    pattern = parse_account_pattern(text)
    assert pattern.text == text == str(pattern)
    assert pattern.is_prefix == text.endswith("*")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "must not be empty"),
        (" wallet:user:981", "contains whitespace"),
        ("wallet:user:981 ", "contains whitespace"),
        ("wallet: user", "contains whitespace"),
        ("wallet:user:981\n", "contains whitespace"),
        ("wallet:user:98\u00a01", "contains whitespace"),
        ("*", "would match every account: use an 'auditor' key"),
        ("**", "'*' before its end"),
        ("*:user:981", "'*' before its end"),
        ("creator:*:payouts", "'*' before its end"),
        ("creator:7:**", "'*' before its end"),
        ("creator:7:?", "the only wildcard is one '*' at the end"),
        ("creator:[0-9]", "the only wildcard is one '*' at the end"),
        ("creator:7:%", "the only wildcard is one '*' at the end"),
        ("Wallet:user:981", "is not a valid account name"),
        ("wallet::981", "is not a valid account name"),
        ("wallet:user:", "is not a valid account name"),  # a prefix needs its '*'
        ("wallet/user/981", "is not a valid account name"),
        ("x" * 129, "is not a valid account name"),
        ("Creator:*", "does not start any valid account name"),
        ("creator:7::*", "does not start any valid account name"),
        (":*", "does not start any valid account name"),
        ("x" * 128 + "*", "does not start any valid account name"),
        ("wallet:ü*", "does not start any valid account name"),
    ],
)
def test_invalid_patterns_are_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(AccountPatternError) as refused:
        parse_account_pattern(text)
    assert reason in refused.value.detail
    assert "\n" not in refused.value.detail
    if text:
        assert repr(text) in refused.value.detail  # names the pattern


@pytest.mark.parametrize(
    ("pattern", "account", "matches"),
    [
        ("wallet:user:981", "wallet:user:981", True),
        ("wallet:user:981", "wallet:user:9810", False),
        ("wallet:user:981", "wallet:user:98", False),
        ("creator:7:*", "creator:7:1", True),
        ("creator:7:*", "creator:7:1:payouts", True),
        ("creator:7:*", "creator:7", False),  # not the prefix itself
        ("creator:7:*", "creator:70:1", False),
        ("creator:7:*", "creator:8:1", False),
        ("creator:7*", "creator:7", True),
        ("creator:7*", "creator:70", True),
    ],
)
def test_patterns_match_exact_names_and_prefixes(pattern: str, account: str, matches: bool) -> None:
    assert parse_account_pattern(pattern).matches(account) is matches


def test_a_key_has_one_to_a_hundred_patterns_without_duplicates() -> None:
    parsed = parse_account_patterns(["wallet:user:981", "creator:7:*", "wallet:user:981"])
    assert parsed == (AccountPattern("creator:7:*"), AccountPattern("wallet:user:981"))
    with pytest.raises(AccountPatternError, match="at least one account pattern"):
        parse_account_patterns([])
    too_many = [f"wallet:user:{n}" for n in range(MAX_PATTERNS_PER_KEY + 1)]
    with pytest.raises(AccountPatternError, match="at most 100"):
        parse_account_patterns(too_many)
    with pytest.raises(AccountPatternError, match="'a b'"):
        parse_account_patterns(["wallet:user:981", "a b"])


def test_the_accounts_of_a_stored_document() -> None:
    entry = (
        b'{"external_id":"pay-1","occurred_at":"2026-11-21T01:15:00Z","postings":['
        b'{"account":"wallet:user:981","amount":"-5","currency":"IDR"},'
        b'{"account":"escrow:project:42","amount":"5","currency":"IDR"}],"salt":"00"}'
    )
    assert document_accounts(entry) == {"wallet:user:981", "escrow:project:42"}
    assert document_accounts(None) == frozenset()  # redacted
    record = b'{"external_id":"~redaction:3","kind":"redaction","leaf_index":3}'
    assert document_accounts(record) == frozenset()
