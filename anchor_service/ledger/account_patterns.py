"""Account patterns: which accounts an ``account`` API key may read.

A pattern is either

- an **exact account name**, valid as a ledger account (``wallet:user:981``): it matches
  that account only; or
- a **prefix** followed by one ``*`` at the very end (``creator:7:*``): it matches every
  account whose name starts with the prefix (``creator:7:1``, ``creator:7:1:payouts``),
  but not the prefix itself when that is an account too (``creator:7:*`` does not match
  ``creator:7``; bind ``creator:7`` as well for that). The prefix must be the start of
  some valid account name (it stays valid with one more digit after it: ``creator:7:``,
  ``creator:7``, ``wallet:user-`` are prefixes; ``creator:7::`` and ``Creator:`` are not).

Nothing else: no ``*`` elsewhere, no other wildcards (``?``, ``[...]``, ``%``), no
whitespace anywhere, no empty pattern, no bare ``*`` (a key for every account is an
``auditor`` key). Matching is plain, case-sensitive string comparison: account names
are lower-case ASCII with one spelling (:mod:`anchor_service.ledger.rules`).

:func:`document_accounts` reads the accounts an entry touches from its stored leaf
document (none for a redacted entry or a record the service appended itself).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from anchor_service.errors import AccountPatternError
from anchor_service.ledger.rules import ACCOUNT_MAX_LENGTH, check_account

__all__ = [
    "MAX_PATTERNS_PER_KEY",
    "WILDCARD",
    "AccountPattern",
    "document_accounts",
    "parse_account_pattern",
    "parse_account_patterns",
]

WILDCARD = "*"
#: Most patterns one key may carry: a key for more accounts is an auditor's.
MAX_PATTERNS_PER_KEY = 100
_OTHER_WILDCARDS = frozenset("?[]{}%")


@dataclass(frozen=True, slots=True, order=True)
class AccountPattern:
    """One account pattern as written (``text``); ``matches`` answers for an account."""

    text: str

    @property
    def is_prefix(self) -> bool:
        """True for ``PREFIX*`` patterns, False for exact account names."""
        return self.text.endswith(WILDCARD)

    def matches(self, account: str) -> bool:
        """Whether ``account`` is the pattern's account, or starts with its prefix."""
        if self.is_prefix:
            return account.startswith(self.text[:-1])
        return account == self.text

    def __str__(self) -> str:
        return self.text


def parse_account_pattern(text: str) -> AccountPattern:
    """Check ``text`` against the pattern grammar; raise :class:`AccountPatternError`
    with a one-line reason naming the pattern."""
    if not text:
        raise AccountPatternError("an account pattern must not be empty")
    if any(character.isspace() for character in text):
        raise AccountPatternError(f"account pattern {text!r} contains whitespace")
    wildcards = sorted(_OTHER_WILDCARDS.intersection(text))
    if wildcards:
        raise AccountPatternError(
            f"account pattern {text!r} contains {''.join(wildcards)!r}: the only wildcard "
            f"is one '*' at the end (e.g. creator:7:*)"
        )
    if WILDCARD in text[:-1]:
        raise AccountPatternError(
            f"account pattern {text!r} has '*' before its end: the only wildcard is one "
            "'*' at the end (e.g. creator:7:*)"
        )
    if text == WILDCARD:
        raise AccountPatternError(
            "account pattern '*' would match every account: use an 'auditor' key for that"
        )
    if text.endswith(WILDCARD):
        prefix = text[:-1]
        if len(prefix) >= ACCOUNT_MAX_LENGTH or not _valid_account(prefix + "0"):
            raise AccountPatternError(
                f"account pattern {text!r}: {prefix!r} does not start any valid account "
                "name (lower-case segments of a-z 0-9 . _ - separated by ':', each "
                "starting with a letter or digit, at most 128 characters)"
            )
        return AccountPattern(text)
    if not _valid_account(text):
        raise AccountPatternError(
            f"account pattern {text!r} is not a valid account name: it must be at most "
            "128 characters: lower-case segments of a-z 0-9 . _ - separated by ':', each "
            "starting with a letter or digit (e.g. wallet:user:981), or such a prefix "
            "followed by '*'"
        )
    return AccountPattern(text)


def parse_account_patterns(texts: Iterable[str]) -> tuple[AccountPattern, ...]:
    """Parse every pattern (duplicates dropped, sorted); at least one, at most
    :data:`MAX_PATTERNS_PER_KEY`."""
    patterns = tuple(sorted({parse_account_pattern(text) for text in texts}))
    if not patterns:
        raise AccountPatternError("an 'account' key needs at least one account pattern")
    if len(patterns) > MAX_PATTERNS_PER_KEY:
        raise AccountPatternError(
            f"{len(patterns)} account patterns: one key may carry at most "
            f"{MAX_PATTERNS_PER_KEY} (an 'auditor' key reads every account)"
        )
    return patterns


def _valid_account(name: str) -> bool:
    try:
        check_account(name)
    except ValueError:
        return False
    return True


def document_accounts(document: bytes | None) -> frozenset[str]:
    """The accounts the postings of a stored leaf document touch (``None``, a redacted
    entry's erased document, and documents without postings touch none)."""
    if document is None:
        return frozenset()
    parsed = json.loads(document)
    postings = parsed.get("postings") if isinstance(parsed, dict) else None
    if not isinstance(postings, list):
        return frozenset()
    return frozenset(
        posting["account"]
        for posting in postings
        if isinstance(posting, dict) and isinstance(posting.get("account"), str)
    )
