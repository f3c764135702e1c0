"""Roots and proofs over an in-memory list of leaf hashes (design.md's reference API).

These functions take the whole log as a list and cost O(n) time; they serve
small logs, tests and tools. Logs too big for memory are served from stored
tiles (:mod:`.tiles`, :mod:`.tilelog`), which always agree with these.

The tree is RFC 9162 §2.1.1's: for ``n > 1`` leaves, the left subtree holds
the largest power of two below ``n``. Computing it level by level, carrying
an unpaired last node up unchanged, gives the same tree.
"""

from __future__ import annotations

from collections.abc import Sequence

from .hashing import EMPTY_ROOT, parent_hashes, require_hash_sizes
from .nodes import ProofNodes, consistency_nodes, inclusion_nodes

__all__ = ["consistency_proof", "inclusion_proof", "root"]


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """Return the RFC 9162 root of the tree over ``leaf_hashes``; ``EMPTY_ROOT`` if empty.

    Requires 32-byte leaf hashes (``ValueError`` otherwise).
    """
    if not leaf_hashes:
        return EMPTY_ROOT
    require_hash_sizes(leaf_hashes)
    row = leaf_hashes
    while len(row) > 1:
        upper = parent_hashes(row)
        if len(row) & 1:
            upper.append(row[-1])
        row = upper
    return row[0]


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """Return the inclusion proof of leaf ``index`` in the tree over all of ``leaf_hashes``.

    Requires ``0 <= index < len(leaf_hashes)`` and 32-byte leaf hashes.
    """
    size = len(leaf_hashes)
    if not 0 <= index < size:
        raise ValueError(f"index {index} out of range for tree size {size}")
    return _proof(leaf_hashes, inclusion_nodes(index, size))


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """Return the consistency proof from the first ``old_size`` leaves to all of ``leaf_hashes``.

    Requires ``0 <= old_size <= len(leaf_hashes)`` and 32-byte leaf hashes. The proof is empty when
    ``old_size`` is 0 or the whole list.
    """
    size = len(leaf_hashes)
    if not 0 <= old_size <= size:
        raise ValueError(f"old size {old_size} out of range for tree size {size}")
    return _proof(leaf_hashes, consistency_nodes(old_size, size))


def _proof(leaf_hashes: Sequence[bytes], nodes: ProofNodes) -> list[bytes]:
    require_hash_sizes(leaf_hashes)
    levels = _complete_levels(leaf_hashes, max((node.level for node in nodes.ids), default=0))
    return nodes.rehash([levels[node.level][node.index] for node in nodes.ids])


def _complete_levels(leaf_hashes: Sequence[bytes], top: int) -> list[Sequence[bytes]]:
    """Return the hashes of every complete node at levels ``0..top``, level by level."""
    levels: list[Sequence[bytes]] = [leaf_hashes]
    row = leaf_hashes
    for _ in range(top):
        row = parent_hashes(row)
        levels.append(row)
    return levels
