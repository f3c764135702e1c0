"""RFC 9162 hashing and the roots of the standard 8-leaf reference tree."""

from __future__ import annotations

from hashlib import sha256

import pytest

from anchor_service.merkle import (
    EMPTY_ROOT,
    CompactRange,
    MemoryTileStore,
    consistency_proof,
    hash_leaves,
    inclusion_proof,
    leaf_hash,
    node_hash,
    parent_hashes,
    require_hash_sizes,
    root,
)

from .leaves import REFERENCE_LEAF_INPUTS
from .naive import NaiveTree

# Roots of the reference tree at sizes 0..8 (transparency-dev/merkle testonly,
# RFC 6962 test data).
REFERENCE_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
REFERENCE_LEAVES = [leaf_hash(data) for data in REFERENCE_LEAF_INPUTS]


def test_empty_root_is_sha256_of_the_empty_string() -> None:
    assert sha256(b"").digest() == EMPTY_ROOT
    assert root([]) == EMPTY_ROOT


def test_leaf_hash_prefixes_a_zero_byte() -> None:
    assert leaf_hash(b"") == bytes.fromhex(REFERENCE_ROOTS[1])
    assert leaf_hash(b"abc") == sha256(b"\x00abc").digest()
    assert len(leaf_hash(b"x" * 1000)) == 32


def test_hash_leaves_is_leaf_hash_of_each() -> None:
    assert hash_leaves(REFERENCE_LEAF_INPUTS) == [leaf_hash(d) for d in REFERENCE_LEAF_INPUTS]
    assert hash_leaves(iter([])) == []


def test_node_hash_prefixes_a_one_byte_and_is_ordered() -> None:
    left, right = leaf_hash(b"a"), leaf_hash(b"b")
    assert node_hash(left, right) == sha256(b"\x01" + left + right).digest()
    assert node_hash(left, right) != node_hash(right, left)
    # Domain separation: a node is not the leaf of its children's concatenation.
    assert node_hash(left, right) != leaf_hash(left + right)


def test_parent_hashes_pairs_neighbours_and_drops_an_unpaired_last_node() -> None:
    row = REFERENCE_LEAVES[:5]
    assert parent_hashes(row) == [node_hash(row[0], row[1]), node_hash(row[2], row[3])]
    assert parent_hashes(row[:1]) == []


@pytest.mark.parametrize("size", range(9))
def test_reference_tree_root(size: int) -> None:
    want = bytes.fromhex(REFERENCE_ROOTS[size])
    leaves = REFERENCE_LEAVES[:size]
    assert root(leaves) == want
    assert NaiveTree(REFERENCE_LEAVES).root(size) == want
    compact = CompactRange()
    compact.extend(leaves)
    assert compact.root() == want
    store = MemoryTileStore()
    store.append(leaves)
    assert store.root == want
    assert store.root_at(size) == want


def test_list_functions_reject_leaf_hashes_of_the_wrong_size() -> None:
    bad = [*REFERENCE_LEAVES[:3], REFERENCE_LEAVES[3][:31]]
    require_hash_sizes(REFERENCE_LEAVES)
    require_hash_sizes([])
    for call in (
        lambda: require_hash_sizes(bad),
        lambda: root(bad),
        lambda: inclusion_proof(bad, 0),
        lambda: consistency_proof(bad, 2),
    ):
        with pytest.raises(ValueError, match="32 bytes"):
            call()
