"""Node addressing and proof layouts, as transparency-dev/merkle's ``compact`` and ``proof``.

A node is addressed by ``NodeId(level, index)``: level 0 holds the leaf hashes,
and node ``(level, index)`` is the root of the perfect subtree over leaves
``[index << level, (index + 1) << level)``. Only such perfect ("complete")
subtrees are ever stored; the hashes on the right edge of a tree whose size is
not a power of two ("ephemeral" nodes) are recomputed from stored ones.

Proof generation is pure: :func:`inclusion_nodes` and :func:`consistency_nodes`
say which stored nodes to read and :meth:`ProofNodes.rehash` combines the
hashes read into the RFC 9162 proof. A proof needs at most
``2 * size.bit_length() + 1`` node reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from hashlib import sha256

__all__ = [
    "NodeId",
    "ProofNodes",
    "consistency_nodes",
    "inclusion_nodes",
    "range_nodes",
]


@dataclass(frozen=True, slots=True, order=True)
class NodeId:
    """Address of a complete node: ``level`` above the leaves, ``index`` within the level."""

    level: int
    index: int

    def coverage(self) -> tuple[int, int]:
        """Return the leaf range ``[begin, end)`` under this node."""
        return self.index << self.level, (self.index + 1) << self.level

    def parent(self) -> NodeId:
        """Return the node one level up that has this node as a child."""
        return NodeId(self.level + 1, self.index >> 1)

    def sibling(self) -> NodeId:
        """Return the other child of this node's parent."""
        return NodeId(self.level, self.index ^ 1)


def range_nodes(begin: int, end: int) -> list[NodeId]:
    """Return the compact range of ``[begin, end)``: its maximal perfect subtrees, left to right.

    Requires ``0 <= begin <= end``. The result has at most ``2 * log2(end - begin) + 2``
    nodes; for ``begin == 0`` it has one node per set bit of ``end``, largest first.
    """
    if not 0 <= begin <= end:
        raise ValueError(f"invalid range [{begin}, {end})")
    if begin == 0:
        left, right = 0, end
    else:
        # Paths to leaves begin-1 and end diverge at level d; below it, zero bits
        # of begin-1 are left-border subtrees and one bits of end right-border ones.
        xbegin = begin - 1
        mask = (1 << ((xbegin ^ end).bit_length() - 1)) - 1
        left, right = ~xbegin & mask, end & mask
    ids: list[NodeId] = []
    pos = begin
    while left:
        level = (left & -left).bit_length() - 1
        ids.append(NodeId(level, pos >> level))
        pos += 1 << level
        left ^= 1 << level
    while right:
        level = right.bit_length() - 1
        ids.append(NodeId(level, pos >> level))
        pos += 1 << level
        right ^= 1 << level
    return ids


@dataclass(frozen=True, slots=True)
class ProofNodes:
    """The stored nodes that make up a proof, and how to combine them.

    ``ids`` lists the nodes to read, in proof order (bottom up). The nodes
    ``ids[begin:end]`` (when ``end - begin >= 2``) are the compact range of an
    ephemeral node ``ephem``: :meth:`rehash` folds their hashes right to left
    into that node's hash, the way transparency-dev/merkle's ``Nodes.Rehash`` does.
    """

    ids: tuple[NodeId, ...]
    begin: int = 0
    end: int = 0
    ephem: NodeId | None = None

    def rehash(self, hashes: Sequence[bytes]) -> list[bytes]:
        """Return the proof from ``hashes``, the hashes of ``self.ids`` in the same order.

        Requires ``len(hashes) == len(self.ids)``.
        """
        if len(hashes) != len(self.ids):
            raise ValueError(f"got {len(hashes)} hashes for {len(self.ids)} node ids")
        begin, end = self.begin, self.end
        if end - begin < 2:
            return list(hashes)
        acc = hashes[begin]
        for left in hashes[begin + 1 : end]:
            acc = sha256(b"\x01" + left + acc).digest()
        return [*hashes[:begin], acc, *hashes[end:]]


def inclusion_nodes(index: int, size: int) -> ProofNodes:
    """Return the nodes of the inclusion proof for leaf ``index`` in the tree of ``size`` leaves.

    Requires ``0 <= index < size``.
    """
    if not 0 <= index < size:
        raise ValueError(f"index {index} out of range for tree size {size}")
    return _skip_first(_path_nodes(index, 0, size))


def consistency_nodes(size1: int, size2: int) -> ProofNodes:
    """Return the nodes of the consistency proof from tree size ``size1`` to ``size2``.

    Requires ``0 <= size1 <= size2``. The proof is empty when ``size1 == size2``
    and when ``size1 == 0`` (nothing to prove; verifiers reject the latter).
    """
    if not 0 <= size1 <= size2:
        raise ValueError(f"invalid tree sizes {size1} -> {size2}")
    if size1 == 0 or size1 == size2:
        return ProofNodes(())
    # The last perfect subtree of the old tree, and the path from it in the new one.
    level = (size1 & -size1).bit_length() - 1
    index = (size1 - 1) >> level
    nodes = _path_nodes(index, level, size2)
    # When size1 is a power of two, the verifier already has that node: root1.
    return _skip_first(nodes) if index == 0 else nodes


def _path_nodes(index: int, level: int, size: int) -> ProofNodes:
    """Return node ``(level, index)`` followed by the nodes proving it in the tree of ``size``.

    Requires node ``(level, index)`` to be complete in that tree.
    """
    # The fork is the highest complete node on the path up; above it the path
    # runs along the tree's right edge, where nodes are ephemeral.
    inner = (index ^ (size >> level)).bit_length() - 1
    fork = NodeId(level + inner, index >> inner)
    fork_begin, fork_end = fork.coverage()
    ids = [NodeId(level, index)]
    ids.extend(NodeId(lvl, (index >> (lvl - level)) ^ 1) for lvl in range(level, fork.level))
    right = range_nodes(fork_end, size)
    right.reverse()
    begin = len(ids)
    ids.extend(right)
    end = len(ids)
    left = range_nodes(0, fork_begin)
    left.reverse()
    ids.extend(left)
    if len(right) > 1:
        return ProofNodes(tuple(ids), begin, end, fork.sibling())
    return ProofNodes(tuple(ids))


def _skip_first(nodes: ProofNodes) -> ProofNodes:
    if nodes.end - nodes.begin >= 2:
        return ProofNodes(nodes.ids[1:], nodes.begin - 1, nodes.end - 1, nodes.ephem)
    return ProofNodes(nodes.ids[1:])
