"""The Python side of the contract tests: logs, heads and proofs from `anchor_service.merkle`.

Hashes are `bytes` in `anchor_service.merkle` and `0x` hex strings when they go
to the contract (Brownie's bytes32 arguments); this module does that
conversion in one place. `conftest.py` has put the repository on `sys.path`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from brownie import reverts
from brownie.exceptions import decode_typed_error
from eth_abi import encode
from eth_utils import keccak

from anchor_service.merkle import EMPTY_ROOT, consistency_proof, leaf_hash, root

__all__ = [
    "CORRUPTIONS",
    "EMPTY_ROOT_HEX",
    "STRANGER",
    "anchor",
    "big_leaves",
    "corrupt",
    "flip_bit",
    "hex32",
    "hexes",
    "make_leaves",
    "plain",
    "reverts_with",
    "statement_hash",
]

EMPTY_ROOT_HEX = "0x" + EMPTY_ROOT.hex()


def make_leaves(count: int, fork: str = "main") -> list[bytes]:
    """Return `count` leaf hashes of distinct entries; another `fork` gives other leaves."""
    return [leaf_hash(f"{fork} entry {i}".encode()) for i in range(count)]


@functools.cache
def big_leaves(count: int) -> tuple[bytes, ...]:
    """`make_leaves(count)`, computed once per test session (2**20 leaves take ~1 s)."""
    return tuple(make_leaves(count))


def hex32(value: bytes) -> str:
    """Return a 32-byte hash as the `0x` hex a bytes32 argument takes."""
    if len(value) != 32:
        raise ValueError(f"expected 32 bytes, got {len(value)}")
    return "0x" + value.hex()


def hexes(values: Sequence[bytes]) -> list[str]:
    """Return a list of 32-byte hashes as a bytes32[] argument."""
    return [hex32(value) for value in values]


def statement_hash(tree_size: int) -> str:
    """Return a stand-in settlement statement hash for the batch ending at `tree_size`."""
    return hex32(leaf_hash(f"statement for size {tree_size}".encode()))


def flip_bit(value: bytes, bit: int) -> bytes:
    """Return `value` with bit `bit` (0 = most significant bit of byte 0) inverted."""
    flipped = bytearray(value)
    flipped[bit // 8] ^= 0x80 >> (bit % 8)
    return bytes(flipped)


STRANGER = make_leaves(1, fork="stranger")[0]

CORRUPTIONS = [
    "none", "flip bit", "drop last", "drop first", "append", "duplicate", "swap roots",
    "size1 - 1", "size1 + 1", "size2 - 1", "size2 + 1", "other root1", "other root2",
]  # fmt: skip


def corrupt(
    kind: str, size1: int, size2: int, proof: list[bytes], root1: bytes, root2: bytes, pick: int
) -> tuple[int, int, list[bytes], bytes, bytes]:
    """Return the consistency check's inputs damaged in the way `kind` names."""
    proof = list(proof)
    if kind == "flip bit" and proof:
        proof[pick % len(proof)] = flip_bit(proof[pick % len(proof)], pick % 256)
    elif kind == "drop last":
        proof = proof[:-1]
    elif kind == "drop first":
        proof = proof[1:]
    elif kind == "append":
        proof.append(STRANGER)
    elif kind == "duplicate" and proof:
        proof.insert(pick % len(proof), proof[pick % len(proof)])
    elif kind == "swap roots":
        root1, root2 = root2, root1
    elif kind == "size1 - 1":
        size1 -= 1
    elif kind == "size1 + 1":
        size1 += 1
    elif kind == "size2 - 1":
        size2 -= 1
    elif kind == "size2 + 1":
        size2 += 1
    elif kind == "other root1":
        root1 = STRANGER
    elif kind == "other root2":
        root2 = STRANGER
    return size1, size2, proof, root1, root2


def anchor(
    registry: Any,
    sender: Any,
    leaves: Sequence[bytes],
    tree_size: int,
    old_size: int = 0,
    proof: Sequence[bytes] | None = None,
) -> Any:
    """Anchor the head of `leaves[:tree_size]`, by default with the real proof from `old_size`.

    `old_size` 0 means the first anchor (no proof). Returns Brownie's transaction.
    """
    prefix = leaves[:tree_size]
    if proof is None:
        proof = consistency_proof(prefix, old_size) if old_size else []
    return registry.anchor(
        tree_size,
        hex32(root(prefix)),
        statement_hash(tree_size),
        hexes(proof),
        {"from": sender},
    )


def plain(value: Any) -> Any:
    """Return a contract return value as plain Python: tuples, ints, bools, `0x` hex strings.

    (Brownie's ReturnValue, Wei and HexString do not compare with plain tuples.)
    """
    if isinstance(value, list | tuple):
        return tuple(plain(item) for item in value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    return str(value)


def reverts_with(signature: str, *args: Any) -> Any:
    """Expect a revert with the custom error `signature` (e.g. "E(uint64,uint64)") and `args`.

    The expected revert data (selector and ABI-encoded arguments) is decoded the
    way Brownie decodes the actual one, so the error and every argument must match.
    """
    types = [t for t in signature[signature.index("(") + 1 : -1].split(",") if t]
    values = [
        bytes.fromhex(value.removeprefix("0x"))
        if kind.startswith("bytes") and isinstance(value, str)
        else value
        for kind, value in zip(types, args, strict=True)
    ]
    encoded = encode(types, values)
    data = "0x" + (keccak(text=signature)[:4] + encoded).hex()
    return reverts(decode_typed_error(data))
