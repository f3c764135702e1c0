"""Sealing creates batches whose tree heads are the RFC 9162 roots of the log's prefixes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from sqlalchemy import func, select

from anchor_service.db.models_sealing import Batch, BatchStatus, MerkleTile
from anchor_service.db.session import Database, unit_of_work
from anchor_service.ledger.rules import format_utc
from anchor_service.merkle import root
from anchor_service.services.sealing import seal_pending
from anchor_service.settings import Settings

from .conftest import Seal
from .helpers import LogWriter, entry_payload


def _batches(database: Database) -> list[Batch]:
    with unit_of_work(database.reader) as session:
        return list(session.scalars(select(Batch).order_by(Batch.seq)))


def test_seal_creates_a_batch_with_the_root_of_all_leaves(
    log: LogWriter, seal: Seal, database: Database
) -> None:
    log.add([entry_payload() for _ in range(5)])

    [batch] = seal()

    leaves = log.leaf_hashes()
    assert (batch.seq, batch.start_index, batch.end_index) == (0, 0, 5)
    assert batch.root == root(leaves)
    [row] = _batches(database)
    assert (row.seq, row.start_index, row.end_index, row.root) == (0, 0, 5, root(leaves))
    assert row.status is BatchStatus.SEALED
    assert row.anchor_id is None and row.settled_at is None
    assert row.statement == batch.statement
    assert row.statement_hash == hashlib.sha256(row.statement).digest()
    assert json.loads(row.statement)["tree_size"] == 5


def test_seal_with_nothing_new_creates_no_batch(
    log: LogWriter, seal: Seal, database: Database
) -> None:
    assert seal() == []
    log.add([entry_payload() for _ in range(3)])
    assert len(seal()) == 1

    assert seal() == []
    assert len(_batches(database)) == 1


def test_later_seals_extend_the_log_from_the_last_tree_head(
    log: LogWriter, seal: Seal, database: Database
) -> None:
    sizes = [1, 254, 3, 300]
    for size in sizes:
        log.add([entry_payload() for _ in range(size)])
        seal()

    leaves = log.leaf_hashes()
    batches = _batches(database)
    assert [b.seq for b in batches] == [0, 1, 2, 3]
    assert [(b.start_index, b.end_index) for b in batches] == [
        (0, 1), (1, 255), (255, 258), (258, 558)
    ]
    assert [b.root for b in batches] == [root(leaves[: b.end_index]) for b in batches]
    with unit_of_work(database.reader) as session:
        tiles = dict(session.execute(select(MerkleTile.tile_index, func.length(MerkleTile.hashes))
                                     .where(MerkleTile.tile_level == 0)).all())
        upper = session.execute(select(MerkleTile.tile_index, MerkleTile.hashes)
                                .where(MerkleTile.tile_level == 1)).all()
    # 558 leaves: level-0 tiles of 256, 256 and 46 hashes; one level-1 tile of 2 hashes.
    assert tiles == {0: 256 * 32, 1: 256 * 32, 2: 46 * 32}
    assert [(index, len(hashes)) for index, hashes in upper] == [(0, 64)]
    assert upper[0][1][:32] == root(leaves[:256])


def test_cap_splits_a_backlog_into_consecutive_batches(
    log: LogWriter, seal: Seal, database: Database
) -> None:
    log.add([entry_payload() for _ in range(23)])
    reports: list[tuple[int, int]] = []

    sealed = seal(max_batch_entries=10, progress=lambda done, total: reports.append((done, total)))

    leaves = log.leaf_hashes()
    assert [(b.seq, b.start_index, b.end_index) for b in sealed] == [
        (0, 0, 10), (1, 10, 20), (2, 20, 23)
    ]
    assert [b.root for b in sealed] == [root(leaves[: b.end_index]) for b in sealed]
    assert [(b.seq, b.end_index) for b in _batches(database)] == [(0, 10), (1, 20), (2, 23)]
    assert reports == [(0, 23), (10, 23), (20, 23), (23, 23)]
    # One run, one settlement period, shared by all its batches.
    assert len({(b.period_start, b.period_end) for b in sealed}) == 1


def test_default_cap_comes_from_settings(
    log: LogWriter, database: Database, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(seal_max_batch_entries=4)
    log.add([entry_payload() for _ in range(9)])

    sealed = seal_pending(database, settings)

    assert [(b.start_index, b.end_index) for b in sealed] == [(0, 4), (4, 8), (8, 9)]


def test_periods_follow_each_other_from_the_first_entry(
    log: LogWriter, seal: Seal, database: Database
) -> None:
    [first_entry] = log.add([entry_payload()])
    [first] = seal()
    log.add([entry_payload()])
    [second] = seal()

    assert first.period_start == first_entry.received_at
    assert first.period_start <= first.period_end <= first.sealed_at
    assert second.period_start == first.period_end
    assert second.period_end >= second.period_start
    statement = json.loads(second.statement)
    assert statement["period"]["start"] == format_utc(first.period_end)
