"""Sealing: cut settlement batches of the integrated log (and, keyless, integrate too).

With a log key configured (``ANCHOR_LOG_KEY`` / ``ANCHOR_LOG_KEY_PATH``), a seal run first
integrates every entry committed before it and signs a checkpoint
(:func:`anchor_service.services.checkpointing.integrate`), then cuts batches up to that
checkpoint's size: the tiles are written by integration only, and each batch's root is
read from them at its end. Without a log key (tests, older set-ups) the batch itself
extends the tiles, as below, unless checkpoints exist (then only what the newest covers
is sealed).

One seal *run* (:func:`seal_pending`) notes its cutoff (now) and the log counter
(``log_state.next_index``: every entry below it is committed, because writers hold the
counter row lock until they commit), then seals ``[sealed size, counter)`` in batches of
at most ``max_batch_entries``. Each batch is one transaction:

1. take the log lock: PostgreSQL ``pg_advisory_xact_lock`` on a fixed key (writers never
   take it, so ingest goes on during a seal); SQLite: the write transaction itself;
2. read the leaf hashes of the range in index order (one query);
3. extend the tree from its stored tiles (:func:`anchor_service.merkle.append_to_tiles`:
   compact range, time proportional to the batch) and store the new tiles;
4. sum the range's postings into the settlement statement (canonical JSON, SHA-256) in
   the same pass that builds and stores its account lines tree and account index
   (statement version 2: :mod:`anchor_service.db.repositories.statements`);
5. insert the batch row with its tree head.

Any failure rolls the whole batch back. If another run sealed in between two of this
run's batches, this run stops (the other run goes on sealing).

Every batch of a run shares the run's settlement *period*: from the end of the previous
run's period (the first entry's ``received_at`` for the very first batch) to the cutoff.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from anchor_service.db.models_sealing import Batch, BatchStatus
from anchor_service.db.repositories.batches import BatchRepository
from anchor_service.db.repositories.checkpoints import CheckpointRepository
from anchor_service.db.repositories.leaves import LeafRepository
from anchor_service.db.repositories.log_state import LogStateRepository
from anchor_service.db.repositories.statements import Group, StatementTreeRepository
from anchor_service.db.repositories.tiles import TileRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.errors import SealingError
from anchor_service.ledger.account_lines import sums_to_json
from anchor_service.ledger.statement import Commitments, build_statement
from anchor_service.merkle import EMPTY_ROOT, append_to_tiles, root_from_tiles
from anchor_service.services.checkpointing import SEAL_LOCK_KEY, integrate, lock_log
from anchor_service.services.log_identity import load_log_identity, log_key_configured
from anchor_service.settings import Settings

__all__ = [
    "SEAL_LOCK_KEY",
    "Progress",
    "SealTimings",
    "SealedBatch",
    "SealingError",
    "seal_pending",
]

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
"""Called as ``progress(sealed, total)`` with entry counts, after each batch of a run."""


@dataclass(frozen=True, slots=True)
class SealTimings:
    """Seconds spent per step of one batch (the commit is counted in ``store``; ``trees``:
    the pass over the postings that sums them and builds and stores the statement's
    account lines tree and account index; ``statement``: the rest of the statement)."""

    read: float
    hash: float
    store: float
    statement: float
    trees: float = 0.0

    @property
    def total(self) -> float:
        return self.read + self.hash + self.store + self.statement + self.trees


@dataclass(frozen=True, slots=True)
class SealedBatch:
    """A batch created by a seal: its range, tree head and statement."""

    seq: int
    start_index: int
    end_index: int
    root: bytes
    statement: bytes
    statement_hash: bytes
    period_start: datetime
    period_end: datetime
    sealed_at: datetime
    timings: SealTimings

    @property
    def tree_size(self) -> int:
        return self.end_index

    @property
    def entry_count(self) -> int:
        return self.end_index - self.start_index


@dataclass(frozen=True, slots=True)
class _Run:
    """What a seal run fixed in its first transaction."""

    target: int
    period_start: datetime
    period_end: datetime
    integrated: bool


def seal_pending(
    database: Database,
    settings: Settings,
    *,
    max_batch_entries: int | None = None,
    progress: Progress | None = None,
) -> list[SealedBatch]:
    """Seal every entry stored before now, in batches; return them ([] when nothing is new).

    ``max_batch_entries`` (default ``settings.seal_max_batch_entries``) caps one batch.
    Raises :class:`SealingError` (and the database's errors) with the failed batch rolled
    back; batches sealed before the failure stay sealed.
    """
    cap = max_batch_entries if max_batch_entries is not None else settings.seal_max_batch_entries
    if cap < 1:
        raise ValueError(f"max_batch_entries must be at least 1, got {cap}")
    integrated = log_key_configured(settings)
    if integrated:
        _integrate_all(database, settings, cap)
    else:
        with unit_of_work(database.reader) as session:
            # Checkpoints exist (signed by a process with the log key): the tiles run
            # ahead of the batches, so only what they cover is sealed, never appended.
            integrated = CheckpointRepository(session).latest() is not None
        if integrated:
            logger.warning(
                "no log key configured (ANCHOR_LOG_KEY_PATH / ANCHOR_LOG_KEY): sealing "
                "only the entries already in a signed checkpoint"
            )
    sealed: list[SealedBatch] = []
    run: _Run | None = None
    first = 0
    while True:
        with unit_of_work(database.writer) as session:
            lock_log(session)
            latest = BatchRepository(session).latest()
            position = latest.end_index if latest is not None else 0
            if run is None:
                run = _start_run(session, latest, integrated=integrated)
                first = position
                if run.target > position:
                    logger.info("sealing entries [%d, %d)", position, run.target)
                    if progress is not None:
                        progress(0, run.target - first)
            elif position != sealed[-1].end_index:
                logger.warning(
                    "another seal moved the log to %d meanwhile; it seals the rest", position
                )
                break
            if position >= run.target:
                break
            batch = _seal_batch(session, latest, min(run.target, position + cap), run)
        sealed.append(batch)
        _log_batch(batch)
        if progress is not None:
            progress(batch.end_index - first, run.target - first)
    return sealed


def _integrate_all(database: Database, settings: Settings, cap: int) -> None:
    """Integrate (and sign checkpoints for) every entry committed before now."""
    identity = load_log_identity(settings)
    with unit_of_work(database.reader) as session:
        goal = LogStateRepository(session).next_index()
    while True:
        signed = integrate(database, identity, max_entries=cap)
        if signed is None or signed.tree_size >= goal:
            return


def _start_run(session: Session, latest: Batch | None, *, integrated: bool) -> _Run:
    cutoff = datetime.now(UTC)
    if integrated:
        checkpoint = CheckpointRepository(session).latest()
        target = checkpoint.tree_size if checkpoint is not None else 0
    else:
        target = LogStateRepository(session).next_index()
    if latest is not None:
        start = latest.period_end
    else:
        first = LeafRepository(session).received_at(0)
        start = first if first is not None else cutoff
    # Clocks of different hosts may disagree: a period never ends before it starts.
    return _Run(
        target=target, period_start=start, period_end=max(cutoff, start), integrated=integrated
    )


def _seal_batch(session: Session, latest: Batch | None, end: int, run: _Run) -> SealedBatch:
    """Seal ``[latest.end_index, end)`` and commit (so the timings include the commit)."""
    start = latest.end_index if latest is not None else 0
    with StatementTreeRepository(session).grouped_postings(start, end) as groups:
        # PostgreSQL groups the postings on another connection meanwhile.
        return _seal_grouped(session, latest, start, end, run, groups)


def _seal_grouped(
    session: Session,
    latest: Batch | None,
    start: int,
    end: int,
    run: _Run,
    groups: Iterator[Group],
) -> SealedBatch:
    seq = latest.seq + 1 if latest is not None else 0
    began = time.perf_counter()
    tiles = TileRepository(session)
    if run.integrated:
        # Integration wrote the tiles (and signed a checkpoint) up to run.target >= end.
        read_done = time.perf_counter()
        root = root_from_tiles(end, tiles.read_tiles)
        update = None
    else:
        leaf_hashes = LeafRepository(session).hashes(start, end)
        if len(leaf_hashes) != end - start:
            raise SealingError(
                f"entries [{start}, {end}) should all be stored, found {len(leaf_hashes)}"
            )
        read_done = time.perf_counter()
        old_root = latest.root if latest is not None else EMPTY_ROOT
        update = append_to_tiles(start, leaf_hashes, tiles.read_tiles, old_root)
        root = update.root
        del leaf_hashes
    hash_done = time.perf_counter()
    trees = StatementTreeRepository(session).build(seq, groups)
    trees_done = time.perf_counter()
    records = LeafRepository(session).record_count(start, end)  # leaves without postings
    if trees.entry_count != end - start - records:
        raise SealingError(
            f"{end - start - records - trees.entry_count} of the entries [{start}, {end}) "
            "have no postings"
        )
    statement = build_statement(
        batch_seq=seq,
        start=start,
        end=end,
        period_start=run.period_start,
        period_end=run.period_end,
        movements=trees.movements,
        commitments=Commitments(
            lines_root=trees.lines_root.hash,
            lines=trees.lines,
            sums=sums_to_json(trees.lines_root.sums),
            index_root=trees.index_root,
            index_size=trees.index_size,
        ),
    )
    _require_sums(statement.document, seq)
    statement_done = time.perf_counter()
    if update is not None:
        tiles.write(update)
    batch = BatchRepository(session).add(
        Batch(
            seq=seq,
            start_index=start,
            end_index=end,
            root=root,
            statement=statement.canonical,
            statement_hash=statement.sha256,
            period_start=run.period_start,
            period_end=run.period_end,
            sealed_at=datetime.now(UTC),
            status=BatchStatus.SEALED,
            anchor_id=None,
            settled_at=None,
        )
    )
    session.commit()
    store_done = time.perf_counter()
    return SealedBatch(
        seq=batch.seq,
        start_index=start,
        end_index=end,
        root=root,
        statement=statement.canonical,
        statement_hash=statement.sha256,
        period_start=run.period_start,
        period_end=run.period_end,
        sealed_at=batch.sealed_at,
        timings=SealTimings(
            read=read_done - began,
            hash=hash_done - read_done,
            store=store_done - statement_done,
            statement=statement_done - trees_done,
            trees=trees_done - hash_done,
        ),
    )


def _require_sums(document: dict[str, Any], seq: int) -> None:
    """The lines tree's root sums must be the statement's totals (both from the postings)."""
    sums = {
        code: {"debits": item["debits"], "credits": item["credits"]}
        for code, item in document["accounts"]["sums"].items()
    }
    if sums != document["totals"]:
        raise SealingError(
            f"batch {seq}: the account lines add up to {sums}, not the totals {document['totals']}"
        )


def _log_batch(batch: SealedBatch) -> None:
    timings = batch.timings
    logger.info(
        "sealed batch %d: entries [%d, %d), root %s, statement %s"
        " (%.2f s: read %.2f, hash %.2f, statement %.2f, trees %.2f, store %.2f)",
        batch.seq,
        batch.start_index,
        batch.end_index,
        batch.root.hex(),
        batch.statement_hash.hex(),
        timings.total,
        timings.read,
        timings.hash,
        timings.statement,
        timings.trees,
        timings.store,
    )
