"""Store one batch of an import: validate, find conflicts, then write all or nothing.

Entries go through the same encoding and :class:`EntryWriter` as ``POST /v1/entries/bulk``
(dense leaf indices, idempotency by ``external_id``). Before writing, the batch is
checked as a whole, so every invalid record and every conflict in it is reported at once
with its line: an entry repeated in the file with the same body counts as existing, one
whose ``external_id`` is stored (or earlier in the batch) with another body is a conflict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from anchor_service.db.repositories.entries import EntryRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.db.writer import EntryWriter
from anchor_service.errors import EntryConflictError, EntryRedactedError, InvalidEntryError
from anchor_service.importer.source import SourceRecord
from anchor_service.importer.state import ImportCounts
from anchor_service.ledger import encode_entry
from anchor_service.ledger.canonical import EncodedEntry

__all__ = [
    "BatchOutcome",
    "Encoded",
    "Problem",
    "count_problems",
    "encode_records",
    "stopped",
    "store_batch",
    "without_repeats",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """A record that was not stored: ``kind`` is ``invalid`` or ``conflict``."""

    line: int
    kind: str
    detail: str


@dataclass(slots=True)
class BatchOutcome:
    """What a batch did; ``stored`` is False when problems stopped it (nothing written)."""

    counts: ImportCounts = field(default_factory=ImportCounts)
    problems: list[Problem] = field(default_factory=list)
    stored: bool = True


def store_batch(
    records: Sequence[SourceRecord],
    database: Database,
    writer: EntryWriter,
    *,
    max_metadata_bytes: int,
    skip_invalid: bool,
) -> BatchOutcome:
    """Store the valid entries of ``records`` (all of them, or none unless ``skip_invalid``)."""
    outcome = BatchOutcome()
    encoded = encode_records(records, max_metadata_bytes, outcome)
    with unit_of_work(database.reader) as session:
        known = EntryRepository(session).find([item.external_id for _, item, _ in encoded])
    encoded = without_repeats(
        encoded, outcome, {k: (h, e.leaf_index) for k, (h, e) in known.items()}
    )
    if outcome.problems and not skip_invalid:
        return stopped(outcome)
    while encoded:
        try:
            stored = writer.submit([item for _, item, _ in encoded], bulk=True).result()
        except EntryRedactedError as exc:  # stored and redacted meanwhile: it exists
            if exc.index is None:
                raise
            encoded.pop(exc.index)
            outcome.counts.existing += 1
            continue
        except EntryConflictError as exc:  # stored meanwhile by someone else
            if exc.index is None:
                raise
            line, _, _ = encoded.pop(exc.index)
            outcome.problems.append(Problem(line, "conflict", exc.detail))
            if not skip_invalid:
                return stopped(outcome)
            continue
        for entry in stored:
            if entry.created:
                outcome.counts.imported += 1
            else:
                outcome.counts.existing += 1
        break
    count_problems(outcome)
    return outcome


Encoded = list[tuple[int, EncodedEntry, SourceRecord]]
"""(line, encoded entry, record) of each valid record of a batch."""


def encode_records(
    records: Sequence[SourceRecord], max_metadata_bytes: int, outcome: BatchOutcome
) -> Encoded:
    """Encode the valid records; the others become ``invalid`` problems of ``outcome``."""
    encoded: Encoded = []
    for record in records:
        if record.entry is None:
            assert record.error is not None
            outcome.problems.append(Problem(record.error_line, "invalid", record.error.detail))
            continue
        try:
            item = encode_entry(record.entry, max_metadata_bytes=max_metadata_bytes)
        except InvalidEntryError as exc:
            outcome.problems.append(Problem(record.line, "invalid", exc.detail))
            continue
        encoded.append((record.line, item, record))
    return encoded


def stopped(outcome: BatchOutcome) -> BatchOutcome:
    """Mark the batch as not stored (nothing of it was written)."""
    outcome.stored = False
    count_problems(outcome)
    return outcome


def without_repeats(
    encoded: Encoded, outcome: BatchOutcome, known: dict[str, tuple[bytes | None, int]]
) -> Encoded:
    """Drop entries repeated in the batch; conflicts (with ``known``: external id ->
    (content hash, leaf index) of stored entries, or an earlier line) become problems.

    A redacted entry (no content hash: its body is erased) counts as existing: the
    import that stored it, run again, must not stop at it."""
    first_seen: dict[str, tuple[int, bytes]] = {}
    kept: Encoded = []
    for line, item, record in encoded:
        stored = known.get(item.external_id)
        earlier = first_seen.get(item.external_id)
        if stored is not None and stored[0] is None:
            outcome.counts.existing += 1  # stored, then redacted
        elif stored is not None and stored[0] != item.content_hash:
            outcome.problems.append(
                Problem(
                    line,
                    "conflict",
                    f"external_id {item.external_id!r} is already stored (leaf "
                    f"{stored[1]}) with a different body",
                )
            )
        elif earlier is not None and earlier[1] != item.content_hash:
            outcome.problems.append(
                Problem(
                    line,
                    "conflict",
                    f"external_id {item.external_id!r} appears on line {earlier[0]} "
                    "with a different body",
                )
            )
        elif earlier is not None:
            outcome.counts.existing += 1  # the same entry again in this batch
        else:
            first_seen[item.external_id] = (line, item.content_hash)
            kept.append((line, item, record))
    return kept


def count_problems(outcome: BatchOutcome) -> None:
    """Count the batch's problems by kind."""
    outcome.counts.invalid = sum(1 for p in outcome.problems if p.kind == "invalid")
    outcome.counts.conflicts = sum(1 for p in outcome.problems if p.kind == "conflict")
