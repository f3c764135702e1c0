"""Monotonic sizes, and heads that rewrite history: every one must be refused."""

from __future__ import annotations

from typing import Any

import pytest
from log_model import (
    anchor,
    flip_bit,
    hex32,
    hexes,
    make_leaves,
    plain,
    reverts_with,
    statement_hash,
)

from anchor_service.merkle import consistency_proof, root

OLD, NEW = 6, 13
LEAVES = make_leaves(20)
NOT_EXTENDING = "AnchorRegistryNotExtending(uint64,uint64)"
INCONSISTENT = "AnchorRegistryInconsistentHead(uint64,uint64)"
PROOF = consistency_proof(LEAVES[:NEW], OLD)


@pytest.fixture
def anchored(registry: Any, anchorer: Any) -> Any:
    """The registry with the head of LEAVES[:OLD] anchored."""
    anchor(registry, anchorer, LEAVES, OLD)
    return registry


def test_proof_used_below_is_the_valid_one(anchored: Any, anchorer: Any) -> None:
    anchor(anchored, anchorer, LEAVES, NEW, proof=PROOF)

    assert plain(anchored.latestHead())[:2] == (NEW, hex32(root(LEAVES[:NEW])))


def test_same_size_is_refused(anchored: Any, anchorer: Any) -> None:
    with reverts_with(NOT_EXTENDING, OLD, OLD):
        anchor(anchored, anchorer, LEAVES, OLD, proof=[])


def test_smaller_size_is_refused(anchored: Any, anchorer: Any) -> None:
    with reverts_with(NOT_EXTENDING, OLD, OLD - 1):
        anchor(anchored, anchorer, LEAVES, OLD - 1, proof=[])


def test_smaller_size_with_a_valid_proof_backwards_is_refused(registry: Any, anchorer: Any) -> None:
    anchor(registry, anchorer, LEAVES, NEW)

    with reverts_with(NOT_EXTENDING, NEW, OLD):
        anchor(registry, anchorer, LEAVES, OLD, proof=PROOF)


def test_tree_over_different_leaves_is_refused(anchored: Any, anchorer: Any) -> None:
    forked = make_leaves(NEW, fork="other")

    with reverts_with(INCONSISTENT, OLD, NEW):
        anchor(anchored, anchorer, forked, NEW, old_size=OLD)


@pytest.mark.parametrize("edited", [0, 3, OLD - 1])
def test_tree_with_an_anchored_leaf_rewritten_is_refused(
    anchored: Any, anchorer: Any, edited: int
) -> None:
    rewritten = list(LEAVES[:NEW])
    rewritten[edited] = make_leaves(1, fork="rewritten")[0]

    with reverts_with(INCONSISTENT, OLD, NEW):
        anchor(anchored, anchorer, rewritten, NEW, old_size=OLD)


def test_valid_proof_with_a_wrong_new_root_is_refused(anchored: Any, anchorer: Any) -> None:
    other_root = root(make_leaves(NEW, fork="other"))

    with reverts_with(INCONSISTENT, OLD, NEW):
        anchored.anchor(
            NEW, hex32(other_root), statement_hash(NEW), hexes(PROOF), {"from": anchorer}
        )


def test_truncated_proof_is_refused(anchored: Any, anchorer: Any) -> None:
    with reverts_with(INCONSISTENT, OLD, NEW):
        anchor(anchored, anchorer, LEAVES, NEW, proof=PROOF[:-1])


def test_proof_without_its_first_hash_is_refused(anchored: Any, anchorer: Any) -> None:
    with reverts_with(INCONSISTENT, OLD, NEW):
        anchor(anchored, anchorer, LEAVES, NEW, proof=PROOF[1:])


def test_proof_with_an_extra_hash_is_refused(anchored: Any, anchorer: Any) -> None:
    with reverts_with(INCONSISTENT, OLD, NEW):
        anchor(anchored, anchorer, LEAVES, NEW, proof=[*PROOF, LEAVES[0]])


def test_empty_proof_is_refused(anchored: Any, anchorer: Any) -> None:
    with reverts_with(INCONSISTENT, OLD, NEW):
        anchor(anchored, anchorer, LEAVES, NEW, proof=[])


@pytest.mark.parametrize("position", range(len(PROOF)))
@pytest.mark.parametrize("bit", [0, 129, 255])
def test_proof_with_a_flipped_bit_is_refused(
    anchored: Any, anchorer: Any, position: int, bit: int
) -> None:
    proof = list(PROOF)
    proof[position] = flip_bit(proof[position], bit)

    with reverts_with(INCONSISTENT, OLD, NEW):
        anchor(anchored, anchorer, LEAVES, NEW, proof=proof)


def test_proof_with_two_hashes_swapped_is_refused(anchored: Any, anchorer: Any) -> None:
    proof = [PROOF[1], PROOF[0], *PROOF[2:]]

    with reverts_with(INCONSISTENT, OLD, NEW):
        anchor(anchored, anchorer, LEAVES, NEW, proof=proof)


@pytest.mark.parametrize("old_size", [OLD - 1, OLD + 1, 4])
def test_proof_from_another_old_size_is_refused(
    anchored: Any, anchorer: Any, old_size: int
) -> None:
    proof = consistency_proof(LEAVES[:NEW], old_size)

    with reverts_with(INCONSISTENT, OLD, NEW):
        anchor(anchored, anchorer, LEAVES, NEW, proof=proof)


@pytest.mark.parametrize("proof_size", [NEW - 1, NEW + 1, 16])
def test_proof_for_another_new_size_is_refused(
    anchored: Any, anchorer: Any, proof_size: int
) -> None:
    proof = consistency_proof(LEAVES[:proof_size], OLD)

    with reverts_with(INCONSISTENT, OLD, NEW):
        anchor(anchored, anchorer, LEAVES, NEW, proof=proof)


def test_refused_head_leaves_the_latest_head_unchanged(anchored: Any, anchorer: Any) -> None:
    before = plain(anchored.latestHead())
    with reverts_with(INCONSISTENT, OLD, NEW):
        anchor(anchored, anchorer, LEAVES, NEW, proof=PROOF[:-1])

    assert plain(anchored.latestHead()) == before
    assert anchored.anchorCount() == 1
