"""Tile addressing (C2SP tlog-tiles) and node hashes from tile contents."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anchor_service.merkle import (
    NodeId,
    TileError,
    TileId,
    consistency_nodes,
    hashes_from_tiles,
    inclusion_nodes,
    node_hash_from_tile,
    node_location,
    partial_tiles,
    require_tile_extension,
    split_tile,
    tile_levels,
    tile_width,
    tiles_for_nodes,
)

from .leaves import make_leaf_hashes
from .naive import NaiveTree
from .tile_changes import tiles_to_write


def test_tile_levels_and_widths_for_a_ten_million_leaf_log() -> None:
    size = 10_000_000
    assert list(tile_levels(size)) == [0, 1, 2]
    assert list(tile_levels(0)) == [] and list(tile_levels(255)) == [0]
    assert tile_width(TileId(0, 0), size) == 256
    assert tile_width(TileId(0, size // 256), size) == size % 256
    assert tile_width(TileId(0, size // 256 + 1), size) == 0
    assert tile_width(TileId(1, 152), size) == (size >> 8) - 152 * 256
    assert tile_width(TileId(2, 0), size) == size >> 16
    assert partial_tiles(size) == [
        (TileId(0, 39062), size % 256),
        (TileId(1, 152), (size >> 8) % 256),
        (TileId(2, 0), size >> 16),
    ]
    assert partial_tiles(65536) == [(TileId(2, 0), 1)]


def test_tiles_to_write_lists_changed_tiles_with_new_widths() -> None:
    assert tiles_to_write(5, 5) == []
    assert tiles_to_write(0, 3) == [(TileId(0, 0), 3)]
    assert tiles_to_write(250, 600) == [
        (TileId(0, 0), 256),
        (TileId(0, 1), 256),
        (TileId(0, 2), 88),
        (TileId(1, 0), 2),
    ]
    assert tiles_to_write(512, 513) == [(TileId(0, 2), 1)]
    with pytest.raises(ValueError, match="invalid tree sizes"):
        tiles_to_write(6, 5)


def test_node_location() -> None:
    assert node_location(NodeId(0, 300)) == (TileId(0, 1), 44, 1)
    assert node_location(NodeId(10, 3)) == (TileId(1, 0), 12, 4)
    assert node_location(NodeId(7, 3)) == (TileId(0, 1), 128, 128)
    assert node_location(NodeId(16, 5)) == (TileId(2, 0), 5, 1)


def test_node_hashes_from_tile_contents() -> None:
    leaves = make_leaf_hashes(600)
    naive = NaiveTree(leaves)
    level0 = {TileId(0, i): b"".join(leaves[i * 256 : (i + 1) * 256]) for i in range(3)}
    level1 = {TileId(1, 0): naive.subtree_root(0, 256) + naive.subtree_root(256, 512)}
    tiles = level0 | level1
    ids = [NodeId(0, 599), NodeId(3, 70), NodeId(7, 2), NodeId(8, 1), NodeId(9, 0), NodeId(5, 3)]
    assert tiles_for_nodes(ids) == [TileId(0, 0), TileId(0, 1), TileId(0, 2), TileId(1, 0)]
    want = [naive.subtree_root(*node.coverage()) for node in ids]
    assert hashes_from_tiles(ids, tiles) == want
    assert node_hash_from_tile(level0[TileId(0, 1)], NodeId(7, 2)) == want[2]


def test_missing_or_short_tiles_are_tile_errors() -> None:
    leaves = make_leaf_hashes(10)
    with pytest.raises(TileError, match="missing"):
        hashes_from_tiles([NodeId(0, 3)], {})
    with pytest.raises(TileError, match="has 10 hashes"):
        node_hash_from_tile(b"".join(leaves), NodeId(4, 0))


def test_split_tile_and_extension_rules() -> None:
    leaves = make_leaf_hashes(3)
    blob = b"".join(leaves)
    assert split_tile(blob) == leaves
    for bad in (blob[:-1], b"\x00" * (257 * 32)):
        with pytest.raises(TileError, match=r"not 0\.\.256 hashes"):
            split_tile(bad)
    require_tile_extension(TileId(0, 0), None, blob)
    require_tile_extension(TileId(0, 0), blob[:64], blob)
    with pytest.raises(TileError, match="rewrite"):
        require_tile_extension(TileId(0, 0), leaves[1], blob)


@given(st.data(), st.integers(1, 2**40))
def test_a_proof_reads_at_most_three_tiles_per_tile_level(data: st.DataObject, size: int) -> None:
    index = data.draw(st.integers(0, size - 1))
    size1 = data.draw(st.integers(1, size))
    bound = 3 * len(tile_levels(size))
    assert len(tiles_for_nodes(inclusion_nodes(index, size).ids)) <= bound
    assert len(tiles_for_nodes(consistency_nodes(size1, size).ids)) <= bound
