"""Anchoring heads and reading them back: latestHead, rootAt, anchorAt, anchorCount, event."""

from __future__ import annotations

import itertools
from typing import Any

from log_model import EMPTY_ROOT_HEX, anchor, hex32, make_leaves, plain, reverts_with
from log_model import statement_hash as statement

from anchor_service.merkle import consistency_proof, root

LEAVES = make_leaves(40)


def head_root(size: int) -> str:
    return hex32(root(LEAVES[:size]))


def test_empty_registry_reports_size_zero_and_the_empty_root(registry: Any) -> None:
    assert plain(registry.latestHead()) == (0, EMPTY_ROOT_HEX, 0)
    assert registry.anchorCount() == 0


def test_first_anchor_needs_no_proof_and_becomes_the_latest_head(
    registry: Any, anchorer: Any
) -> None:
    anchor(registry, anchorer, LEAVES, 5)

    assert plain(registry.latestHead()) == (5, head_root(5), 0)
    assert registry.anchorCount() == 1


def test_anchor_returns_the_sequence_number(registry: Any, anchorer: Any) -> None:
    first = anchor(registry, anchorer, LEAVES, 5)
    second = anchor(registry, anchorer, LEAVES, 9, old_size=5)

    assert (first.return_value, second.return_value) == (0, 1)


def test_anchor_emits_head_anchored_with_seq_head_and_statement(
    registry: Any, anchorer: Any
) -> None:
    anchor(registry, anchorer, LEAVES, 5)

    tx = anchor(registry, anchorer, LEAVES, 9, old_size=5)

    assert len(tx.events) == 1
    event = tx.events["HeadAnchored"]
    assert event["seq"] == 1
    assert event["treeSize"] == 9
    assert event["root"] == head_root(9)
    assert event["statementHash"] == statement(9)


def test_anchor_at_returns_head_statement_block_and_timestamp(registry: Any, anchorer: Any) -> None:
    tx = anchor(registry, anchorer, LEAVES, 5)

    assert plain(registry.anchorAt(0)) == (
        5,
        head_root(5),
        statement(5),
        tx.block_number,
        tx.timestamp,
    )


def test_every_anchor_stays_readable_by_size_and_by_sequence_number(
    registry: Any, anchorer: Any
) -> None:
    sizes = [3, 4, 11, 12, 31]
    blocks = [anchor(registry, anchorer, LEAVES, sizes[0]).block_number]
    for old, new in itertools.pairwise(sizes):
        blocks.append(anchor(registry, anchorer, LEAVES, new, old_size=old).block_number)

    assert registry.anchorCount() == len(sizes)
    assert plain(registry.latestHead()) == (31, head_root(31), len(sizes) - 1)
    for seq, size in enumerate(sizes):
        assert registry.rootAt(size) == head_root(size)
        tree_size, anchored_root, statement_hash, block, _ = plain(registry.anchorAt(seq))
        assert (tree_size, anchored_root, statement_hash, block) == (
            size,
            head_root(size),
            statement(size),
            blocks[seq],
        )


def test_statement_hash_is_stored_as_given(registry: Any, anchorer: Any) -> None:
    statement_hash = "0x" + "ab" * 32

    registry.anchor(4, head_root(4), statement_hash, [], {"from": anchorer})

    assert registry.anchorAt(0)[2] == statement_hash


def test_first_anchor_with_a_proof_is_refused(registry: Any, anchorer: Any) -> None:
    proof = consistency_proof(LEAVES[:5], 2)

    with reverts_with("AnchorRegistryInconsistentHead(uint64,uint64)", 0, 5):
        anchor(registry, anchorer, LEAVES, 5, proof=proof)


def test_zero_root_is_refused(registry: Any, anchorer: Any) -> None:
    with reverts_with("AnchorRegistryZeroRoot(uint64)", 5):
        registry.anchor(5, "0x" + "00" * 32, statement(5), [], {"from": anchorer})


def test_tree_size_zero_is_refused(registry: Any, anchorer: Any) -> None:
    with reverts_with("AnchorRegistryNotExtending(uint64,uint64)", 0, 0):
        registry.anchor(0, EMPTY_ROOT_HEX, statement(0), [], {"from": anchorer})


def test_root_at_unanchored_size_reverts(registry: Any, anchorer: Any) -> None:
    anchor(registry, anchorer, LEAVES, 5)
    anchor(registry, anchorer, LEAVES, 9, old_size=5)

    for size in (0, 4, 6, 10):
        with reverts_with("AnchorRegistryUnknownTreeSize(uint64)", size):
            registry.rootAt(size)


def test_anchor_at_unknown_sequence_number_reverts(registry: Any, anchorer: Any) -> None:
    with reverts_with("AnchorRegistryUnknownAnchor(uint256,uint256)", 0, 0):
        registry.anchorAt(0)
    anchor(registry, anchorer, LEAVES, 5)

    with reverts_with("AnchorRegistryUnknownAnchor(uint256,uint256)", 1, 1):
        registry.anchorAt(1)


def test_anchor_after_a_refused_head_still_extends_the_latest_one(
    registry: Any, anchorer: Any
) -> None:
    anchor(registry, anchorer, LEAVES, 5)
    with reverts_with("AnchorRegistryInconsistentHead(uint64,uint64)", 5, 9):
        anchor(registry, anchorer, LEAVES, 9, proof=consistency_proof(LEAVES[:9], 4))

    anchor(registry, anchorer, LEAVES, 9, old_size=5)

    assert plain(registry.latestHead()) == (9, head_root(9), 1)
