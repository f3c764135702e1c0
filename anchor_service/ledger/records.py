"""Log records the service itself appends: the redaction and reconciliation records.

Erasing an entry (``anchor_service.services.redaction``) must stay visible forever, so it
appends a leaf of its own to the log, sealed and anchored like any entry. Its leaf is
the RFC 8785 (JCS) JSON document::

    {"external_id": "~redaction:17",      the record's id (``~`` is no entry's first character)
     "kind": "redaction",
     "leaf_hash": "<hex>",                 the redacted leaf's hash (kept in the log)
     "leaf_index": 17,                     the redacted leaf
     "reason_sha256": "<hex>" | null,      SHA-256 of the reason's UTF-8 text (none: null)
     "redacted_at": "2026-12-04T23:30:00.123456Z",
     "salt": "<32 hex digits>"}

The salt is there only so the record is stored like every leaf (its hashes are those of
an entry: ``leaf_hash = SHA-256(0x00 || document)``, ``content_hash`` = SHA-256 of the
document without the salt); the record holds no personal data. Entries' external ids
start with a letter or digit, so no entry can take a record's id.

A gateway reconciliation (``anchor_service.services.reconciliation``) appends a
**reconciliation record**, committing to its statement (which is too large for a leaf:
the statement is stored beside it and served by ``GET /v1/reconciliations/{id}``)::

    {"external_id": "~reconciliation:<id>",   <id>: the reconciliation's 32 hex digits
     "kind": "reconciliation",
     "reconciled_at": "2026-12-05T21:30:00Z",
     "salt": "<32 hex digits>",
     "statement_sha256": "<hex>"}             SHA-256 of the statement's canonical bytes
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime

from anchor_service.ledger.canonical import EncodedEntry
from anchor_service.ledger.jcs import canonical_json
from anchor_service.ledger.rules import format_utc
from anchor_service.ledger.salts import SALT_SIZE, new_salt
from anchor_service.merkle import leaf_hash as hash_leaf

__all__ = [
    "RECONCILIATION_KIND",
    "RECORD_ID_PREFIX",
    "REDACTION_KIND",
    "encode_reconciliation_record",
    "encode_redaction_record",
    "reason_sha256",
    "reconciliation_record_id",
    "redacted_index",
    "redaction_record_id",
]

REDACTION_KIND = "redaction"
RECONCILIATION_KIND = "reconciliation"

RECORD_ID_PREFIX = "~"
"""The first character of every record's external id (never an entry's)."""


def redaction_record_id(leaf_index: int) -> str:
    """The external id of the record of the redaction of leaf ``leaf_index``."""
    return f"{RECORD_ID_PREFIX}{REDACTION_KIND}:{leaf_index}"


def reconciliation_record_id(reconciliation_id: str) -> str:
    """The external id of the record of reconciliation ``reconciliation_id``."""
    return f"{RECORD_ID_PREFIX}{RECONCILIATION_KIND}:{reconciliation_id}"


def encode_reconciliation_record(
    reconciliation_id: str,
    statement_sha256: bytes,
    *,
    reconciled_at: datetime,
    salt: bytes | None = None,
) -> EncodedEntry:
    """The record of a reconciliation whose statement hashes to ``statement_sha256``."""
    content = {
        "external_id": reconciliation_record_id(reconciliation_id),
        "kind": RECONCILIATION_KIND,
        "reconciled_at": format_utc(reconciled_at),
        "statement_sha256": statement_sha256.hex(),
    }
    return _encoded(content, salt)


def _encoded(content: Mapping[str, object], salt: bytes | None) -> EncodedEntry:
    """The record ``content`` with ``salt`` (a new one when ``None``), ready to store."""
    salt = new_salt() if salt is None else salt
    if len(salt) != SALT_SIZE:
        raise ValueError(f"salt must be {SALT_SIZE} bytes")
    document = canonical_json({**content, "salt": salt.hex()})
    return EncodedEntry(
        external_id=str(content["external_id"]),
        document=document,
        salt=salt,
        leaf_hash=hash_leaf(document),
        content_hash=hashlib.sha256(canonical_json(content)).digest(),
        postings=(),
    )


def reason_sha256(reason: str | None) -> str | None:
    """The hex SHA-256 of a redaction reason's UTF-8 text, or ``None`` without a reason."""
    return None if reason is None else hashlib.sha256(reason.encode("utf-8")).hexdigest()


def encode_redaction_record(
    leaf_index: int,
    leaf_hash: bytes,
    *,
    reason: str | None,
    redacted_at: datetime,
    salt: bytes | None = None,
) -> EncodedEntry:
    """The record of the redaction of leaf ``leaf_index`` (hash ``leaf_hash``), ready to store."""
    content = {
        "external_id": redaction_record_id(leaf_index),
        "kind": REDACTION_KIND,
        "leaf_hash": leaf_hash.hex(),
        "leaf_index": leaf_index,
        "reason_sha256": reason_sha256(reason),
        "redacted_at": format_utc(redacted_at),
    }
    return _encoded(content, salt)


def redacted_index(document: bytes) -> int | None:
    """The leaf index a redaction record names, or ``None`` if ``document`` is not one.

    Cheap for entries (a byte search before parsing); a record must name its own id.
    """
    if b'"kind":"redaction"' not in document:
        return None
    try:
        parsed = json.loads(document)
    except ValueError:
        return None
    if not isinstance(parsed, dict) or parsed.get("kind") != REDACTION_KIND:
        return None
    index = parsed.get("leaf_index")
    if type(index) is not int or parsed.get("external_id") != redaction_record_id(index):
        return None
    return index
