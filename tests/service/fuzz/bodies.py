"""Request bodies shared by the bad-input tests (built as bytes, exactly as sent)."""

from __future__ import annotations

import json
from typing import Any

from .conftest import MAX_BODY_BYTES

__all__ = ["DEEP_BODIES", "DEPTH", "ENTRY", "MAX_BODY_BYTES", "entry_bytes"]

DEPTH = 100_000

ENTRY: dict[str, Any] = {
    "external_id": "pay-1",
    "occurred_at": "2026-11-21T08:15:00+07:00",
    "description": "Contribution to project 42",
    "postings": [
        {"account": "wallet:user:981", "amount": "-150000", "currency": "IDR"},
        {"account": "escrow:project:42", "amount": "150000", "currency": "IDR"},
    ],
    "metadata": {"gateway": "midtrans"},
}


def entry_bytes(
    *,
    amounts: tuple[str, str] = ('"-150000"', '"150000"'),
    accounts: tuple[str, str] = ("wallet:user:981", "escrow:project:42"),
    metadata: str = '{"gateway": "midtrans"}',
) -> bytes:
    """The entry as JSON text, with raw JSON for the amounts and metadata."""
    postings = ", ".join(
        f'{{"account": {json.dumps(account)}, "amount": {amount}, "currency": "IDR"}}'
        for account, amount in zip(accounts, amounts, strict=True)
    )
    return (
        '{"external_id": "pay-1", "occurred_at": "2026-11-21T08:15:00+07:00", '
        f'"description": "Contribution to project 42", "postings": [{postings}], '
        f'"metadata": {metadata}}}'
    ).encode()


def _in_metadata(value: str) -> bytes:
    return entry_bytes(metadata=f'{{"deep": {value}}}')


#: 100,000 levels of nesting, at the top and inside an entry's metadata.
DEEP_BODIES: dict[str, bytes] = {
    "arrays": b"[" * DEPTH + b"]" * DEPTH,
    "objects": b'{"a": ' * DEPTH + b"1" + b"}" * DEPTH,
    "unclosed arrays": b"[" * DEPTH,
    "metadata arrays": _in_metadata("[" * DEPTH + "]" * DEPTH),
    "metadata objects": _in_metadata('{"a": ' * DEPTH + "1" + "}" * DEPTH),
    "bulk entries": b'{"entries": [' + b"[" * DEPTH + b"]" * DEPTH + b"]}",
}
assert all(len(body) < MAX_BODY_BYTES for body in DEEP_BODIES.values())
