"""Solidity's MerkleLog and MerkleLogAsm, and Python's anchor_service.merkle, cross-checked.

Only calls to pure functions: no transaction, so no per-test chain snapshot
(Brownie's `given` still reverts the chain between examples).
"""

from __future__ import annotations

from typing import Any

import pytest
from brownie.test import given
from hypothesis import strategies as st
from log_model import CORRUPTIONS, STRANGER, corrupt, hex32, hexes, make_leaves

from anchor_service.merkle import (
    consistency_proof,
    inclusion_proof,
    node_hash,
    root,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

LEAVES = make_leaves(4096)
SMALL = 13


@pytest.fixture(scope="module", autouse=True)
def isolation() -> None:
    """Overrides conftest's per-test snapshot: these tests only make calls."""


@pytest.fixture(scope="module", params=["MerkleLog", "MerkleLogAsm"])
def library(request: Any, merkle_log: Any, merkle_log_asm: Any) -> Any:
    """Each Solidity verifier behind its test-only harness."""
    return merkle_log if request.param == "MerkleLog" else merkle_log_asm


def test_node_hash_matches_python(merkle_log: Any) -> None:
    for left, right in [(LEAVES[0], LEAVES[1]), (LEAVES[1], LEAVES[0]), (STRANGER, STRANGER)]:
        assert merkle_log.nodeHash(hex32(left), hex32(right)) == hex32(node_hash(left, right))


def test_every_consistency_proof_between_small_trees_verifies_on_chain(library: Any) -> None:
    for size2 in range(1, SMALL + 1):
        leaves = LEAVES[:size2]
        for size1 in range(1, size2 + 1):
            proof = consistency_proof(leaves, size1)
            root1, root2 = root(leaves[:size1]), root(leaves)
            assert library.verifyConsistency(
                size1, size2, hex32(root1), hex32(root2), hexes(proof)
            ), (size1, size2)


def test_every_inclusion_proof_in_small_trees_gives_the_python_root(library: Any) -> None:
    for size in range(1, SMALL + 1):
        leaves = LEAVES[:size]
        for index in range(size):
            proof = inclusion_proof(leaves, index)
            ok, computed = library.rootFromInclusionProof(
                index, size, hex32(leaves[index]), hexes(proof)
            )
            assert ok, (index, size)
            assert computed == hex32(root_from_inclusion_proof(index, size, leaves[index], proof))
            assert computed == hex32(root(leaves))


@given(
    size2=st.integers(min_value=1, max_value=len(LEAVES)),
    fraction=st.floats(min_value=0, max_value=1),
    kind=st.sampled_from(CORRUPTIONS),
    pick=st.integers(min_value=0, max_value=2**16),
)
def test_consistency_verdicts_agree_with_python(
    library: Any, size2: int, fraction: float, kind: str, pick: int
) -> None:
    size1 = max(1, round(size2 * fraction))
    leaves = LEAVES[:size2]
    args = corrupt(
        kind,
        size1,
        size2,
        consistency_proof(leaves, size1),
        root(leaves[:size1]),
        root(leaves),
        pick,
    )
    s1, s2, proof, root1, root2 = args

    on_chain = library.verifyConsistency(s1, s2, hex32(root1), hex32(root2), hexes(proof))

    assert on_chain is verify_consistency(s1, s2, proof, root1, root2)
    if kind == "none":
        assert on_chain is True


@given(
    size=st.integers(min_value=1, max_value=len(LEAVES)),
    fraction=st.floats(min_value=0, max_value=1),
    kind=st.sampled_from(["none", "flip bit", "drop last", "append", "index + 1", "size + 1"]),
    pick=st.integers(min_value=0, max_value=2**16),
)
def test_inclusion_verdicts_agree_with_python(
    library: Any, size: int, fraction: float, kind: str, pick: int
) -> None:
    index = min(size - 1, int(size * fraction))
    leaves = LEAVES[:size]
    proof, tree_root = inclusion_proof(leaves, index), root(leaves)
    if kind == "index + 1":
        index += 1
    elif kind == "size + 1":
        size += 1
    else:
        _, _, proof, _, _ = corrupt(kind, 0, 0, proof, tree_root, tree_root, pick)
    leaf = leaves[min(index, len(leaves) - 1)]

    on_chain = library.verifyInclusion(index, size, hex32(leaf), hexes(proof), hex32(tree_root))

    assert on_chain is verify_inclusion(index, size, leaf, proof, tree_root)
    if kind == "none":
        assert on_chain is True
