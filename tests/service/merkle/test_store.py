"""The sealing flow over tiles (MemoryTileStore, append_to_tiles) and proof serving from tiles."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import pytest

from anchor_service.merkle import (
    CompactRange,
    MemoryTileStore,
    TileError,
    TileId,
    append_to_tiles,
    inclusion_nodes,
    load_compact_range,
    partial_tiles,
    root,
    split_tile,
    tile_levels,
)

from .leaves import make_leaf_hashes
from .naive import NaiveTree
from .tile_changes import tiles_to_write

LEAVES = make_leaf_hashes(1_100, seed=9)


def _expected_tiles(naive: NaiveTree, size: int) -> dict[TileId, bytes]:
    """Tiles straight from the definition: level-L entries are roots of aligned 256**L blocks."""
    tiles: dict[TileId, bytes] = {}
    for level in tile_levels(size):
        block = 256**level
        entries = [naive.subtree_root(i * block, (i + 1) * block) for i in range(size // block)]
        for index in range(0, len(entries), 256):
            tiles[TileId(level, index // 256)] = b"".join(entries[index : index + 256])
    return tiles


def _seal_in_batches(leaves: list[bytes], batch_sizes: list[int]) -> MemoryTileStore:
    store = MemoryTileStore()
    for count in batch_sizes:
        store.append(leaves[store.size : store.size + count])
    return store


def test_each_seal_writes_exactly_the_tiles_of_the_definition() -> None:
    naive = NaiveTree(LEAVES)
    store = MemoryTileStore()
    for count in [0, 1, 2, 253, 256, 1, 0, 255, 300, 32]:
        old_size, before = store.size, store.tiles
        reads_before = store.tile_reads
        update = store.append(LEAVES[old_size : old_size + count])
        assert store.tile_reads - reads_before == len(partial_tiles(old_size))
        assert (update.old_size, update.new_size) == (old_size, old_size + count)
        assert update.root == store.root == naive.root(store.size)
        assert update.compact_range.root() == update.root
        assert store.tiles == _expected_tiles(naive, store.size)
        changed = {tile for tile, blob in store.tiles.items() if before.get(tile) != blob}
        assert set(update.tiles) == changed
        widths = {tile: len(split_tile(blob)) for tile, blob in update.tiles.items()}
        assert widths == dict(tiles_to_write(old_size, store.size))
    assert store.size == 1_100


def test_tile_level_two_appears_at_65536_leaves() -> None:
    leaves = make_leaf_hashes(65_600, seed=4)
    naive = NaiveTree(leaves)
    store = _seal_in_batches(leaves, [65_535, 1, 64])
    assert store.tiles[TileId(2, 0)] == naive.root(65_536)
    assert store.tiles == _expected_tiles(naive, 65_600)
    assert store.root == root(leaves)


def test_batching_does_not_change_the_stored_tiles() -> None:
    rng = random.Random(3)
    one_batch = _seal_in_batches(LEAVES, [len(LEAVES)])
    many_batches = _seal_in_batches(LEAVES, [rng.randint(0, 90) for _ in range(200)] + [1_100])
    single_leaves = _seal_in_batches(LEAVES[:300], [1] * 300)
    assert many_batches.size == one_batch.size
    assert many_batches.tiles == one_batch.tiles
    assert single_leaves.tiles == _seal_in_batches(LEAVES[:300], [300]).tiles


def test_compact_range_reloads_from_tiles_at_any_stored_size() -> None:
    store = _seal_in_batches(LEAVES, [1_000])
    for size in [0, 1, 255, 256, 257, 511, 512, 999, 1_000]:
        grown = CompactRange()
        grown.extend(LEAVES[:size])
        assert load_compact_range(size, store.read_tiles) == grown


def test_sealing_refuses_a_store_that_does_not_match_the_old_size() -> None:
    store = _seal_in_batches(LEAVES, [300])
    with pytest.raises(TileError, match="should hold 43 hashes at size 299: 44 hashes"):
        append_to_tiles(299, LEAVES[299:310], store.read_tiles)
    with pytest.raises(TileError, match="should hold 45 hashes at size 301: 44 hashes"):
        append_to_tiles(301, LEAVES[301:310], store.read_tiles)


def test_sealing_detects_a_tampered_partial_tile_through_the_sealed_root() -> None:
    store = _seal_in_batches(LEAVES, [300])
    tampered = store.tiles
    blob = bytearray(tampered[TileId(0, 1)])
    blob[0] ^= 1
    tampered[TileId(0, 1)] = bytes(blob)

    def read_tampered(ids: Sequence[TileId]) -> dict[TileId, bytes]:
        return {tile: tampered[tile] for tile in ids if tile in tampered}

    with pytest.raises(TileError, match="not the sealed root"):
        append_to_tiles(300, LEAVES[300:400], read_tampered, old_root=store.root)
    # Without the head to compare with, the damage only shows in the new root.
    assert append_to_tiles(300, LEAVES[300:400], read_tampered).root != root(LEAVES[:400])
    assert append_to_tiles(300, LEAVES[300:400], store.read_tiles, store.root).root == root(
        LEAVES[:400]
    )


def test_stored_tiles_are_never_rewritten() -> None:
    store = _seal_in_batches(LEAVES, [10])
    blob = store.tiles[TileId(0, 0)]
    with pytest.raises(TileError, match="rewrite"):
        store.write_tiles({TileId(0, 0): LEAVES[11] + blob[32:]})
    with pytest.raises(TileError, match=r"not 0\.\.256 hashes"):
        store.write_tiles({TileId(0, 0): blob + b"\x00"})
    assert store.tiles[TileId(0, 0)] == blob


def test_proofs_are_served_for_older_sizes_with_bounded_tile_reads() -> None:
    naive = NaiveTree(LEAVES)
    store = _seal_in_batches(LEAVES, [700, 400])
    for index, size in [(0, 1), (3, 700), (699, 700), (1_099, 1_100), (512, 777)]:
        before = store.tile_reads
        assert store.inclusion_proof(index, size) == naive.inclusion_proof(index, size)
        assert store.tile_reads - before <= 3 * len(tile_levels(size))
        assert len(inclusion_nodes(index, size).ids) <= 2 * size.bit_length()
    for size1, size2 in [(1, 1_100), (699, 700), (256, 1_024), (1_100, 1_100), (300, 301)]:
        assert store.consistency_proof(size1, size2) == naive.consistency_proof(size1, size2)
    assert store.root_at(777) == naive.root(777)


@pytest.mark.parametrize(
    "call",
    [
        lambda store: store.inclusion_proof(0, store.size + 1),
        lambda store: store.inclusion_proof(5, 5),
        lambda store: store.consistency_proof(3, store.size + 1),
        lambda store: store.consistency_proof(6, 5),
        lambda store: store.root_at(-1),
    ],
)
def test_store_checks_preconditions(call: Callable[[MemoryTileStore], object]) -> None:
    store = _seal_in_batches(LEAVES, [10])
    with pytest.raises(ValueError):
        call(store)
