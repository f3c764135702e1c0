"""A seal that fails part-way writes nothing of its batch: tiles and batch row go together."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from anchor_service.db.models_sealing import Batch, EntryPosting, MerkleTile
from anchor_service.db.session import Database, unit_of_work
from anchor_service.merkle import TileError, root
from anchor_service.services.sealing import SealingError

from .conftest import Seal
from .helpers import LogWriter, entry_payload


def _snapshot(database: Database) -> tuple[list[tuple[int, int, bytes]], list[tuple[int, int]]]:
    with unit_of_work(database.reader) as session:
        tiles = session.execute(
            select(MerkleTile.tile_level, MerkleTile.tile_index, MerkleTile.hashes).order_by(
                MerkleTile.tile_level, MerkleTile.tile_index
            )
        ).all()
        batches = session.execute(select(Batch.seq, Batch.end_index).order_by(Batch.seq)).all()
    return [tuple(row) for row in tiles], [tuple(row) for row in batches]  # type: ignore[misc]


def _put_tile(database: Database, level: int, index: int, hashes: bytes) -> None:
    with unit_of_work(database.writer) as session:
        session.execute(
            insert(MerkleTile).values(tile_level=level, tile_index=index, hashes=hashes)
        )


def test_a_tile_write_conflict_rolls_back_the_whole_batch(
    log: LogWriter, seal: Seal, database: Database
) -> None:
    log.add([entry_payload() for _ in range(600)])
    # Batch 1 ([300, 600)) will have to insert level-0 tile 2 (leaves 512..767).
    _put_tile(database, 0, 2, b"\xee" * 32)
    before_tiles, _ = _snapshot(database)

    with pytest.raises(IntegrityError):
        seal(max_batch_entries=300)

    tiles, batches = _snapshot(database)
    assert batches == [(0, 300)]  # the batch before the failure stays sealed
    # Exactly the tiles of a 300-leaf tree, plus the stray one: nothing of batch 1.
    assert {(lvl, idx): len(h) // 32 for lvl, idx, h in tiles} == {
        (0, 0): 256, (0, 1): 44, (0, 2): 1, (1, 0): 1
    }
    assert [t for t in tiles if t[:2] == (0, 2)] == [t for t in before_tiles if t[:2] == (0, 2)]

    with unit_of_work(database.writer) as session:
        session.execute(
            delete(MerkleTile).where(MerkleTile.tile_level == 0, MerkleTile.tile_index == 2)
        )
    [batch] = seal()
    assert (batch.seq, batch.start_index, batch.end_index) == (1, 300, 600)
    assert batch.root == root(log.leaf_hashes())


def test_tiles_that_no_longer_give_the_sealed_root_stop_the_seal(
    log: LogWriter, seal: Seal, database: Database
) -> None:
    log.add([entry_payload() for _ in range(5)])
    seal()
    with unit_of_work(database.writer) as session:
        session.execute(update(MerkleTile).values(hashes=b"\x00" * 32 * 5))
    log.add([entry_payload()])
    before = _snapshot(database)

    with pytest.raises(TileError, match="not the sealed root"):
        seal()

    assert _snapshot(database) == before


def test_entries_without_postings_are_not_sealed(
    log: LogWriter, seal: Seal, database: Database
) -> None:
    stored = log.add([entry_payload() for _ in range(3)])
    with unit_of_work(database.writer) as session:
        session.execute(delete(EntryPosting).where(EntryPosting.leaf_index == stored[1].leaf_index))

    with pytest.raises(SealingError, match="1 of the entries \\[0, 3\\) have no postings"):
        seal()

    assert _snapshot(database) == ([], [])
