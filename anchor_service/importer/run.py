"""One import of a file: read it in batches, store each, save the position after each.

Batches go to a :data:`Store`: the configured database (:func:`open_store` without a
URL; :func:`~anchor_service.importer.batches.store_batch`) or a running API
(:func:`~anchor_service.importer.remote.post_batch`). After every committed batch the
position is saved in the state file (:mod:`anchor_service.importer.state`), so an
interrupted import continues where it stopped; the state file is deleted once the whole
file is read. A run stopped before anything is stored leaves no state file: a corrected
run (another ``--format``, say) starts afresh.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from anchor_service.db.session import Database
from anchor_service.db.writer import EntryWriter
from anchor_service.importer.batches import BatchOutcome, store_batch
from anchor_service.importer.remote import post_batch, remote_client
from anchor_service.importer.source import SourceRecord, read_records
from anchor_service.importer.state import ImportCounts, ImportState, prefix_hash
from anchor_service.settings import Settings

__all__ = ["FileImport", "Progress", "Store", "format_of", "open_store", "state_path_for"]

Store = Callable[[list[SourceRecord]], BatchOutcome]
"""Stores one batch (all of it, or none unless problems are skipped); says what it did."""

Progress = Callable[[int, int, int], None]
"""Told ``(bytes read, bytes in the file, records read)`` after each batch."""


def state_path_for(source: Path) -> Path:
    """The default state file of ``source``: ``FILE.import-state.json`` beside it."""
    return source.with_name(source.name + ".import-state.json")


def format_of(source: Path) -> str | None:
    """``csv`` or ``jsonl`` by the file name's suffix; ``None`` when it says neither."""
    suffix = source.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    return None


def open_store(
    settings: Settings,
    resources: ExitStack,
    *,
    url: str | None,
    key: str,
    skip_invalid: bool,
) -> Store:
    """Where batches go: the configured database, or the API at ``url`` (with the API
    key ``key``). What it opens is closed with ``resources``."""
    limit = settings.max_metadata_bytes
    if url:
        client = resources.enter_context(remote_client(url, key))
        return lambda batch: post_batch(
            batch, client, max_metadata_bytes=limit, skip_invalid=skip_invalid
        )
    database = Database.from_settings(settings)
    resources.callback(database.dispose)
    writer = EntryWriter(database)
    resources.callback(writer.close)
    return lambda batch: store_batch(
        batch, database, writer, max_metadata_bytes=limit, skip_invalid=skip_invalid
    )


@dataclass
class FileImport:
    """One run over ``source`` (``fmt`` is ``csv`` or ``jsonl``), from its saved position.

    ``resumed_from`` is the line the saved position is after (``None``: from the start);
    after :meth:`store_batches`, ``stopped`` is the first line of the batch that stopped
    the run (``None``: the whole file was read), ``stopped_counts`` what that batch
    found (its invalid records and conflicts; not saved, as the batch is read again on
    resuming) and ``records`` the records read.
    """

    source: Path
    fmt: str
    state_path: Path
    state: ImportState
    digest: hashlib._Hash
    resumed_from: int | None = None
    stopped: int | None = None
    stopped_counts: ImportCounts = field(default_factory=ImportCounts)
    records: int = 0
    total: int = 0

    @classmethod
    def start(cls, source: Path, fmt: str, state_path: Path, *, restart: bool) -> FileImport:
        """Begin at the position saved in ``state_path`` (unless ``restart``, or there is
        none). Raises :class:`~anchor_service.importer.errors.StateMismatchError` when the
        saved position is not one of this file as it is now."""
        if restart or not state_path.exists():
            state, digest = ImportState(format=fmt), prefix_hash(source, 0)
        else:
            state = ImportState.load(state_path)
            digest = state.check(source, fmt)
        resumed_from = state.line if state.offset else None
        return cls(source, fmt, state_path, state, digest, resumed_from)

    def store_batches(
        self,
        store: Store,
        *,
        batch_size: int,
        on_batch: Callable[[BatchOutcome], None],
        progress: Progress,
    ) -> None:
        """Read and store batch after batch, saving the position after each stored one,
        until the end of the file or a batch ``store`` did not store (its position is
        saved as it was before it). ``on_batch`` is told every outcome. Raises
        :class:`~anchor_service.importer.errors.SourceFormatError` when the file cannot
        be read as its format."""
        state = self.state
        self.total = self.source.stat().st_size
        with self.source.open("rb") as handle:
            records = read_records(handle, self.fmt, offset=state.offset, line=state.line)
            for batch in _batches(records, batch_size):
                outcome = store(batch)
                on_batch(outcome)
                if not outcome.stored:
                    self.stopped = batch[0].line
                    self.stopped_counts = outcome.counts
                    if state.offset:  # the position before this batch
                        state.save(self.state_path, self.source)
                    else:  # nothing stored yet: no position to keep (and no format to pin)
                        self.state_path.unlink(missing_ok=True)
                    return
                for record in batch:
                    self.digest.update(record.raw)
                state.offset, state.line = batch[-1].end_offset, batch[-1].end_line
                state.prefix_sha256 = self.digest.hexdigest()
                state.batches += 1
                state.counts.add(outcome.counts)
                state.save(self.state_path, self.source)
                self.records += len(batch)
                progress(state.offset, self.total, self.records)

    def complete(self, progress: Progress) -> None:
        """After a run that read the whole file: report it read, delete the state file."""
        if self.state.offset < self.total or not self.records:  # trailing blank lines,
            progress(self.total, self.total, self.records)  # or nothing new
        self.state_path.unlink(missing_ok=True)


def _batches(records: Iterator[SourceRecord], size: int) -> Iterator[list[SourceRecord]]:
    batch: list[SourceRecord] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
