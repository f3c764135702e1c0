"""Entries: idempotent, all-or-nothing appends with dense leaf indices; lookup.

:meth:`EntryRepository.append_group` stores the entries of several independent requests
in the caller's transaction (one commit for many requests):

1. lock the ``log_state`` counter row (held until the caller commits);
2. look up every ``external_id`` of the group; holding the lock, nothing can race this;
3. per request, in order: an entry stored with the same content hash is a replay
   (returned as stored), one with another content hash makes that request a conflict
   (none of its entries is stored; the other requests go on); new entries get the next
   indices;
4. insert the new rows and their postings (PostgreSQL: binary ``COPY``, one per table,
   see :func:`~anchor_service.db.dialect.insert_rows`) and advance the counter.

Everything CPU-heavy (validation, canonical encoding, hashing) happens before, outside
the lock.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from anchor_service.db.dialect import insert_rows, overwrite_deleted_content, rows_where_in
from anchor_service.db.models import Entry
from anchor_service.db.repositories.log_state import LogStateRepository
from anchor_service.db.repositories.postings import PostingRepository, PostingRow
from anchor_service.errors import EntryConflictError, EntryRedactedError, NotFoundError
from anchor_service.ledger.canonical import EncodedEntry

__all__ = ["AppendRequest", "EntryRepository", "StoredEntry"]

_entries = cast(Table, Entry.__table__)
_COLUMNS = (
    "leaf_index", "external_id", "document", "salt", "leaf_hash", "content_hash", "received_at"
)
_PG_TYPES = ("int8", "varchar", "bytea", "bytea", "bytea", "bytea", "timestamptz")


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """An entry as stored; ``created`` is False when the request replayed it."""

    external_id: str
    leaf_index: int
    leaf_hash: bytes
    document: bytes
    received_at: datetime
    created: bool


@dataclass(frozen=True, slots=True)
class AppendRequest:
    """The entries of one request (distinct external ids); ``bulk`` puts indices in errors."""

    entries: Sequence[EncodedEntry]
    bulk: bool = False


AppendOutcome = list[StoredEntry] | EntryConflictError


class EntryRepository:
    """Reads and appends entries. Adds and flushes; the caller commits."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, external_id: str, *, for_update: bool = False) -> Entry:
        """Return the entry with ``external_id``; raise :class:`NotFoundError`.

        With ``for_update``, the row stays locked until the transaction ends.
        """
        statement = select(Entry).where(Entry.external_id == external_id)
        if for_update:
            statement = statement.with_for_update()
        entry = self._session.scalars(statement).one_or_none()
        if entry is None:
            raise NotFoundError(f"no entry with external_id {external_id!r}")
        return entry

    def erase(self, entry: Entry, *, redacted_at: datetime, reason: str | None) -> None:
        """Delete what identifies ``entry``'s content (document, salt, content hash and
        postings) and mark it redacted; its leaf index and leaf hash stay.

        The bytes freed are overwritten where the database can be told to (SQLite).
        """
        overwrite_deleted_content(self._session)
        entry.document = None
        entry.salt = None
        entry.content_hash = None
        entry.redacted_at = redacted_at
        entry.redaction_reason = reason
        PostingRepository(self._session).delete_of(entry.leaf_index)
        self._session.flush()

    def append(
        self, encoded: Sequence[EncodedEntry], *, received_at: datetime, bulk: bool = False
    ) -> list[StoredEntry]:
        """Store one request's entries, all or none; return every entry in order.

        Raises :class:`EntryConflictError` if an ``external_id`` is stored with a
        different body.
        """
        [outcome] = self.append_group([AppendRequest(encoded, bulk)], received_at=received_at)
        if isinstance(outcome, EntryConflictError):
            raise outcome
        return outcome

    def append_group(
        self, requests: Sequence[AppendRequest], *, received_at: datetime
    ) -> list[AppendOutcome]:
        """Store several independent requests; return one outcome per request, in order.

        A request whose entry conflicts gets an :class:`EntryConflictError` outcome and
        stores nothing; the others are unaffected.
        """
        log = LogStateRepository(self._session)
        start = log.lock()
        known = self.find([item.external_id for request in requests for item in request.entries])
        outcomes: list[AppendOutcome] = []
        new_rows: list[tuple[Any, ...]] = []
        posting_rows: list[PostingRow] = []
        for request in requests:
            outcome = _plan(request, known, start + len(new_rows), received_at)
            if isinstance(outcome, EntryConflictError):
                outcomes.append(outcome)
                continue
            stored, rows = outcome
            for item, entry in zip(request.entries, stored, strict=True):
                if entry.created:  # a later request in the group may replay it
                    known[item.external_id] = (item.content_hash, entry)
                    index = entry.leaf_index
                    posting_rows.extend(
                        (index, position, account, currency, amount)
                        for position, (account, currency, amount) in enumerate(item.postings)
                    )
            new_rows.extend(rows)
            outcomes.append(stored)
        if new_rows:
            self._insert(new_rows)
            PostingRepository(self._session).insert(posting_rows)
            log.advance(start, len(new_rows))
        return outcomes

    def find(
        self, external_ids: Sequence[str]
    ) -> dict[str, tuple[bytes | None, StoredEntry]]:
        """Stored entries among ``external_ids``: id -> (content hash, entry); a redacted
        entry has no content hash, and ``null`` as its document."""
        if not external_ids:
            return {}
        columns = (
            _entries.c.external_id,
            _entries.c.content_hash,
            _entries.c.leaf_index,
            _entries.c.leaf_hash,
            _entries.c.document,
            _entries.c.received_at,
        )
        rows = rows_where_in(
            self._session, select(*columns), _entries.c.external_id, external_ids
        )
        return {
            row.external_id: (
                row.content_hash,
                StoredEntry(
                    external_id=row.external_id,
                    leaf_index=row.leaf_index,
                    leaf_hash=row.leaf_hash,
                    document=row.document if row.document is not None else b"null",
                    received_at=row.received_at,
                    created=False,
                ),
            )
            for row in rows
        }

    def _insert(self, rows: list[tuple[Any, ...]]) -> None:
        insert_rows(self._session, _entries, _COLUMNS, _PG_TYPES, rows)


