"""Entry schema: the documents accepted by ``POST /v1/entries`` and ``/v1/entries/bulk``.

Pydantic v2 models; the rules live in :mod:`anchor_service.ledger.rules` and are
documented in the JSON schema (patterns, lengths, examples) that OpenAPI shows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from anchor_service.ledger import rules

__all__ = [
    "EXAMPLE_BULK",
    "EXAMPLE_ENTRY",
    "MAX_POSTINGS",
    "BulkEntriesIn",
    "EntryIn",
    "PostingIn",
]

MAX_POSTINGS = 1000

EXAMPLE_ENTRY: dict[str, Any] = {
    "external_id": "pay-2026-11-21-000123",
    "occurred_at": "2026-11-21T08:15:00+07:00",
    "description": "Contribution to project 42",
    "postings": [
        {"account": "wallet:user:981", "amount": "-150000", "currency": "IDR"},
        {"account": "escrow:project:42", "amount": "150000", "currency": "IDR"},
    ],
    "metadata": {"gateway": "midtrans", "gateway_ref": "MT-88123"},
}

ExternalId = Annotated[
    str,
    AfterValidator(rules.check_external_id),
    Field(
        description="The caller's idempotency key for this entry (ASCII only).",
        json_schema_extra={"pattern": rules.EXTERNAL_ID_PATTERN, "maxLength": 128},
        examples=["pay-2026-11-21-000123"],
    ),
]

Account = Annotated[
    str,
    AfterValidator(rules.check_account),
    Field(
        description="Account name: lower-case ASCII segments separated by ':'.",
        json_schema_extra={"pattern": rules.ACCOUNT_PATTERN, "maxLength": 128},
        examples=["wallet:user:981"],
    ),
]

Amount = Annotated[
    int,
    BeforeValidator(rules.parse_amount),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": rules.AMOUNT_PATTERN, "maxLength": 32},
                {"type": "integer"},
            ],
            "description": (
                "Signed integer in the currency's minor units, as a JSON string or integer; "
                "non-zero, |amount| <= 10^30; floats, fractions and exponents are rejected."
            ),
            "examples": ["-150000", 150000],
        }
    ),
]

Currency = Annotated[
    str,
    AfterValidator(rules.check_currency),
    Field(
        description="Current ISO 4217 alphabetic code.",
        json_schema_extra={"pattern": "^[A-Z]{3}$"},
        examples=["IDR"],
    ),
]

OccurredAt = Annotated[
    datetime,
    BeforeValidator(rules.parse_occurred_at),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "pattern": rules.OCCURRED_AT_PATTERN,
            "description": (
                "RFC 3339 timestamp with a time-zone offset (Z or +HH:MM); stored in UTC."
            ),
            "examples": ["2026-11-21T08:15:00+07:00"],
        }
    ),
]

Description = Annotated[
    str,
    AfterValidator(rules.check_description),
    Field(description="Free text, 1-1000 characters.", json_schema_extra={"maxLength": 1000}),
]

Metadata = Annotated[
    dict[str, Any],
    AfterValidator(rules.check_metadata),
    Field(
        description=(
            "JSON object for the caller's references; numbers must be finite and integers "
            "within +-(2^53-1); at most 16 levels deep; size limited as canonical JSON "
            "(ANCHOR_MAX_METADATA_BYTES, default 4096 bytes)."
        ),
        examples=[{"gateway": "midtrans", "gateway_ref": "MT-88123"}],
    ),
]


def _check_balanced(postings: list[PostingIn]) -> list[PostingIn]:
    totals: defaultdict[str, int] = defaultdict(int)
    for posting in postings:
        totals[posting.currency] += posting.amount
    unbalanced = sorted(code for code, total in totals.items() if total != 0)
    if unbalanced:
        sums = ", ".join(f"{code} {totals[code]:+d}" for code in unbalanced)
        raise ValueError(f"must sum to zero per currency; off by {sums}")
    return postings


class PostingIn(BaseModel):
    """One leg of an entry: an amount moved to (positive) or from (negative) an account."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    account: Account
    amount: Amount
    currency: Currency


class EntryIn(BaseModel):
    """One ledger transaction. Postings must balance to zero per currency."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_extra={"examples": [EXAMPLE_ENTRY]}
    )

    external_id: ExternalId
    occurred_at: OccurredAt
    description: Description | None = None
    postings: Annotated[
        list[PostingIn],
        Field(min_length=2, max_length=MAX_POSTINGS),
        AfterValidator(_check_balanced),
    ]
    metadata: Metadata | None = None


EXAMPLE_BULK: dict[str, Any] = {
    "entries": [
        EXAMPLE_ENTRY,
        {
            **EXAMPLE_ENTRY,
            "external_id": "pay-2026-11-21-000124",
            "occurred_at": "2026-11-21T08:16:30+07:00",
            "postings": [
                {"account": "wallet:user:1204", "amount": -25000, "currency": "IDR"},
                {"account": "escrow:project:42", "amount": 25000, "currency": "IDR"},
            ],
            "metadata": {"gateway": "midtrans", "gateway_ref": "MT-88124"},
        },
    ]
}


class BulkEntriesIn(BaseModel):
    """Up to ``ANCHOR_MAX_BULK_ITEMS`` (default 10,000) entries, stored all or none."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_BULK]})

    entries: Annotated[list[EntryIn], Field(min_length=1)]
