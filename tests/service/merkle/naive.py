"""A naive RFC 9162 Merkle tree, straight from the RFC's recursive definitions.

Used only by the tests, to cross-check the fast code. It shares nothing with
``anchor_service.merkle`` except SHA-256: MTH (§2.1.1), PATH (§2.1.3.1) and
SUBPROOF (§2.1.4.1) are transcribed as written, over leaf index ranges, with
subtree hashes memoized so that checking every pair of sizes stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from hashlib import sha256


def naive_leaf_hash(data: bytes) -> bytes:
    return sha256(b"\x00" + data).digest()


def _largest_power_of_two_below(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


class NaiveTree:
    """The tree over a fixed list of leaf hashes, with the RFC's functions as methods."""

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        self.leaves = list(leaf_hashes)

        @cache
        def mth(start: int, end: int) -> bytes:
            n = end - start
            if n == 0:
                return sha256(b"").digest()
            if n == 1:
                return self.leaves[start]
            k = _largest_power_of_two_below(n)
            return sha256(b"\x01" + mth(start, start + k) + mth(start + k, end)).digest()

        self._mth = mth

    def subtree_root(self, start: int, end: int) -> bytes:
        """MTH(D[start:end])."""
        return self._mth(start, end)

    def root(self, size: int) -> bytes:
        """MTH(D[0:size])."""
        return self._mth(0, size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """PATH(index, D[0:size])."""
        assert 0 <= index < size <= len(self.leaves)
        return self._path(index, 0, size)

    def _path(self, m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = _largest_power_of_two_below(n)
        if m < k:
            return [*self._path(m, start, start + k), self._mth(start + k, end)]
        return [*self._path(m - k, start + k, end), self._mth(start, start + k)]

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """PROOF(size1, D[0:size2]) for 0 < size1 < size2; empty when the sizes are equal."""
        assert 0 < size1 <= size2 <= len(self.leaves)
        if size1 == size2:
            return []
        return self._subproof(size1, 0, size2, True)

    def _subproof(self, m: int, start: int, end: int, whole: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if whole else [self._mth(start, end)]
        k = _largest_power_of_two_below(n)
        if m <= k:
            return [*self._subproof(m, start, start + k, whole), self._mth(start + k, end)]
        return [*self._subproof(m - k, start + k, end, False), self._mth(start, start + k)]
