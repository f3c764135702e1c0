"""Errors raised by the Merkle core.

The tree::

    MerkleError                      base of everything raised here
    ├── VerificationError            a proof does not check out
    │   ├── ProofError               malformed input or a proof of the wrong shape
    │   └── RootMismatchError        well-formed proof, but it leads to another root
    └── TileError                    stored tiles are missing, short or rewritten

Errors carry data (``reason``, ``expected``/``calculated``) so that callers
reporting to auditors can say why, the way transparency-dev/merkle's
``RootMismatchError`` does.
"""

from __future__ import annotations

__all__ = ["MerkleError", "ProofError", "RootMismatchError", "TileError", "VerificationError"]


class MerkleError(Exception):
    """Base class of every error raised by ``anchor_service.merkle``."""


class VerificationError(MerkleError):
    """A proof did not verify; see the subclasses for why."""


class ProofError(VerificationError):
    """The input is malformed or the proof has the wrong shape.

    ``reason`` says what is wrong, e.g. ``"index 8 is not below size 8"``.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RootMismatchError(VerificationError):
    """The proof is well formed but yields ``calculated`` instead of ``expected``."""

    def __init__(self, expected: bytes, calculated: bytes) -> None:
        super().__init__(
            f"calculated root {calculated.hex()} does not match expected root {expected.hex()}"
        )
        self.expected = expected
        self.calculated = calculated


class TileError(MerkleError):
    """A tile needed for a node is missing, too short, or not an extension of its old content."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
