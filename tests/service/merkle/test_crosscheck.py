"""The fast code against the naive RFC transcription, for every small shape and samples of big ones.

Exhaustive for every ``(index, size)`` and ``(size1, size2)`` up to 130
leaves (both sides of 128, where the tree gains a level), sampled up to 300,
and sampled in a 70,000-leaf log whose tiles span three tile levels.
"""

from __future__ import annotations

import random

import pytest

from anchor_service.merkle import (
    MemoryTileStore,
    consistency_proof,
    inclusion_proof,
    root,
    verify_consistency,
    verify_inclusion,
)

from .leaves import make_leaf_hashes
from .naive import NaiveTree

EXHAUSTIVE = 130
SAMPLED = 300
BIG = 70_000


@pytest.fixture(scope="module")
def leaves() -> list[bytes]:
    return make_leaf_hashes(SAMPLED)


@pytest.fixture(scope="module")
def naive(leaves: list[bytes]) -> NaiveTree:
    return NaiveTree(leaves)


@pytest.fixture(scope="module")
def store(leaves: list[bytes]) -> MemoryTileStore:
    """The same leaves sealed in irregular batches (including empty ones)."""
    rng = random.Random(7)
    tiles = MemoryTileStore()
    while tiles.size < len(leaves):
        tiles.append(leaves[tiles.size : tiles.size + rng.choice([0, 1, 2, 3, 17, 64, 255, 256])])
    return tiles


def _sampled_sizes() -> list[int]:
    rng = random.Random(11)
    return sorted({*rng.sample(range(EXHAUSTIVE + 1, SAMPLED + 1), 25), 255, 256, 257, SAMPLED})


def test_roots_match_for_every_size(
    leaves: list[bytes], naive: NaiveTree, store: MemoryTileStore
) -> None:
    for size in range(SAMPLED + 1):
        want = naive.root(size)
        assert root(leaves[:size]) == want, size
        assert store.root_at(size) == want, size


def test_inclusion_proofs_match_for_every_small_shape(
    leaves: list[bytes], naive: NaiveTree, store: MemoryTileStore
) -> None:
    for size in range(1, EXHAUSTIVE + 1):
        prefix, want_root = leaves[:size], naive.root(size)
        for index in range(size):
            want = naive.inclusion_proof(index, size)
            assert inclusion_proof(prefix, index) == want, (index, size)
            assert store.inclusion_proof(index, size) == want, (index, size)
            assert verify_inclusion(index, size, leaves[index], want, want_root), (index, size)


def test_consistency_proofs_match_for_every_small_shape(
    leaves: list[bytes], naive: NaiveTree, store: MemoryTileStore
) -> None:
    for size2 in range(1, EXHAUSTIVE + 1):
        prefix, root2 = leaves[:size2], naive.root(size2)
        for size1 in range(1, size2 + 1):
            want = naive.consistency_proof(size1, size2)
            assert consistency_proof(prefix, size1) == want, (size1, size2)
            assert store.consistency_proof(size1, size2) == want, (size1, size2)
            assert verify_consistency(size1, size2, want, naive.root(size1), root2), (size1, size2)


def test_proofs_match_for_sampled_larger_shapes(
    leaves: list[bytes], naive: NaiveTree, store: MemoryTileStore
) -> None:
    rng = random.Random(13)
    for size in _sampled_sizes():
        prefix = leaves[:size]
        for index in {0, size - 1, *rng.sample(range(size), 20)}:
            want = naive.inclusion_proof(index, size)
            assert inclusion_proof(prefix, index) == want, (index, size)
            assert store.inclusion_proof(index, size) == want, (index, size)
        for size1 in {1, size, *rng.sample(range(1, size + 1), 20)}:
            want = naive.consistency_proof(size1, size)
            assert consistency_proof(prefix, size1) == want, (size1, size)
            assert store.consistency_proof(size1, size) == want, (size1, size)


def test_empty_consistency_proofs_from_the_empty_tree(
    leaves: list[bytes], store: MemoryTileStore
) -> None:
    assert consistency_proof(leaves[:5], 0) == []
    assert consistency_proof([], 0) == []
    assert store.consistency_proof(0, 5) == []


def test_tile_proofs_match_the_naive_tree_across_three_tile_levels() -> None:
    leaves = make_leaf_hashes(BIG, seed=3)
    naive = NaiveTree(leaves)
    store = MemoryTileStore()
    for cut in (1, 300, 65_535, 65_536, 65_537, 66_000, BIG):
        store.append(leaves[store.size : cut])
        assert store.root == naive.root(cut)
    assert {tile.level for tile in store.tiles} == {0, 1, 2}
    rng = random.Random(17)
    sizes = [65_536, 65_537, BIG, *rng.sample(range(1, BIG + 1), 12)]
    for size in sizes:
        assert store.root_at(size) == naive.root(size)
        for index in {0, size - 1, *rng.sample(range(size), 5)}:
            assert store.inclusion_proof(index, size) == naive.inclusion_proof(index, size)
        for size1 in {1, size, *rng.sample(range(1, size + 1), 5)}:
            assert store.consistency_proof(size1, size) == naive.consistency_proof(size1, size)
