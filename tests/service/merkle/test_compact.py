"""CompactRange: O(log n) state, appends independent of the log size, and the nodes it reports."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from anchor_service.merkle import (
    EMPTY_ROOT,
    CompactRange,
    NodeId,
    compact_range_ids,
    root,
)

from .leaves import make_leaf_hashes
from .naive import NaiveTree

MAX_SIZE = 100_000
LEAVES = make_leaf_hashes(MAX_SIZE, seed=5)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, MAX_SIZE), st.lists(st.integers(0, MAX_SIZE), max_size=6))
@example(MAX_SIZE, [65_536, 65_535, 1])
@example(MAX_SIZE - 1, [])
def test_compact_range_root_equals_reference_root(size: int, cuts: list[int]) -> None:
    # Append the first `size` leaves in batches cut at arbitrary points.
    bounds = sorted({0, size, *(cut for cut in cuts if cut < size)})
    compact = CompactRange()
    for start, stop in pairwise(bounds):
        compact.extend(LEAVES[start:stop])
        assert len(compact.hashes) == stop.bit_count() <= stop.bit_length()
    assert compact.size == size
    assert compact.root() == root(LEAVES[:size])


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 5_000), st.integers(0, 600))
def test_extend_reports_every_new_complete_node(size: int, count: int) -> None:
    leaves = LEAVES[: size + count]
    naive = NaiveTree(leaves)
    compact = CompactRange()
    compact.extend(leaves[:size])
    runs = compact.extend(leaves[size:])
    reported = {
        node: digest for run in runs for node, digest in zip(run.ids(), run.hashes, strict=True)
    }
    expected = {
        NodeId(level, index)
        for level in range((size + count).bit_length())
        for index in range(size >> level, (size + count) >> level)
    }
    assert set(reported) == expected
    for node, digest in reported.items():
        assert digest == naive.subtree_root(*node.coverage())
    assert [run.level for run in runs] == sorted(run.level for run in runs)


def test_extend_reports_only_requested_levels() -> None:
    compact = CompactRange()
    runs = compact.extend(LEAVES[:1000], levels=range(0, 64, 8))
    assert [(run.level, run.start, len(run.hashes)) for run in runs] == [(0, 0, 1000), (8, 0, 3)]


def test_state_rebuilt_from_stored_node_hashes_continues_identically() -> None:
    grown = CompactRange()
    grown.extend(LEAVES[:1234])
    ids = compact_range_ids(1234)
    assert ids == grown.ids()
    assert [node.level for node in ids] == [10, 7, 6, 4, 1]
    naive = NaiveTree(LEAVES[:2000])
    rebuilt = CompactRange(1234, [naive.subtree_root(*node.coverage()) for node in ids])
    assert rebuilt == grown
    rebuilt.extend(LEAVES[1234:2000])
    grown.extend(LEAVES[1234:2000])
    assert rebuilt == grown
    assert rebuilt.root() == naive.root(2000)


def test_append_one_leaf_at_a_time_matches_extend() -> None:
    one_by_one, at_once = CompactRange(), CompactRange()
    for leaf in LEAVES[:300]:
        one_by_one.append(leaf)
    at_once.extend(LEAVES[:300])
    assert one_by_one == at_once
    assert one_by_one.root() == root(LEAVES[:300])


def test_empty_range_and_empty_batches() -> None:
    compact = CompactRange()
    assert compact.root() == EMPTY_ROOT
    assert compact.extend([]) == []
    assert compact.size == 0


def test_copy_is_independent() -> None:
    original = CompactRange()
    original.extend(LEAVES[:5])
    clone = original.copy()
    clone.extend(LEAVES[5:6])
    assert original.size == 5 and clone.size == 6
    assert "size=5" in repr(original)


@pytest.mark.parametrize(
    ("size", "hashes", "message"),
    [
        (-1, [], "must not be negative"),
        (5, [LEAVES[0]], "needs 2 hashes, got 1"),
        (1, [b"short"], "32 bytes"),
    ],
)
def test_constructor_rejects_inconsistent_state(
    size: int, hashes: list[bytes], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        CompactRange(size, hashes)


def test_extend_rejects_hashes_of_the_wrong_length_without_changing_state() -> None:
    compact = CompactRange()
    compact.extend(LEAVES[:3])
    with pytest.raises(ValueError, match="32 bytes"):
        compact.extend([LEAVES[3], LEAVES[4][:31]])
    assert compact.size == 3
    assert compact.root() == root(LEAVES[:3])
