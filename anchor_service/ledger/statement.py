"""Settlement statements: what a batch moved, as canonical JSON, and its SHA-256.

A statement is the RFC 8785 (JCS) serialisation of::

    {"version": 1,
     "batch_seq": 3,
     "leaf_range": {"start": 1200, "end": 1500},       (leaf indices [start, end))
     "tree_size": 1500,
     "period": {"start": "2026-11-20T17:30:00Z", "end": "2026-11-21T17:30:00Z"},
     "entry_count": 300,
     "totals": {"IDR": {"credits": "4500000", "debits": "4500000"}},
     "net": {"escrow:project:42": {"IDR": "4500000"},
             "wallet:user:981": {"IDR": "-4500000"}}}

``debits`` is the total of the negative amounts (money moved out of accounts) as a
magnitude, ``credits`` the total of the positive ones, per currency; since every entry
balances, they are equal, which the statement lets anyone check. ``net`` is the sum of
each account's amounts per currency (``"0"`` when they cancel out), for every account the
batch touched. Amounts are decimal strings: JCS numbers are doubles, exact only up to
2^53. The period is UTC RFC 3339 (see the sealing service for how it is chosen).

Version 2 (every batch sealed since, see docs/settlement.md) has the same fields except
``net``, and two commitments instead (``"version": 2``)::

     "accounts": {"root": "<hex>", "lines": 2,
                  "sums": {"IDR": {"credits": "4500000", "debits": "4500000",
                                   "entries": 600}}},
     "account_index": {"root": "<hex>", "size": 600}

``accounts`` is the root of the Merkle-sum tree of the account lines
(:mod:`anchor_service.ledger.account_lines`): its ``sums`` carry the same ``debits`` and
``credits`` as ``totals``; ``account_index`` the root of the (account, leaf index) tree
(:mod:`anchor_service.ledger.account_index`). Without ``net`` the document stays small
whatever the number of accounts, so a proof of one line carries it whole and a creator
checks their line without seeing anyone else's; auditors read every line from the API.

The statement's SHA-256 is stored with the batch and anchored with its tree head, so the
anchor covers both roots.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from anchor_service.ledger.jcs import canonical_json
from anchor_service.ledger.rules import format_utc

__all__ = [
    "STATEMENT_VERSION",
    "AccountMovement",
    "Commitments",
    "Statement",
    "build_statement",
    "movements_from_postings",
]

STATEMENT_VERSION = 2
"""The version of the statements built now (version 1 ones, with ``net``, still verify)."""


@dataclass(frozen=True, slots=True)
class Commitments:
    """Version 2's commitments: the account lines' root and the account index's root."""

    lines_root: bytes
    lines: int
    sums: dict[str, dict[str, Any]]
    index_root: bytes
    index_size: int


@dataclass(frozen=True, slots=True)
class AccountMovement:
    """The postings of one account in one currency: totals moved out and in (both >= 0)."""

    account: str
    currency: str
    debits: int
    credits: int

    @property
    def net(self) -> int:
        """Credits minus debits: the account's net movement."""
        return self.credits - self.debits


@dataclass(frozen=True, slots=True)
class Statement:
    """A built statement: the document, its exact canonical bytes, and their SHA-256."""

    document: dict[str, Any]
    canonical: bytes
    sha256: bytes


def movements_from_postings(postings: Iterable[tuple[str, str, int]]) -> list[AccountMovement]:
    """Aggregate ``(account, currency, amount)`` postings into movements, sorted by key.

    Exact for any integer amounts; the reference for the database's own aggregation.
    """
    sums: dict[tuple[str, str], list[int]] = {}
    for account, currency, amount in postings:
        key = (account, currency)
        pair = sums.get(key)
        if pair is None:
            pair = sums[key] = [0, 0]
        if amount < 0:
            pair[0] -= amount
        else:
            pair[1] += amount
    return [
        AccountMovement(account, currency, debits, credits)
        for (account, currency), (debits, credits) in sorted(sums.items())
    ]


def build_statement(
    *,
    batch_seq: int,
    start: int,
    end: int,
    period_start: datetime,
    period_end: datetime,
    movements: Iterable[AccountMovement],
    commitments: Commitments | None = None,
) -> Statement:
    """Build the statement of batch ``batch_seq`` sealing leaves ``[start, end)``: version
    2 with ``commitments``, else version 1 (with ``net``).

    Requires ``0 <= start < end``, ``period_start <= period_end`` (aware datetimes) and
    non-negative debits and credits; movements of the same account and currency add up.
    """
    if not 0 <= start < end:
        raise ValueError(f"invalid leaf range [{start}, {end})")
    if period_end < period_start:
        raise ValueError(f"period ends ({period_end}) before it starts ({period_start})")
    totals: dict[str, list[int]] = {}
    net: dict[str, dict[str, int]] = {}
    for movement in movements:
        if movement.debits < 0 or movement.credits < 0:
            raise ValueError(f"negative debits or credits in {movement}")
        total = totals.setdefault(movement.currency, [0, 0])
        total[0] += movement.debits
        total[1] += movement.credits
        account = net.setdefault(movement.account, {})
        account[movement.currency] = account.get(movement.currency, 0) + movement.net
    document: dict[str, Any] = {
        "version": 1 if commitments is None else STATEMENT_VERSION,
        "batch_seq": batch_seq,
        "leaf_range": {"start": start, "end": end},
        "tree_size": end,
        "period": {"start": format_utc(period_start), "end": format_utc(period_end)},
        "entry_count": end - start,
        "totals": {
            currency: {"debits": str(debits), "credits": str(credits)}
            for currency, (debits, credits) in totals.items()
        },
    }
    if commitments is None:
        document["net"] = {
            account: {currency: str(amount) for currency, amount in amounts.items()}
            for account, amounts in net.items()
        }
    else:
        document["accounts"] = {
            "root": commitments.lines_root.hex(),
            "lines": commitments.lines,
            "sums": commitments.sums,
        }
        document["account_index"] = {
            "root": commitments.index_root.hex(),
            "size": commitments.index_size,
        }
    canonical = canonical_json(document)
    return Statement(document, canonical, hashlib.sha256(canonical).digest())
