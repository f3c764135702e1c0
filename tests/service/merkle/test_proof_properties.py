"""Properties of a 100,000-leaf log: every proof served verifies; any one-bit change fails."""

from __future__ import annotations

import random

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from anchor_service.merkle import (
    MemoryTileStore,
    inclusion_proof,
    root,
    verify_consistency,
    verify_inclusion,
)

from .leaves import make_leaf_hashes

SIZE = 100_000
LEAVES = make_leaf_hashes(SIZE, seed=21)


@pytest.fixture(scope="module")
def store() -> MemoryTileStore:
    rng = random.Random(5)
    tiles = MemoryTileStore()
    while tiles.size < SIZE:
        tiles.append(LEAVES[tiles.size : tiles.size + rng.randint(1, 30_000)])
    assert tiles.root == root(LEAVES)
    return tiles


def _bit_flips(proof: list[bytes]) -> list[list[bytes]]:
    """Every proof that differs from ``proof`` in exactly one bit."""
    flipped = []
    for position, digest in enumerate(proof):
        for bit in range(len(digest) * 8):
            changed = bytearray(digest)
            changed[bit // 8] ^= 1 << (bit % 8)
            flipped.append([*proof[:position], bytes(changed), *proof[position + 1 :]])
    return flipped


@settings(max_examples=30, deadline=None)
@given(st.integers(1, SIZE), st.integers(0, SIZE - 1))
@example(SIZE, SIZE - 1)
@example(65_537, 65_536)
@example(99_999, 31_337)
def test_inclusion_proofs_verify_and_any_flipped_bit_breaks_them(
    store: MemoryTileStore, size: int, index: int
) -> None:
    index %= size
    proof = store.inclusion_proof(index, size)
    tree_root = store.root_at(size)
    leaf = LEAVES[index]
    assert verify_inclusion(index, size, leaf, proof, tree_root)
    for changed in _bit_flips(proof):
        assert not verify_inclusion(index, size, leaf, changed, tree_root)
    for changed_leaf in _bit_flips([leaf]):
        assert not verify_inclusion(index, size, changed_leaf[0], proof, tree_root)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, SIZE), st.integers(1, SIZE))
@example(SIZE, 65_537)
@example(SIZE, 3)
@example(77_777, 77_776)
def test_consistency_proofs_verify_and_any_flipped_bit_breaks_them(
    store: MemoryTileStore, size2: int, size1: int
) -> None:
    size1 = (size1 - 1) % size2 + 1
    proof = store.consistency_proof(size1, size2)
    root1, root2 = store.root_at(size1), store.root_at(size2)
    assert verify_consistency(size1, size2, proof, root1, root2)
    for changed in _bit_flips(proof):
        assert not verify_consistency(size1, size2, changed, root1, root2)
    for changed_root in _bit_flips([root1]):
        assert not verify_consistency(size1, size2, proof, changed_root[0], root2)


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 3_000), st.data())
def test_list_proofs_verify_against_the_list_root(size: int, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, size - 1))
    leaves = LEAVES[:size]
    proof = inclusion_proof(leaves, index)
    assert verify_inclusion(index, size, leaves[index], proof, root(leaves))
