"""Redaction: erase an entry's personal data without breaking any proof.

An erasure request (for example under Indonesia's Personal Data Protection law, UU PDP
No. 27/2022) is met by deleting what identifies the person and keeping what the log
needs:

- deleted: the document, the salt, the content hash (an unsalted hash of the document,
  so keeping it would let anyone confirm a guess of the content) and the entry's posting
  rows;
- kept: the external id, the leaf index and the leaf hash. With the salt gone the leaf
  hash says nothing about the content, and every root, inclusion and consistency proof
  still holds: other entries' bundles verify as before, and the redacted entry's bundle
  says ``"redacted": true`` with ``"entry": null``.

Only sealed entries can be redacted: a pending entry's postings are still needed for
its batch's settlement statement (seal first). Settlement statements already sealed are
aggregates per account and day; they are anchored on chain and cannot change.

Erased bytes may linger in the database files until they are overwritten: SQLite is told
to overwrite deleted content (``PRAGMA secure_delete``); on PostgreSQL the old row
versions go at the next ``VACUUM`` (autovacuum, or run ``VACUUM entries``), and backups
keep them until they expire.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from anchor_service.db.models import Entry
from anchor_service.db.repositories.batches import BatchRepository
from anchor_service.db.repositories.entries import EntryRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.errors import EntryNotSealedError
from anchor_service.ledger.rules import REDACTION_REASON_MAX_LENGTH as MAX_REASON_LENGTH

__all__ = ["MAX_REASON_LENGTH", "Redaction", "redact_entry"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Redaction:
    """A redacted entry; ``already`` when it had been redacted before this request."""

    external_id: str
    leaf_index: int
    leaf_hash: bytes
    redacted_at: datetime
    reason: str | None
    already: bool


def redact_entry(
    database: Database,
    external_id: str,
    *,
    reason: str | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Redaction:
    """Erase the document, salt, content hash and postings of a sealed entry (idempotent).

    Raises :class:`NotFoundError` for an unknown entry, :class:`EntryNotSealedError`
    while it is pending, and ``ValueError`` for a reason over
    :data:`MAX_REASON_LENGTH` characters.
    """
    if reason is not None and len(reason) > MAX_REASON_LENGTH:
        raise ValueError(f"reason must be at most {MAX_REASON_LENGTH} characters")
    with unit_of_work(database.writer) as session:
        entries = EntryRepository(session)
        entry = entries.get(external_id, for_update=True)
        if entry.redacted_at is not None:
            return _redaction(entry, already=True)
        if BatchRepository(session).covering(entry.leaf_index) is None:
            raise EntryNotSealedError(
                f"entry {external_id!r} (leaf {entry.leaf_index}) is pending; its postings "
                "are needed for its batch's statement: seal it first (`anchor-service seal`), "
                "then redact it",
                external_id=external_id,
            )
        entries.erase(entry, redacted_at=clock(), reason=reason)
        redaction = _redaction(entry, already=False)
    logger.info("redacted entry %r (leaf %d)", external_id, redaction.leaf_index)
    return redaction


def _redaction(entry: Entry, *, already: bool) -> Redaction:
    assert entry.redacted_at is not None
    return Redaction(
        external_id=entry.external_id,
        leaf_index=entry.leaf_index,
        leaf_hash=entry.leaf_hash,
        redacted_at=entry.redacted_at,
        reason=entry.redaction_reason,
        already=already,
    )
