"""RFC 9162 §2.1.3.2 and §2.1.4.2 proof verification, after transparency-dev/merkle's ``proof``.

Two flavours of each check:

- ``verify_inclusion`` / ``verify_consistency`` return ``True`` or ``False``
  and never raise, whatever the input (wrong sizes, wrong proof length,
  hashes that are not 32 bytes, values of the wrong type);
- ``check_inclusion`` / ``check_consistency`` return ``None`` or raise
  :class:`ProofError` (malformed input, with the reason) or
  :class:`RootMismatchError` (with the expected and calculated roots), for
  callers that report why to auditors.

Indices are 0-based. A consistency proof from the empty tree (``size1 == 0``)
is rejected: it proves nothing, and the golden vectors require rejecting it.
Every hash must be 32 bytes, with one exception kept from upstream and the
golden vectors: when ``size1 == size2`` the two roots are only compared, byte
for byte, so equal roots are consistent whatever their length.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256

from .errors import ProofError, RootMismatchError, VerificationError
from .hashing import HASH_SIZE

__all__ = [
    "check_consistency",
    "check_inclusion",
    "root_from_inclusion_proof",
    "verify_consistency",
    "verify_inclusion",
]


def root_from_inclusion_proof(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes]
) -> bytes:
    """Return the root that ``proof`` yields for leaf ``index`` of a tree of ``size`` leaves.

    Requires ``0 <= index < size``, a 32-byte ``leaf_hash`` and a proof of
    exactly the length RFC 9162 gives for ``(index, size)``, made of 32-byte
    hashes; raises :class:`ProofError` otherwise.
    """
    _require_size("size", size)
    _require_size("index", index)
    if index >= size:
        raise ProofError(f"index {index} is not below tree size {size}")
    _require_hash("leaf hash", leaf_hash)
    hashes = _require_proof(proof)
    # Bits of index below `inner` are the path inside the tree; above it the
    # path runs along the right border, where every sibling is on the left.
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    if len(hashes) != inner + border:
        raise ProofError(f"wrong proof size {len(hashes)}, want {inner + border}")
    acc = leaf_hash
    bits = index
    for sibling in hashes[:inner]:
        if bits & 1:
            acc = sha256(b"\x01" + sibling + acc).digest()
        else:
            acc = sha256(b"\x01" + acc + sibling).digest()
        bits >>= 1
    for sibling in hashes[inner:]:
        acc = sha256(b"\x01" + sibling + acc).digest()
    return acc


def check_inclusion(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``proof`` proves leaf ``index`` (hash ``leaf_hash``) in tree ``(size, root)``.

    Requires ``0 <= index < size``, 32-byte hashes and a proof of the RFC 9162
    length; raises :class:`ProofError` when they are not met and
    :class:`RootMismatchError` when the proof leads to another root.
    """
    _require_hash("root", root)
    calculated = root_from_inclusion_proof(index, size, leaf_hash, proof)
    if calculated != root:
        raise RootMismatchError(bytes(root), calculated)


def verify_inclusion(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """Return whether ``proof`` proves leaf ``index`` in the tree ``(size, root)``; never raises."""
    try:
        check_inclusion(index, size, leaf_hash, proof, root)
    except VerificationError:
        return False
    return True


def check_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree ``(size1, root1)`` is a prefix of ``(size2, root2)``.

    Requires ``0 < size1 <= size2``, an empty proof and equal roots when
    ``size1 == size2``, and otherwise 32-byte hashes and a proof of the RFC 9162
    length; raises
    :class:`ProofError` when they are not met and :class:`RootMismatchError`
    when a root does not match (``expected`` is the caller's root).
    """
    _require_size("size1", size1)
    _require_size("size2", size2)
    hashes = _require_proof(proof)
    if size2 < size1:
        raise ProofError(f"size2 {size2} is below size1 {size1}")
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing")
    if size1 == size2:
        if hashes:
            raise ProofError(f"sizes are equal but the proof has {len(hashes)} hashes")
        if not isinstance(root1, bytes | bytearray) or not isinstance(root2, bytes | bytearray):
            raise ProofError("roots must be bytes")
        if root1 != root2:
            raise RootMismatchError(bytes(root1), bytes(root2))
        return
    _require_hash("root1", root1)
    _require_hash("root2", root2)
    if not hashes:
        raise ProofError(f"empty proof for sizes {size1} -> {size2}")

    # The proof is, in effect, the inclusion proof of the last perfect subtree
    # of the old tree (level `shift`), preceded by that subtree's hash unless
    # it is the whole old tree (size1 a power of two, hash = root1).
    shift = (size1 & -size1).bit_length() - 1
    mask = (size1 - 1) >> shift
    inner = (mask ^ ((size2 - 1) >> shift)).bit_length()
    border = (mask >> inner).bit_count()
    if mask == 0:
        seed, start = root1, 0
    else:
        seed, start = hashes[0], 1
    if len(hashes) != start + inner + border:
        raise ProofError(f"wrong proof size {len(hashes)}, want {start + inner + border}")

    acc1 = acc2 = seed
    bits = mask
    for sibling in hashes[start : start + inner]:
        if bits & 1:
            acc1 = sha256(b"\x01" + sibling + acc1).digest()
            acc2 = sha256(b"\x01" + sibling + acc2).digest()
        else:
            acc2 = sha256(b"\x01" + acc2 + sibling).digest()
        bits >>= 1
    for sibling in hashes[start + inner :]:
        acc1 = sha256(b"\x01" + sibling + acc1).digest()
        acc2 = sha256(b"\x01" + sibling + acc2).digest()
    if acc1 != root1:
        raise RootMismatchError(bytes(root1), acc1)
    if acc2 != root2:
        raise RootMismatchError(bytes(root2), acc2)


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> bool:
    """Return whether ``proof`` shows ``(size1, root1)`` is a prefix of ``(size2, root2)``.

    Never raises; see :func:`check_consistency` for the rules.
    """
    try:
        check_consistency(size1, size2, proof, root1, root2)
    except VerificationError:
        return False
    return True


def _require_size(name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ProofError(f"{name} must be a non-negative integer, got {value!r}")


def _require_hash(name: str, value: object) -> None:
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        raise ProofError(f"{name} must be {HASH_SIZE} bytes")


def _require_proof(proof: object) -> Sequence[bytes]:
    if type(proof) is not list and type(proof) is not tuple:
        if not isinstance(proof, Sequence) or isinstance(proof, bytes | bytearray | str):
            raise ProofError("proof must be a sequence of hashes")
        proof = list(proof)
    hashes: Sequence[bytes] = proof
    for item in hashes:
        if type(item) is not bytes or len(item) != HASH_SIZE:
            break
    else:
        return hashes
    for position, item in enumerate(hashes):
        if not isinstance(item, bytes | bytearray) or len(item) != HASH_SIZE:
            raise ProofError(f"proof[{position}] must be {HASH_SIZE} bytes")
    return hashes
