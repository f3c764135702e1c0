"""Incremental tree state: the compact range ``[0, size)`` (transparency-dev/merkle ``compact``).

A :class:`CompactRange` holds one hash per set bit of ``size`` (the roots of
the maximal perfect subtrees that make up the log, largest first), so its
memory is O(log n). Appending a batch of ``m`` leaves costs O(m + log n) time,
independent of how big the log already is, and reports every node that became
complete so the caller can persist it.

Sealing a batch::

    ids = compact_range_ids(size)             # which stored nodes to read
    cr = CompactRange(size, hashes_of(ids))   # rebuild the state
    runs = cr.extend(batch_leaf_hashes)       # new complete nodes, level by level
    cr.root()                                 # root at size + len(batch)
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass
from hashlib import sha256

from .hashing import EMPTY_ROOT, parent_hashes, require_hash_sizes
from .nodes import NodeId, range_nodes

__all__ = ["CompactRange", "NodeRun", "compact_range_ids"]


def compact_range_ids(size: int) -> list[NodeId]:
    """Return the ids of the nodes a :class:`CompactRange` of ``size`` leaves holds, left to right.

    Requires ``size >= 0``. These are complete nodes, one per set bit of
    ``size``, so they can always be read from storage at any size ``>= size``.
    """
    return range_nodes(0, size)


@dataclass(frozen=True, slots=True)
class NodeRun:
    """New complete nodes at one level: node ``(level, start + i)`` has hash ``hashes[i]``."""

    level: int
    start: int
    hashes: Sequence[bytes]

    def ids(self) -> list[NodeId]:
        """Return the node ids of this run, in order."""
        return [NodeId(self.level, self.start + i) for i in range(len(self.hashes))]


class CompactRange:
    """The compact range of leaves ``[0, size)``: enough state to append and to compute roots."""

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        """Rebuild the state of a log of ``size`` leaves.

        Requires ``size >= 0`` and ``hashes`` to be the 32-byte hashes of
        :func:`compact_range_ids` ``(size)``, in that order.
        """
        if size < 0:
            raise ValueError(f"size must not be negative, got {size}")
        if len(hashes) != size.bit_count():
            raise ValueError(f"size {size} needs {size.bit_count()} hashes, got {len(hashes)}")
        require_hash_sizes(hashes)
        self._size = size
        self._hashes = list(hashes)

    @property
    def size(self) -> int:
        """Number of leaves covered."""
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """Hashes of :meth:`ids`, left to right (largest subtree first)."""
        return tuple(self._hashes)

    def ids(self) -> list[NodeId]:
        """Return the ids of the nodes held, left to right."""
        return compact_range_ids(self._size)

    def root(self) -> bytes:
        """Return the RFC 9162 root of the log at the current size (``EMPTY_ROOT`` when empty)."""
        if not self._hashes:
            return EMPTY_ROOT
        acc = self._hashes[-1]
        for left in reversed(self._hashes[:-1]):
            acc = sha256(b"\x01" + left + acc).digest()
        return acc

    def copy(self) -> CompactRange:
        """Return an independent copy."""
        return CompactRange(self._size, self._hashes)

    def append(self, leaf_hash: bytes, levels: Container[int] | None = None) -> list[NodeRun]:
        """Append one leaf hash; see :meth:`extend`."""
        return self.extend([leaf_hash], levels)

    def extend(
        self, leaf_hashes: Sequence[bytes], levels: Container[int] | None = None
    ) -> list[NodeRun]:
        """Append ``leaf_hashes`` and return the nodes that became complete, lowest level first.

        Requires every leaf hash to be 32 bytes. Only levels in ``levels`` are
        reported (all levels when ``None``; a tile store passes multiples of 8).
        Costs O(len(leaf_hashes) + log size) time whatever the current size.
        """
        count = len(leaf_hashes)
        if count == 0:
            return []
        require_hash_sizes(leaf_hashes)
        old_size = self._size
        new_size = old_size + count
        old_levels = [lvl for lvl in range(old_size.bit_length()) if (old_size >> lvl) & 1]
        carried = dict(zip(reversed(old_levels), self._hashes, strict=True))
        kept: dict[int, bytes] = {}
        runs: list[NodeRun] = []
        row: Sequence[bytes] = leaf_hashes
        for level in range(new_size.bit_length()):
            if row and (levels is None or level in levels):
                runs.append(NodeRun(level, old_size >> level, list(row) if level == 0 else row))
            if (old_size >> level) & 1:
                row = [carried[level], *row]
            if len(row) & 1:
                kept[level] = row[-1]
            row = parent_hashes(row)
        self._size = new_size
        self._hashes = [kept[lvl] for lvl in sorted(kept, reverse=True)]
        return runs

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompactRange):
            return NotImplemented
        return self._size == other._size and self._hashes == other._hashes

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size}, root={self.root().hex()})"
