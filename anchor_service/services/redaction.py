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

Every redaction leaves a public trace: in the same transaction it appends a **redaction
record** to the log (:mod:`anchor_service.ledger.records`: a leaf naming the redacted
leaf's index and hash and the SHA-256 of the reason), sealed, signed and anchored like
any entry, so erasing an entry is visible to every auditor forever; ``anchor-service
audit`` reports a redacted entry without its record as tampering, and the redacted
entry's proof bundle names its record. Redacting an entry again is a no-op, except that
an entry redacted before records existed gets its record then.

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

from sqlalchemy.orm import Session

from anchor_service.db.models import Entry
from anchor_service.db.repositories.batches import BatchRepository
from anchor_service.db.repositories.entries import EntryRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.errors import EntryNotSealedError, NotFoundError
from anchor_service.ledger.records import encode_redaction_record, redaction_record_id
from anchor_service.ledger.rules import REDACTION_REASON_MAX_LENGTH as MAX_REASON_LENGTH

__all__ = ["MAX_REASON_LENGTH", "Redaction", "RedactionRecord", "find_record", "redact_entry"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RedactionRecord:
    """The log leaf recording a redaction: its id, leaf index and leaf hash."""

    external_id: str
    leaf_index: int
    leaf_hash: bytes


@dataclass(frozen=True, slots=True)
class Redaction:
    """A redacted entry; ``already`` when it had been redacted before this request.

    ``record`` is its redaction record in the log.
    """

    external_id: str
    leaf_index: int
    leaf_hash: bytes
    redacted_at: datetime
    reason: str | None
    already: bool
    record: RedactionRecord


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
            record = find_record(session, entry.leaf_index)
            if record is None:  # redacted before records existed: record it now
                record = _append_record(entries, entry, clock())
                logger.warning(
                    "entry %r (leaf %d) was redacted without a record; appended it at leaf %d",
                    external_id,
                    entry.leaf_index,
                    record.leaf_index,
                )
            return _redaction(entry, record, already=True)
        if BatchRepository(session).covering(entry.leaf_index) is None:
            raise EntryNotSealedError(
                f"entry {external_id!r} (leaf {entry.leaf_index}) is pending; its postings "
                "are needed for its batch's statement: seal it first (`anchor-service seal`), "
                "then redact it",
                external_id=external_id,
            )
        entries.erase(entry, redacted_at=clock(), reason=reason)
        record = _append_record(entries, entry, entry.redacted_at or clock())
        redaction = _redaction(entry, record, already=False)
    logger.info(
        "redacted entry %r (leaf %d); its record is leaf %d",
        external_id,
        redaction.leaf_index,
        record.leaf_index,
    )
    return redaction


def find_record(session: Session, leaf_index: int) -> RedactionRecord | None:
    """The record of the redaction of leaf ``leaf_index`` in the log, if there is one."""
    try:
        row = EntryRepository(session).get(redaction_record_id(leaf_index))
    except NotFoundError:
        return None
    return RedactionRecord(row.external_id, row.leaf_index, row.leaf_hash)


def _append_record(entries: EntryRepository, entry: Entry, when: datetime) -> RedactionRecord:
    encoded = encode_redaction_record(
        entry.leaf_index, entry.leaf_hash, reason=entry.redaction_reason, redacted_at=when
    )
    [stored] = entries.append([encoded], received_at=when)
    return RedactionRecord(stored.external_id, stored.leaf_index, stored.leaf_hash)


def _redaction(entry: Entry, record: RedactionRecord, *, already: bool) -> Redaction:
    assert entry.redacted_at is not None
    return Redaction(
        external_id=entry.external_id,
        leaf_index=entry.leaf_index,
        leaf_hash=entry.leaf_hash,
        redacted_at=entry.redacted_at,
        reason=entry.redaction_reason,
        already=already,
        record=record,
    )
