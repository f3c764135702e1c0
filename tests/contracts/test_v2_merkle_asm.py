"""MerkleLogAsm agrees with MerkleLog and Python at sizes up to 2**64 - 1.

test_cross_check.py compares both libraries with Python on real trees of up to
4,096 leaves; here the trees are `ForgedLog`s (a real prefix, invented subtrees),
so the sizes, shifts and proof lengths cover the whole uint64 range, valid and
damaged alike.
"""

from __future__ import annotations

from typing import Any

import pytest
from brownie.test import given
from forged_log import ForgedLog
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from log_model import CORRUPTIONS, corrupt, hex32, hexes, make_leaves

from anchor_service.merkle import verify_consistency, verify_inclusion

PREFIX = make_leaves(40)
# Examples are cheap to draw, but a machine busy with other work has failed the
# too_slow health check on them; the time of the calls themselves is not at issue.
RELAXED = settings(suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module", autouse=True)
def isolation() -> None:
    """Overrides conftest's per-test snapshot: these tests only make calls."""


BIG_PAIRS = [
    (1, 2**64 - 1), (2**63, 2**64 - 1), (2**64 - 2, 2**64 - 1), (2**64 - 3, 2**64 - 1),
    (2**63 + 5, 2**63 + 7), (6, 2**33 + 7), (2**40 - 1, 2**40 + 1),
]  # fmt: skip


def test_big_proofs_verify_in_both_libraries(merkle_log: Any, merkle_log_asm: Any) -> None:
    for size1, size2 in BIG_PAIRS:
        forged = ForgedLog(PREFIX[:1], size2, cuts=[size1])
        proof = forged.consistency_proof(size1)
        root1, root2 = forged.root(size1), forged.root()
        args = (size1, size2, hex32(root1), hex32(root2), hexes(proof))

        assert verify_consistency(size1, size2, proof, root1, root2)
        assert merkle_log.verifyConsistency(*args)
        assert merkle_log_asm.verifyConsistency(*args)


@RELAXED
@given(
    prefix=st.integers(min_value=1, max_value=len(PREFIX)),
    size1=st.integers(min_value=1, max_value=2**64 - 1),
    size2=st.integers(min_value=1, max_value=2**64 - 1),
    kind=st.sampled_from(CORRUPTIONS),
    pick=st.integers(min_value=0, max_value=2**16),
)
def test_consistency_verdicts_agree_at_any_size(
    merkle_log: Any, merkle_log_asm: Any, prefix: int, size1: int, size2: int, kind: str, pick: int
) -> None:
    size1, size2 = sorted((size1, size2))
    prefix = min(prefix, size1)
    forged = ForgedLog(PREFIX[:prefix], size2, cuts=[size1])
    root1, root2 = forged.root(size1), forged.root()
    s1, s2, proof, r1, r2 = corrupt(
        kind, size1, size2, forged.consistency_proof(size1), root1, root2, pick
    )
    s1, s2 = (min(max(s, 0), 2**64 - 1) for s in (s1, s2))
    args = (s1, s2, hex32(r1), hex32(r2), hexes(proof))

    expected = verify_consistency(s1, s2, proof, r1, r2)

    assert merkle_log.verifyConsistency(*args) is expected
    assert merkle_log_asm.verifyConsistency(*args) is expected
    if kind == "none":
        assert expected is True


@RELAXED
@given(
    size=st.integers(min_value=1, max_value=2**64 - 1),
    fraction=st.floats(min_value=0, max_value=1),
    kind=st.sampled_from(["none", "flip bit", "drop last", "append", "duplicate"]),
    pick=st.integers(min_value=0, max_value=2**16),
)
def test_inclusion_verdicts_agree_at_any_size(
    merkle_log: Any, merkle_log_asm: Any, size: int, fraction: float, kind: str, pick: int
) -> None:
    index = min(size - 1, int((size - 1) * fraction))
    forged = ForgedLog(PREFIX[:1], size, cuts=[index, index + 1])
    leaf, tree_root = forged.subtree(index, index + 1), forged.root()
    proof = forged.inclusion_proof(index)
    _, _, proof, _, _ = corrupt(kind, 0, 0, proof, tree_root, tree_root, pick)
    args = (index, size, hex32(leaf), hexes(proof), hex32(tree_root))

    expected = verify_inclusion(index, size, leaf, proof, tree_root)

    assert merkle_log.verifyInclusion(*args) is expected
    assert merkle_log_asm.verifyInclusion(*args) is expected
    ok, computed = merkle_log_asm.rootFromInclusionProof(*args[:4])
    assert ok is merkle_log.rootFromInclusionProof(*args[:4])[0]
    if ok:  # otherwise the root is meaningless
        assert computed == merkle_log.rootFromInclusionProof(*args[:4])[1]
    if kind == "none":
        assert expected is True
