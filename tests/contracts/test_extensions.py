"""Valid append-only extensions are accepted at many sizes (proofs from anchor_service.merkle)."""

from __future__ import annotations

from typing import Any

import pytest
from log_model import anchor, big_leaves, hex32, make_leaves, plain

from anchor_service.merkle import consistency_proof, root, verify_consistency

LEAVES = make_leaves(1100)

POWERS_OF_TWO = [(1, 2), (2, 4), (4, 8), (8, 16), (1, 16), (2, 64), (32, 64), (64, 1024)]
ONE_MORE = [(n, n + 1) for n in (1, 2, 3, 4, 5, 7, 8, 15, 16, 31, 32, 63, 64, 100, 255, 256, 1023)]
OTHERS = [
    (3, 5), (5, 7), (6, 8), (7, 13), (13, 21), (9, 64), (17, 1000), (100, 1000), (999, 1024),
    (1000, 1100), (1023, 1025), (1, 1099),
]  # fmt: skip


@pytest.mark.parametrize(
    ("old_size", "new_size"),
    POWERS_OF_TWO + ONE_MORE + OTHERS,
    ids=lambda size: str(size),
)
def test_extension_with_a_valid_proof_is_accepted(
    registry: Any, anchorer: Any, old_size: int, new_size: int
) -> None:
    anchor(registry, anchorer, LEAVES, old_size)

    tx = anchor(registry, anchorer, LEAVES, new_size, old_size=old_size)

    assert tx.status == 1
    assert plain(registry.latestHead()) == (new_size, hex32(root(LEAVES[:new_size])), 1)
    assert registry.rootAt(old_size) == hex32(root(LEAVES[:old_size]))


def test_anchors_at_every_size_one_leaf_at_a_time(registry: Any, anchorer: Any) -> None:
    anchor(registry, anchorer, LEAVES, 1)
    for size in range(2, 34):
        anchor(registry, anchorer, LEAVES, size, old_size=size - 1)

    assert plain(registry.latestHead()) == (33, hex32(root(LEAVES[:33])), 32)
    assert registry.anchorCount() == 33


def test_anchor_from_one_leaf_to_two_to_the_twentieth(registry: Any, anchorer: Any) -> None:
    leaves = big_leaves(2**20)
    big_root = root(leaves)
    proof = consistency_proof(leaves, 1)
    assert verify_consistency(1, 2**20, proof, leaves[0], big_root)
    anchor(registry, anchorer, leaves, 1)

    tx = anchor(registry, anchorer, leaves, 2**20, proof=proof)

    assert len(proof) == 20
    assert tx.events["HeadAnchored"]["treeSize"] == 2**20
    assert plain(registry.latestHead()) == (2**20, hex32(big_root), 1)
    assert registry.rootAt(1) == hex32(leaves[0])
