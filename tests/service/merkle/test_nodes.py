"""Node ids, compact-range decomposition and proof layouts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anchor_service.merkle import (
    NodeId,
    ProofNodes,
    consistency_nodes,
    inclusion_nodes,
    node_hash,
    range_nodes,
)

from .leaves import make_leaf_hashes


def test_node_id_navigation() -> None:
    node = NodeId(2, 5)
    assert node.coverage() == (20, 24)
    assert node.parent() == NodeId(3, 2)
    assert node.sibling() == NodeId(2, 4)
    assert NodeId(0, 0) < NodeId(0, 1) < NodeId(1, 0)


@given(st.integers(0, 2**48), st.integers(0, 2**20))
def test_range_nodes_tile_the_range_with_maximal_perfect_subtrees(begin: int, width: int) -> None:
    end = begin + width
    ids = range_nodes(begin, end)
    position = begin
    for node in ids:
        start, stop = node.coverage()
        assert start == position
        position = stop
        # Maximal: the parent is not inside the range.
        parent_start, parent_stop = node.parent().coverage()
        assert parent_start < begin or parent_stop > end
    assert position == end
    assert len(ids) <= 2 * max(width, 1).bit_length()


@given(st.integers(0, 2**64))
def test_range_from_zero_has_one_node_per_set_bit_largest_first(size: int) -> None:
    ids = range_nodes(0, size)
    assert [node.level for node in ids] == [
        level for level in reversed(range(size.bit_length())) if size >> level & 1
    ]


def test_range_nodes_rejects_reversed_ranges() -> None:
    with pytest.raises(ValueError, match="invalid range"):
        range_nodes(5, 4)


@given(st.data(), st.integers(1, 2**62))
def test_proofs_need_logarithmically_many_complete_nodes(data: st.DataObject, size: int) -> None:
    index = data.draw(st.integers(0, size - 1))
    size1 = data.draw(st.integers(0, size))
    for nodes in (inclusion_nodes(index, size), consistency_nodes(size1, size)):
        assert len(nodes.ids) <= 2 * size.bit_length() + 1
        for node in nodes.ids:
            assert node.coverage()[1] <= size, "every node read must be complete"
        assert len(set(nodes.ids)) == len(nodes.ids)


def test_inclusion_nodes_mark_the_ephemeral_node_and_rehash_folds_it() -> None:
    # Leaf 2 of 7: sibling leaf 3, node (1, 0), then the ephemeral (2, 1) made of (1, 2) and (0, 6).
    nodes = inclusion_nodes(2, 7)
    assert nodes.ids == (NodeId(0, 3), NodeId(1, 0), NodeId(0, 6), NodeId(1, 2))
    assert (nodes.begin, nodes.end, nodes.ephem) == (2, 4, NodeId(2, 1))
    a, b, c, d = make_leaf_hashes(4)
    assert nodes.rehash([a, b, c, d]) == [a, b, node_hash(d, c)]


def test_nodes_without_ephemeral_part_rehash_to_themselves() -> None:
    nodes = inclusion_nodes(4, 5)
    assert nodes.ids == (NodeId(2, 0),)
    assert nodes.ephem is None
    assert nodes.rehash(make_leaf_hashes(1)) == make_leaf_hashes(1)


def test_consistency_nodes_edge_sizes() -> None:
    assert consistency_nodes(0, 9).ids == ()
    assert consistency_nodes(9, 9).ids == ()
    assert consistency_nodes(4, 8).ids == (NodeId(2, 1),)
    assert consistency_nodes(3, 4).ids == (NodeId(0, 2), NodeId(0, 3), NodeId(1, 0))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: inclusion_nodes(3, 3), "out of range"),
        (lambda: inclusion_nodes(-1, 3), "out of range"),
        (lambda: consistency_nodes(4, 3), "invalid tree sizes"),
        (lambda: ProofNodes((NodeId(0, 1),)).rehash([]), "got 0 hashes for 1 node ids"),
    ],
)
def test_preconditions_are_checked(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