def _plan(
    request: AppendRequest,
    known: dict[str, tuple[bytes | None, StoredEntry]],
    first_index: int,
    received_at: datetime,
) -> tuple[list[StoredEntry], list[tuple[Any, ...]]] | EntryConflictError:
    stored: list[StoredEntry] = []
    rows: list[tuple[Any, ...]] = []
    for position, item in enumerate(request.entries):
        prior = known.get(item.external_id)
        if prior is not None:
            content_hash, entry = prior
            if content_hash is None:  # redacted: its body is erased
                return EntryRedactedError(
                    f"external_id {item.external_id!r} was stored and then redacted: its "
                    "document is erased, so it cannot be stored again or compared",
                    external_id=item.external_id,
                    index=position if request.bulk else None,
                )
            if content_hash != item.content_hash:
                return EntryConflictError(
                    f"external_id {item.external_id!r} is already stored with a different "
                    "body; an external_id names one entry and cannot be reused",
                    external_id=item.external_id,
                    index=position if request.bulk else None,
                )
            stored.append(entry if not entry.created else dataclasses.replace(entry, created=False))
            continue
        index = first_index + len(rows)
        rows.append(
            (index, item.external_id, item.document, item.salt, item.leaf_hash,
             item.content_hash, received_at)
        )
        stored.append(
            StoredEntry(
                external_id=item.external_id,
                leaf_index=index,
                leaf_hash=item.leaf_hash,
                document=item.document,
                received_at=received_at,
                created=True,
            )
        )
    return stored, rows

