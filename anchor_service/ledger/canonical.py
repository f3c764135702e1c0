"""Canonical encoding of entries: the leaf document, its hashes, and the content hash.

The leaf document is the RFC 8785 (JCS) serialisation of the normalised entry with a
random 16-byte salt as lower-case hex::

    {"description": ...,            (omitted when absent)
     "external_id": ...,
     "metadata": {...},             (omitted when absent)
     "occurred_at": "...Z",         (UTC, RFC 3339)
     "postings": [{"account": ..., "amount": "<decimal string>", "currency": ...}, ...],
     "salt": "<32 hex digits>"}

Amounts are decimal strings because JCS numbers are IEEE doubles (exact only up to
2^53). Postings keep the order they were sent in. ``leaf_hash = SHA-256(0x00 || document)``
and ``content_hash = SHA-256(JCS of the same document without the salt)``: the
idempotency check compares content hashes.

:func:`normalized_document` is the readable reference; :func:`encode_entry` builds the
same bytes piece by piece (tests check they equal ``rfc8785.dumps`` of the reference).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from anchor_service.errors import InvalidEntryError
from anchor_service.ledger.jcs import canonical_json, json_string
from anchor_service.ledger.rules import format_utc
from anchor_service.ledger.salts import SALT_SIZE, new_salt
from anchor_service.ledger.schema import EntryIn
from anchor_service.merkle import MAX_ENTRY_SIZE, leaf_hash

__all__ = [
    "MAX_LEAF_BYTES",
    "SALT_SIZE",
    "EncodedEntry",
    "encode_entry",
    "normalized_document",
]


MAX_LEAF_BYTES = MAX_ENTRY_SIZE
"""Largest leaf (65,535 bytes): a C2SP tlog-tiles entry bundle prefixes each leaf with its
length as a uint16, so a bigger leaf could not be served (``GET /tlog/tile/entries/...``)."""


@dataclass(frozen=True, slots=True)
class EncodedEntry:
    """An entry ready to store: its leaf bytes, salt and hashes (all raw bytes).

    ``postings`` repeats the entry's postings as ``(account, currency, amount)``, in the
    document's order, for the ``entry_postings`` rows that settlement statements sum.
    """

    external_id: str
    document: bytes
    salt: bytes
    leaf_hash: bytes
    content_hash: bytes
    postings: tuple[tuple[str, str, int], ...]


def normalized_document(entry: EntryIn, salt: bytes | None = None) -> dict[str, Any]:
    """Return the normalised entry as a JSON-ready dict (with ``salt`` if given)."""
    document: dict[str, Any] = {}
    if entry.description is not None:
        document["description"] = entry.description
    document["external_id"] = entry.external_id
    if entry.metadata is not None:
        document["metadata"] = entry.metadata
    document["occurred_at"] = format_utc(entry.occurred_at)
    document["postings"] = [
        {"account": p.account, "amount": str(p.amount), "currency": p.currency}
        for p in entry.postings
    ]
    if salt is not None:
        document["salt"] = salt.hex()
    return document


def encode_entry(
    entry: EntryIn, *, max_metadata_bytes: int, salt: bytes | None = None
) -> EncodedEntry:
    """Encode an entry: canonical bytes with a fresh (or given) salt, and its hashes.

    Raises :class:`InvalidEntryError` (field ``metadata``) when the metadata's canonical
    JSON is longer than ``max_metadata_bytes``, and (no field: the entry as a whole) when
    the leaf is longer than :data:`MAX_LEAF_BYTES`.
    """
    if salt is None:
        salt = new_salt()
    elif len(salt) != SALT_SIZE:
        raise ValueError(f"salt must be {SALT_SIZE} bytes")
    # Keys in RFC 8785 order (sorted by UTF-16 code units; all keys here are ASCII).
    parts: list[str] = ["{"]
    if entry.description is not None:
        parts.append('"description":' + json_string(entry.description) + ",")
    parts.append('"external_id":' + json_string(entry.external_id) + ",")
    if entry.metadata is not None:
        metadata = canonical_json(entry.metadata).decode("utf-8")
        size = len(metadata.encode("utf-8")) if not metadata.isascii() else len(metadata)
        if size > max_metadata_bytes:
            raise InvalidEntryError(
                f"metadata: {size} bytes as canonical JSON, over the limit of "
                f"{max_metadata_bytes} bytes",
                field="metadata",
            )
        parts.append('"metadata":' + metadata + ",")
    parts.append('"occurred_at":"' + format_utc(entry.occurred_at) + '","postings":[')
    parts.append(
        ",".join(
            f'{{"account":"{p.account}","amount":"{p.amount}","currency":"{p.currency}"}}'
            for p in entry.postings
        )
    )
    parts.append("]}")
    # account and currency are pattern-checked ASCII without quotes or backslashes, so
    # they need no escaping above.
    content = "".join(parts).encode("utf-8")
    # "salt" sorts after every other key, so it is appended last.
    document = content[:-1] + b',"salt":"' + salt.hex().encode("ascii") + b'"}'
    if len(document) > MAX_LEAF_BYTES:
        raise InvalidEntryError(
            f"the entry's leaf (its canonical JSON with the salt) is {len(document)} bytes, "
            f"over the limit of {MAX_LEAF_BYTES} bytes (C2SP tlog-tiles entry bundles); "
            "send fewer postings or a shorter description or metadata"
        )
    return EncodedEntry(
        external_id=entry.external_id,
        document=document,
        salt=salt,
        leaf_hash=leaf_hash(document),
        content_hash=hashlib.sha256(content).digest(),
        postings=tuple((p.account, p.currency, p.amount) for p in entry.postings),
    )
