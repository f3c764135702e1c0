"""What the proof route remembers between requests, and what it always reads again."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from anchor_service import merkle
from anchor_service.db.repositories.proofs import SqlProofRows
from anchor_service.db.session import Database, unit_of_work
from anchor_service.merkle import MemoryTileStore, TileError, TileId, inclusion_nodes
from anchor_service.services.proofs.anchored_heads import AnchoredHead, AnchoredHeadIndex
from anchor_service.services.proofs.node_cache import NodeCache
from anchor_service.services.proofs.store import ProofStore

from .conftest import LogBuilder


class CountingReads:
    """A real tile store whose reads are counted."""

    def __init__(self, store: MemoryTileStore) -> None:
        self.store = store
        self.calls: list[list[TileId]] = []

    def __call__(self, ids: Sequence[TileId]) -> dict[TileId, bytes]:
        self.calls.append(list(ids))
        return dict(self.store.read_tiles(ids))


def test_node_cache_reads_upper_nodes_once_and_gives_the_reference_proof() -> None:
    leaves = [merkle.leaf_hash(str(i).encode()) for i in range(70_000)]
    store = MemoryTileStore()
    store.append(leaves)
    reads = CountingReads(store)
    cache = NodeCache()
    for index in (5, 70, 69_999):
        nodes = inclusion_nodes(index, len(leaves))
        leaf_tile = TileId(0, index >> 8)
        known = store.read_tiles([leaf_tile])
        proof = nodes.rehash(cache.hashes(nodes.ids, reads, known))
        assert proof == merkle.inclusion_proof(leaves, index)
    calls = len(reads.calls)
    assert calls >= 1 and all(tile.level > 0 or tile.index != 0 for tile in reads.calls[0])
    nodes = inclusion_nodes(6, len(leaves))  # same upper nodes as leaf 5: nothing to read
    proof = nodes.rehash(cache.hashes(nodes.ids, reads, store.read_tiles([TileId(0, 0)])))
    assert proof == merkle.inclusion_proof(leaves, 6) and len(reads.calls) == calls
    nodes = inclusion_nodes(3000, len(leaves))  # new upper nodes, from a remembered tile
    known = store.read_tiles([TileId(0, 3000 >> 8)])
    proof = nodes.rehash(cache.hashes(nodes.ids, reads, known))
    assert proof == merkle.inclusion_proof(leaves, 3000) and len(reads.calls) == calls


def test_big_nodes_of_leaf_tiles_are_remembered_and_proofs_stay_right_as_the_log_grows() -> None:
    leaves = [merkle.leaf_hash(str(i).encode()) for i in range(70_000)]
    store = MemoryTileStore()
    store.append(leaves[:600])  # tile 2 holds 88 leaves: its node of 64 is not complete
    reads = CountingReads(store)
    cache = NodeCache()

    def proof(index: int, size: int) -> list[bytes]:
        nodes = inclusion_nodes(index, size)
        known = store.read_tiles([TileId(0, index >> 8)])
        return nodes.rehash(cache.hashes(nodes.ids, reads, known))

    assert proof(5, 600) == merkle.inclusion_proof(leaves[:600], 5)
    remembered = len(cache)  # the leaf tile's nodes of 32, 64 and 128 leaves, and tile 2's
    assert remembered >= 3
    assert proof(6, 600) == merkle.inclusion_proof(leaves[:600], 6)
    assert len(cache) == remembered  # leaf 6 shares them: hashed once
    assert proof(550, 600) == merkle.inclusion_proof(leaves[:600], 550)
    store.append(leaves[600:])  # the log grows: tile 2 fills, new nodes complete
    for index in (550, 5, 69_999):
        assert proof(index, 70_000) == merkle.inclusion_proof(leaves, index)
        assert proof(index, 600 if index < 600 else 70_000) == merkle.inclusion_proof(
            leaves[: 600 if index < 600 else 70_000], index
        )


def test_node_cache_of_size_zero_reads_every_time_and_missing_tiles_are_errors() -> None:
    leaves = [merkle.leaf_hash(str(i).encode()) for i in range(600)]
    store = MemoryTileStore()
    store.append(leaves)
    reads = CountingReads(store)
    cache = NodeCache(max_nodes=0)
    nodes = inclusion_nodes(3, 600)
    for _ in range(2):
        cache.hashes(nodes.ids, reads)
    assert len(reads.calls) == 2 and len(cache) == 0
    with pytest.raises(TileError):
        NodeCache().hashes(nodes.ids, lambda ids: {})


class CountingHeads:
    def __init__(self, store: ProofStore) -> None:
        self.store = store
        self.reads = 0

    def anchored_heads(self) -> list[AnchoredHead]:
        self.reads += 1
        return self.store.anchored_heads()


def test_confirmed_heads_are_remembered_and_mined_ones_read_again(
    log: LogBuilder, database: Database
) -> None:
    first = log.head(3)
    second = log.head(2, confirm=False)
    index = AnchoredHeadIndex()
    with unit_of_work(database.reader) as session:
        source = CountingHeads(ProofStore(SqlProofRows(session.connection())))
        assert [head.tree_size for head in index.all(source)] == [first, second]
        reads = source.reads
        head = index.covering(source, 2)
        assert head is not None and (head.tree_size, head.confirmed) == (first, True)
        assert index.at_size(source, first) == head and source.reads == reads
        mined = index.covering(source, first)
        assert mined is not None and (mined.tree_size, mined.confirmed) == (second, False)
        assert source.reads == reads + 1
        assert index.covering(source, second) is None and source.reads == reads + 2


def test_a_full_leaf_tiles_big_nodes_are_hashed_once_as_one_blob() -> None:
    leaves = [merkle.leaf_hash(str(i).encode()) for i in range(1_000)]  # tiles 0-2 full
    store = MemoryTileStore()
    store.append(leaves)
    cache = NodeCache()
    for index in (0, 31, 32, 100, 255, 256, 700, 999):  # 999: tile 3 is partial (232)
        nodes = inclusion_nodes(index, len(leaves))
        known = store.read_tiles([TileId(0, index >> 8)])
        proof = nodes.rehash(cache.hashes(nodes.ids, CountingReads(store), known))
        assert proof == merkle.inclusion_proof(leaves, index)
    tops = len(cache._tops)
    assert tops == 3 and all(len(blob) == 14 * 32 for blob in cache._tops.values())
    assert len(cache) >= 3 * 14
    for index in (1, 33, 300):  # remembered tiles: nothing hashed again, same proofs
        nodes = inclusion_nodes(index, len(leaves))
        proof = nodes.rehash(cache.hashes(nodes.ids, CountingReads(store), store.read_tiles(
            [TileId(0, index >> 8)])))  # fmt: skip
        assert proof == merkle.inclusion_proof(leaves, index)
    assert len(cache._tops) == tops
    nothing = NodeCache(max_nodes=0)
    nodes = inclusion_nodes(5, len(leaves))
    assert nodes.rehash(nothing.hashes(nodes.ids, CountingReads(store), store.read_tiles(
        [TileId(0, 0)]))) == merkle.inclusion_proof(leaves, 5)  # fmt: skip
    assert len(nothing) == 0
