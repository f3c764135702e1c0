"""Ledger core (pure, no I/O): entry schema, validation rules, canonical encoding."""

from anchor_service.ledger.canonical import (
    MAX_LEAF_BYTES,
    SALT_SIZE,
    EncodedEntry,
    encode_entry,
    normalized_document,
)
from anchor_service.ledger.currencies import CURRENCY_CODES
from anchor_service.ledger.jcs import canonical_json
from anchor_service.ledger.parsing import parse_bulk, parse_entry
from anchor_service.ledger.schema import BulkEntriesIn, EntryIn, PostingIn

__all__ = [
    "CURRENCY_CODES",
    "MAX_LEAF_BYTES",
    "SALT_SIZE",
    "BulkEntriesIn",
    "EncodedEntry",
    "EntryIn",
    "PostingIn",
    "canonical_json",
    "encode_entry",
    "normalized_document",
    "parse_bulk",
    "parse_entry",
]
