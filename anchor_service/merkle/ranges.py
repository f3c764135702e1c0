"""Range proofs over RFC 9162-shaped trees whose nodes are any values (hashes, or hashes
with sums), and roots from stored 256-leaf chunks.

A tree of ``n`` leaves has the shape of RFC 9162 §2.1.1: the node over ``[lo, hi)``
splits at ``lo + k``, ``k`` the largest power of two below ``hi - lo``. Only how two
children combine (``combine(left, right)``) differs between the trees that use this
module: plain hashes (:func:`~anchor_service.merkle.hashing.node_hash`), or the
Merkle-sum nodes of :mod:`anchor_service.ledger.account_lines`.

A *range proof* of the leaves ``[start, end)`` is the list of the values of the maximal
nodes that lie wholly outside the range, in left-to-right order: the verifier rebuilds
the root from the range's own leaves and these, so no leaf can be added inside the range,
dropped or moved. A one-leaf range is an ordinary inclusion proof (in another order).

Because every node of 256 leaves or more starts at a multiple of 256, the tree is also
the tree over its 256-leaf *chunks* (the last one possibly shorter): storing each chunk's
root is enough to get any node above the chunks without reading leaves
(:func:`chunk_roots`, and ``chunk`` in :func:`range_proof`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TypeVar

from .errors import ProofError

__all__ = [
    "CHUNK_SIZE",
    "chunk_roots",
    "range_proof",
    "root_from_range",
    "subtree_root",
]

T = TypeVar("T")

CHUNK_SIZE = 256
"""Leaves per stored chunk (a level-8 subtree, like a tlog tile)."""


def _split(size: int) -> int:
    """The largest power of two below ``size`` (``size >= 2``)."""
    return 1 << ((size - 1).bit_length() - 1)


def subtree_root(values: Sequence[T], combine: Callable[[T, T], T]) -> T:
    """The root of the RFC 9162-shaped tree over ``values`` (at least one)."""
    if not values:
        raise ValueError("a tree needs at least one leaf")
    level = list(values)
    # Bottom-up: pair neighbours; an unpaired last node moves up unchanged (RFC 9162 shape).
    while len(level) > 1:
        paired = [combine(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def chunk_roots(leaves: Iterable[T], combine: Callable[[T, T], T]) -> Iterator[T]:
    """The root of each consecutive chunk of :data:`CHUNK_SIZE` leaves (streaming: holds
    one chunk at a time)."""
    chunk: list[T] = []
    for leaf in leaves:
        chunk.append(leaf)
        if len(chunk) == CHUNK_SIZE:
            yield subtree_root(chunk, combine)
            chunk = []
    if chunk:
        yield subtree_root(chunk, combine)


def range_proof(
    size: int,
    start: int,
    end: int,
    leaf: Callable[[int], T],
    combine: Callable[[T, T], T],
    chunk: Callable[[int], T] | None = None,
) -> list[T]:
    """The range proof of leaves ``[start, end)`` in the tree of ``size`` leaves.

    ``leaf(i)`` gives leaf ``i``'s value; it is asked only for leaves in the chunks that
    overlap the range when ``chunk(c)`` (the root of chunk ``c``) is given, else for any.
    Requires ``0 <= start < end <= size``.
    """
    if not 0 <= start < end <= size:
        raise ValueError(f"no range [{start}, {end}) in a tree of {size} leaves")
    proof: list[T] = []

    def node(lo: int, hi: int) -> T:
        if chunk is not None and lo % CHUNK_SIZE == 0 and hi == min(lo + CHUNK_SIZE, size):
            return chunk(lo // CHUNK_SIZE)
        if hi - lo == 1:
            return leaf(lo)
        k = _split(hi - lo)
        return combine(node(lo, lo + k), node(lo + k, hi))

    def walk(lo: int, hi: int) -> None:
        if hi <= start or lo >= end:
            proof.append(node(lo, hi))
        elif not (start <= lo and hi <= end) and hi - lo > 1:
            k = _split(hi - lo)
            walk(lo, lo + k)
            walk(lo + k, hi)

    walk(0, size)
    return proof


def root_from_range(
    size: int,
    start: int,
    leaves: Sequence[T],
    proof: Sequence[T],
    combine: Callable[[T, T], T],
) -> T:
    """The root rebuilt from the leaves ``[start, start + len(leaves))`` and their range
    proof; :class:`~anchor_service.merkle.errors.ProofError` when the proof does not fit
    (too short or too long, or the range is not in the tree)."""
    end = start + len(leaves)
    if not 0 <= start < end <= size:
        raise ProofError(f"no range [{start}, {end}) in a tree of {size} leaves")
    given = iter(proof)
    used = 0

    def rebuild(lo: int, hi: int) -> T:
        nonlocal used
        if hi <= start or lo >= end:
            used += 1
            try:
                return next(given)
            except StopIteration:
                raise ProofError(f"the range proof is too short ({len(proof)} nodes)") from None
        if hi - lo == 1:
            return leaves[lo - start]
        k = _split(hi - lo)
        return combine(rebuild(lo, lo + k), rebuild(lo + k, hi))

    root = rebuild(0, size)
    if used != len(proof):
        raise ProofError(f"the range proof has {len(proof) - used} nodes too many")
    return root
