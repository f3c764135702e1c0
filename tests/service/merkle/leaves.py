"""Deterministic test leaves."""

from __future__ import annotations

from hashlib import sha256


def make_leaf_hashes(count: int, seed: int = 0) -> list[bytes]:
    """Return ``count`` distinct pseudo-random 32-byte leaf hashes."""
    prefix = b"\x00leaf-%d-" % seed
    return [sha256(prefix + i.to_bytes(8, "big")).digest() for i in range(count)]


# The leaf inputs of the standard 8-leaf reference tree (RFC 6962 test data,
# also the happy paths of the golden vectors).
REFERENCE_LEAF_INPUTS = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
