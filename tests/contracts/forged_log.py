"""A log an attacker holding the anchorer key can "prove": real prefix, invented rest.

The consistency check only proves that the anchored head is a prefix of the new
one; the hashes of the new leaves are whatever the attacker says. So a log whose
first `len(prefix)` leaves are the real ones and whose other subtrees get
invented hashes has a valid RFC 9162 consistency proof from the real head, at
any size up to 2**64 - 1, without enumerating a single invented leaf.

A complete subtree beyond the prefix gets an invented hash of its own unless a
`cut` falls strictly inside it: then it is hashed from its two halves, as every
tree whose edge runs through it (the tree of `cut` leaves) sees it. So the trees
of every `cut` size, and the path of every `cut` leaf, agree with this log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from anchor_service.merkle import node_hash, root

__all__ = ["ForgedLog"]


def _split(size: int) -> int:
    """The largest power of two smaller than `size` (RFC 9162's k), for size >= 2."""
    return 1 << ((size - 1).bit_length() - 1)


class ForgedLog:
    """`size` leaves: the real `prefix`, then invented subtrees, consistent at every cut."""

    def __init__(self, prefix: Sequence[bytes], size: int, cuts: Iterable[int] = ()) -> None:
        if not 0 < len(prefix) <= size:
            raise ValueError("the prefix must be non-empty and fit in the log")
        self.prefix = list(prefix)
        self.size = size
        self.cuts = sorted(set(cuts))

    def _atomic(self, lo: int, hi: int) -> bool:
        width = hi - lo
        complete = width & (width - 1) == 0 and lo % width == 0
        return complete and lo >= len(self.prefix) and not any(lo < c < hi for c in self.cuts)

    def subtree(self, lo: int, hi: int) -> bytes:
        """The hash of leaves `[lo, hi)`: real, invented, or combined from both."""
        if hi <= len(self.prefix):
            return root(self.prefix[lo:hi])
        if self._atomic(lo, hi):
            return hashlib.sha256(b"invented subtree %d %d" % (lo, hi)).digest()
        k = _split(hi - lo)
        return node_hash(self.subtree(lo, lo + k), self.subtree(lo + k, hi))

    def root(self, size: int | None = None) -> bytes:
        """The root of the first `size` leaves (all of them by default)."""
        return self.subtree(0, self.size if size is None else size)

    def consistency_proof(self, old_size: int) -> list[bytes]:
        """RFC 9162 §2.1.4.1 PROOF(old_size, D[size]); `old_size` must be a cut or <= prefix."""
        return self._subproof(old_size, 0, self.size, True)

    def inclusion_proof(self, index: int) -> list[bytes]:
        """RFC 9162 §2.1.3.1 PATH(index, D[size]); `index` and `index + 1` must be cuts."""
        return self._path(index, 0, self.size)

    def _subproof(self, m: int, lo: int, hi: int, complete: bool) -> list[bytes]:
        n = hi - lo
        if m == n:
            return [] if complete else [self.subtree(lo, hi)]
        k = _split(n)
        if m <= k:
            return [*self._subproof(m, lo, lo + k, complete), self.subtree(lo + k, hi)]
        return [*self._subproof(m - k, lo + k, hi, False), self.subtree(lo, lo + k)]

    def _path(self, m: int, lo: int, hi: int) -> list[bytes]:
        n = hi - lo
        if n == 1:
            return []
        k = _split(n)
        if m < k:
            return [*self._path(m, lo, lo + k), self.subtree(lo + k, hi)]
        return [*self._path(m - k, lo + k, hi), self.subtree(lo, lo + k)]
