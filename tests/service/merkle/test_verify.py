"""Verification: named negative cases, typed errors with reasons, verify_* never raising."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anchor_service.merkle import (
    MerkleError,
    ProofError,
    RootMismatchError,
    VerificationError,
    check_consistency,
    check_inclusion,
    consistency_proof,
    inclusion_proof,
    root,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

from .leaves import make_leaf_hashes

LEAVES = make_leaf_hashes(21)
SIZE = 21
ROOT = root(LEAVES)
INDEX = 6
PROOF = inclusion_proof(LEAVES, INDEX)
SIZE1 = 6
ROOT1 = root(LEAVES[:SIZE1])
CPROOF = consistency_proof(LEAVES, SIZE1)


def test_valid_proofs_verify() -> None:
    assert verify_inclusion(INDEX, SIZE, LEAVES[INDEX], PROOF, ROOT)
    assert root_from_inclusion_proof(INDEX, SIZE, LEAVES[INDEX], PROOF) == ROOT
    assert verify_consistency(SIZE1, SIZE, CPROOF, ROOT1, ROOT)
    check_inclusion(INDEX, SIZE, LEAVES[INDEX], PROOF, ROOT)
    check_consistency(SIZE1, SIZE, CPROOF, ROOT1, ROOT)


def test_inputs_may_be_bytearrays_and_tuples() -> None:
    leaf: Any = bytearray(LEAVES[INDEX])
    tree_root: Any = bytearray(ROOT)
    assert verify_inclusion(INDEX, SIZE, leaf, tuple(PROOF), tree_root)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("wrong leaf", (INDEX, SIZE, LEAVES[INDEX + 1], PROOF, ROOT)),
        ("wrong index", (INDEX + 1, SIZE, LEAVES[INDEX], PROOF, ROOT)),
        ("wrong root", (INDEX, SIZE, LEAVES[INDEX], PROOF, ROOT1)),
        ("swapped siblings", (INDEX, SIZE, LEAVES[INDEX], [PROOF[1], PROOF[0], *PROOF[2:]], ROOT)),
    ],
)
def test_inclusion_root_mismatch(name: str, args: tuple[Any, ...]) -> None:
    assert not verify_inclusion(*args)
    with pytest.raises(RootMismatchError) as caught:
        check_inclusion(*args)
    assert caught.value.expected == args[4]
    assert caught.value.calculated != args[4]
    assert len(caught.value.calculated) == 32


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ((SIZE, SIZE, LEAVES[0], PROOF, ROOT), "index 21 is not below tree size 21"),
        ((0, 0, LEAVES[0], [], ROOT), "index 0 is not below tree size 0"),
        ((-1, SIZE, LEAVES[0], PROOF, ROOT), "index must be a non-negative integer"),
        ((INDEX, SIZE, LEAVES[INDEX], PROOF[:-1], ROOT), "wrong proof size 4, want 5"),
        ((INDEX, SIZE, LEAVES[INDEX], [*PROOF, ROOT], ROOT), "wrong proof size 6, want 5"),
        ((INDEX, SIZE, LEAVES[INDEX], [], ROOT), "wrong proof size 0, want 5"),
        ((0, 1, LEAVES[0], [LEAVES[1]], LEAVES[0]), "wrong proof size 1, want 0"),
        ((INDEX, SIZE, LEAVES[INDEX][:31], PROOF, ROOT), "leaf hash must be 32 bytes"),
        ((INDEX, SIZE, LEAVES[INDEX], PROOF, ROOT + b"\x00"), "root must be 32 bytes"),
        ((INDEX, SIZE, LEAVES[INDEX], [b"", *PROOF[1:]], ROOT), r"proof\[0\] must be 32 bytes"),
        ((INDEX, SIZE, LEAVES[INDEX], [*PROOF[:4], "ab" * 16], ROOT), r"proof\[4\] must be"),
        ((INDEX, SIZE, LEAVES[INDEX], b"".join(PROOF), ROOT), "sequence of hashes"),
        ((INDEX, SIZE, LEAVES[INDEX], None, ROOT), "sequence of hashes"),
        ((1.0, SIZE, LEAVES[1], PROOF, ROOT), "index must be a non-negative integer"),
        ((INDEX, True, LEAVES[INDEX], PROOF, ROOT), "size must be a non-negative integer"),
        ((INDEX, SIZE, LEAVES[INDEX].hex(), PROOF, ROOT), "leaf hash must be 32 bytes"),
    ],
)
def test_malformed_inclusion_input_is_a_proof_error(args: tuple[Any, ...], reason: str) -> None:
    assert verify_inclusion(*args) is False
    with pytest.raises(ProofError, match=reason) as caught:
        check_inclusion(*args)
    assert caught.value.reason == str(caught.value)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("swapped roots", (SIZE1, SIZE, CPROOF, ROOT, ROOT1)),
        ("wrong old root", (SIZE1, SIZE, CPROOF, root(LEAVES[:5]), ROOT)),
        ("wrong new root", (SIZE1, SIZE, CPROOF, ROOT1, root(LEAVES[:20]))),
        ("other branch", (SIZE1, SIZE, [CPROOF[0], *CPROOF[1:-1], ROOT1], ROOT1, ROOT)),
        ("equal sizes, different roots", (SIZE, SIZE, [], ROOT, ROOT1)),
    ],
)
def test_consistency_root_mismatch(name: str, args: tuple[Any, ...]) -> None:
    assert not verify_consistency(*args)
    with pytest.raises(RootMismatchError):
        check_consistency(*args)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ((SIZE, SIZE1, CPROOF, ROOT, ROOT1), "size2 6 is below size1 21"),
        ((0, SIZE, CPROOF, ROOT1, ROOT), "empty tree proves nothing"),
        ((0, 0, [], ROOT, ROOT), "empty tree proves nothing"),
        ((SIZE, SIZE, [ROOT], ROOT, ROOT), "sizes are equal but the proof has 1 hashes"),
        ((SIZE1, SIZE, [], ROOT1, ROOT), "empty proof for sizes 6 -> 21"),
        ((SIZE1, SIZE, CPROOF[:-1], ROOT1, ROOT), "wrong proof size"),
        ((SIZE1, SIZE, [*CPROOF, ROOT], ROOT1, ROOT), "wrong proof size"),
        ((SIZE1, SIZE, CPROOF, ROOT1[:16], ROOT), "root1 must be 32 bytes"),
        ((SIZE1, SIZE, CPROOF, ROOT1, b""), "root2 must be 32 bytes"),
        ((SIZE1, SIZE, [*CPROOF[:-1], b"\x00" * 33], ROOT1, ROOT), r"proof\[\d\] must be 32"),
        ((-1, SIZE, CPROOF, ROOT1, ROOT), "size1 must be a non-negative integer"),
        ((SIZE1, "21", CPROOF, ROOT1, ROOT), "size2 must be a non-negative integer"),
    ],
)
def test_malformed_consistency_input_is_a_proof_error(args: tuple[Any, ...], reason: str) -> None:
    assert verify_consistency(*args) is False
    with pytest.raises(ProofError, match=reason):
        check_consistency(*args)


def test_power_of_two_old_size_proof_omits_the_old_root() -> None:
    proof = consistency_proof(LEAVES, 8)
    assert ROOT1 not in proof and root(LEAVES[:8]) not in proof
    assert verify_consistency(8, SIZE, proof, root(LEAVES[:8]), ROOT)
    assert not verify_consistency(8, SIZE, [root(LEAVES[:8]), *proof], root(LEAVES[:8]), ROOT)


def test_error_tree() -> None:
    assert issubclass(ProofError, VerificationError)
    assert issubclass(RootMismatchError, VerificationError)
    assert issubclass(VerificationError, MerkleError)
    error = RootMismatchError(b"\x01" * 32, b"\x02" * 32)
    assert "01" * 32 in str(error) and "02" * 32 in str(error)


_anything = st.one_of(
    st.none(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.binary(max_size=40),
    st.lists(st.binary(min_size=30, max_size=33), max_size=70),
    st.lists(st.one_of(st.none(), st.text(), st.integers()), max_size=5),
)
_hashy = st.one_of(st.binary(min_size=32, max_size=32), _anything)
_sizes = st.one_of(st.integers(min_value=0, max_value=2**64), _anything)
_proofs = st.one_of(st.lists(st.binary(min_size=32, max_size=32), max_size=70), _anything)


@given(_sizes, _sizes, _hashy, _proofs, _hashy)
def test_verify_inclusion_never_raises(
    index: Any, size: Any, leaf: Any, proof: Any, root_: Any
) -> None:
    assert verify_inclusion(index, size, leaf, proof, root_) in (True, False)


@given(_sizes, _sizes, _proofs, _hashy, _hashy)
def test_verify_consistency_never_raises(
    size1: Any, size2: Any, proof: Any, root1: Any, root2: Any
) -> None:
    assert verify_consistency(size1, size2, proof, root1, root2) in (True, False)
