"""verifyInclusion against the anchored roots, with real proofs from anchor_service.merkle."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from log_model import anchor, big_leaves, flip_bit, hex32, hexes, make_leaves, reverts_with

from anchor_service.merkle import inclusion_proof

LEAVES = make_leaves(64)
SIZES = (1, 7, 8, 21)


@pytest.fixture
def anchored(registry: Any, anchorer: Any) -> Any:
    """The registry with the heads of LEAVES at SIZES anchored."""
    anchor(registry, anchorer, LEAVES, SIZES[0])
    for old, new in itertools.pairwise(SIZES):
        anchor(registry, anchorer, LEAVES, new, old_size=old)
    return registry


def verify(registry: Any, index: int, size: int, leaf: bytes, proof: list[bytes]) -> bool:
    return bool(registry.verifyInclusion(index, size, hex32(leaf), hexes(proof)))


def test_every_leaf_of_every_anchored_tree_is_included(anchored: Any) -> None:
    for size in SIZES:
        for index in range(size):
            proof = inclusion_proof(LEAVES[:size], index)
            assert verify(anchored, index, size, LEAVES[index], proof), (index, size)


def test_wrong_leaf_is_not_included(anchored: Any) -> None:
    proof = inclusion_proof(LEAVES[:21], 5)

    assert not verify(anchored, 5, 21, LEAVES[6], proof)


def test_leaf_at_another_index_is_not_included(anchored: Any) -> None:
    proof = inclusion_proof(LEAVES[:21], 5)

    assert not verify(anchored, 4, 21, LEAVES[5], proof)
    assert not verify(anchored, 6, 21, LEAVES[5], proof)


def test_index_beyond_the_tree_is_not_included(anchored: Any) -> None:
    assert not verify(anchored, 21, 21, LEAVES[21], inclusion_proof(LEAVES[:22], 21))
    assert not verify(anchored, 2**64 - 1, 21, LEAVES[0], [])


def test_truncated_proof_is_not_accepted(anchored: Any) -> None:
    proof = inclusion_proof(LEAVES[:21], 5)

    assert not verify(anchored, 5, 21, LEAVES[5], proof[:-1])


def test_proof_with_an_extra_hash_is_not_accepted(anchored: Any) -> None:
    proof = inclusion_proof(LEAVES[:21], 5)

    assert not verify(anchored, 5, 21, LEAVES[5], [*proof, LEAVES[0]])


@pytest.mark.parametrize("position", range(5))
def test_proof_with_a_flipped_bit_is_not_accepted(anchored: Any, position: int) -> None:
    proof = inclusion_proof(LEAVES[:21], 5)
    proof[position] = flip_bit(proof[position], 7)

    assert not verify(anchored, 5, 21, LEAVES[5], proof)


def test_proof_for_another_anchored_size_is_not_accepted(anchored: Any) -> None:
    proof = inclusion_proof(LEAVES[:8], 5)

    assert verify(anchored, 5, 8, LEAVES[5], proof)
    assert not verify(anchored, 5, 21, LEAVES[5], proof)


def test_inclusion_in_an_unanchored_size_reverts(anchored: Any) -> None:
    proof = inclusion_proof(LEAVES[:20], 5)

    with reverts_with("AnchorRegistryUnknownTreeSize(uint64)", 20):
        anchored.verifyInclusion(5, 20, hex32(LEAVES[5]), hexes(proof))


def test_inclusion_at_depth_twenty(registry: Any, anchorer: Any) -> None:
    leaves = big_leaves(2**20)
    anchor(registry, anchorer, leaves, 2**20)

    for index in (0, 2**19 - 1, 2**19, 654_321, 2**20 - 1):
        proof = inclusion_proof(leaves, index)
        assert len(proof) == 20
        assert verify(registry, index, 2**20, leaves[index], proof), index
        assert not verify(registry, index ^ 1, 2**20, leaves[index], proof), index
