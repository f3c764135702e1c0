"""RFC 9162 §2.1.1 hashing: leaf hashes, interior node hashes, the empty root.

Every hash in this package is a 32-byte ``bytes`` value (SHA-256); hex
encoding belongs to the layers that talk JSON.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from hashlib import sha256

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "hash_leaves",
    "leaf_hash",
    "node_hash",
    "parent_hashes",
    "require_hash_sizes",
]

HASH_SIZE = 32
"""Length in bytes of every hash: leaf hashes, node hashes, roots."""

EMPTY_ROOT = sha256(b"").digest()
"""Root of the empty log: SHA-256 of the empty string (RFC 9162 §2.1.1)."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """Return ``SHA-256(0x00 || data)``, the hash of one leaf's bytes."""
    return sha256(_LEAF_PREFIX + data).digest()


def hash_leaves(leaves: Iterable[bytes]) -> list[bytes]:
    """Return ``[leaf_hash(data) for data in leaves]``, without a call per leaf."""
    return [sha256(_LEAF_PREFIX + data).digest() for data in leaves]


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return ``SHA-256(0x01 || left || right)``, the hash of an interior node.

    Requires ``left`` and ``right`` to be the hashes of the node's children
    (callers inside this package inline this expression in hot loops).
    """
    return sha256(_NODE_PREFIX + left + right).digest()


def parent_hashes(row: Sequence[bytes]) -> list[bytes]:
    """Return the hashes of the parents of consecutive pairs in ``row``.

    ``row`` holds node hashes at one level, left to right, starting at an even
    index; an unpaired last node has no parent here and is left out.
    """
    pairs = iter(row)
    return [sha256(_NODE_PREFIX + lt + rt).digest() for lt, rt in zip(pairs, pairs, strict=False)]


def require_hash_sizes(hashes: Sequence[bytes]) -> None:
    """Raise ``ValueError`` unless every element of ``hashes`` is 32 bytes long."""
    if hashes and set(map(len, hashes)) != {HASH_SIZE}:
        raise ValueError(f"every hash must be {HASH_SIZE} bytes")
