"""Errors raised by the C2SP transparency-log formats.

The tree::

    TlogError                          base of everything raised here
    ├── MalformedError                 text that does not follow its format (``reason``)
    │   ├── MalformedKeyError          a verifier or signer key string
    │   ├── MalformedNoteError         a signed note ("malformed note", as Go says)
    │   ├── MalformedCheckpointError   a checkpoint body
    │   ├── MalformedProofError        a c2sp.org/tlog-proof@v1 document
    │   ├── MalformedReceiptError      an entry or range receipt (anchor-service/receipt/v1,
    │   │                              anchor-service/range-receipt/v1), or a missing proof
    │   ├── MalformedWitnessMessageError  a tlog-witness request or response body
    │   └── PolicyFileError            a tlog-policy file (``line``, 1-based, or None)
    ├── InvalidSignerError             a signer whose key name is not a valid name
    ├── UnknownKeyError                no known key has this name and ID (``name``, ``key_id``)
    └── VerificationError              well-formed input that does not check out
        ├── UnverifiedNoteError        no known key signed the note (``note``)
        ├── InvalidSignatureError      a known key's signature is wrong (``name``, ``key_id``)
        ├── AmbiguousKeyError          two known keys share name and ID (``name``, ``key_id``)
        ├── MismatchedVerifierError    a key lookup returned a key for another name or ID
        ├── PolicyNotSatisfiedError    a checkpoint misses the policy's log or quorum
        └── InclusionProofError        the Merkle proof does not lead to the checkpoint root
                                       (or a range receipt's path to its signed root)

The messages of the note errors are the Go reference's (golang.org/x/mod/sumdb/note)
word for word, so the reference's test vectors compare error text directly;
``reason`` carries the detail Go leaves out. No error ever carries a private key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .note import Note

__all__ = [
    "AmbiguousKeyError",
    "InclusionProofError",
    "InvalidSignatureError",
    "InvalidSignerError",
    "MalformedCheckpointError",
    "MalformedError",
    "MalformedKeyError",
    "MalformedNoteError",
    "MalformedProofError",
    "MalformedReceiptError",
    "MalformedWitnessMessageError",
    "MismatchedVerifierError",
    "PolicyFileError",
    "PolicyNotSatisfiedError",
    "TlogError",
    "UnknownKeyError",
    "UnverifiedNoteError",
    "VerificationError",
]


def _key(name: str, key_id: int) -> str:
    return f"{name}+{key_id:08x}"


class TlogError(Exception):
    """Base class of every error raised by ``anchor_service.tlog``."""


class MalformedError(TlogError):
    """Input text does not follow its format; ``reason`` says where."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MalformedKeyError(MalformedError):
    """A verifier key (``name+id+key``) or signer key (``PRIVATE+KEY+...``) is malformed.

    The message never repeats a signer key: it is a secret.
    """


class MalformedNoteError(MalformedError):
    """A signed note breaks the signed-note format; ``str()`` is Go's ``"malformed note"``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.args = ("malformed note",)


class MalformedCheckpointError(MalformedError):
    """A checkpoint body is not origin, size, root hash and non-empty extension lines."""


class MalformedProofError(MalformedError):
    """A tlog-proof document breaks the c2sp.org/tlog-proof@v1 format."""


class MalformedReceiptError(MalformedError):
    """A receipt is not the anchor-service/receipt/v1 or range-receipt/v1 format, or lacks
    the proof a range receipt needs."""


class MalformedWitnessMessageError(MalformedError):
    """A tlog-witness add-checkpoint request or response body is malformed."""


class PolicyFileError(MalformedError):
    """A tlog-policy file is invalid; ``line`` is the 1-based line number, or None for the file."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.line = line
        if line is not None:
            self.args = (f"line {line}: {reason}",)


class InvalidSignerError(TlogError):
    """A signer's key name is empty or holds spaces or ``+``; Go's ``"invalid signer"``."""

    def __init__(self, name: str) -> None:
        super().__init__("invalid signer")
        self.name = name


class UnknownKeyError(TlogError):
    """No known key has this name and key ID; the note keeps such signatures as unverified."""

    def __init__(self, name: str, key_id: int) -> None:
        super().__init__(f"unknown key {_key(name, key_id)}")
        self.name = name
        self.key_id = key_id


class VerificationError(TlogError):
    """Well-formed input that does not verify; see the subclasses for why."""


class UnverifiedNoteError(VerificationError):
    """The note parsed, but no known key signed it; ``note`` holds what was read."""

    def __init__(self, note: Note) -> None:
        super().__init__("note has no verifiable signatures")
        self.note = note


class InvalidSignatureError(VerificationError):
    """The signature of a known key does not verify: the whole note is rejected."""

    def __init__(self, name: str, key_id: int) -> None:
        super().__init__(f"invalid signature for key {_key(name, key_id)}")
        self.name = name
        self.key_id = key_id


class AmbiguousKeyError(VerificationError):
    """Several known keys share this name and key ID, so a signature cannot be attributed."""

    def __init__(self, name: str, key_id: int) -> None:
        super().__init__(f"ambiguous key {_key(name, key_id)}")
        self.name = name
        self.key_id = key_id


class MismatchedVerifierError(VerificationError):
    """A key lookup answered with a verifier for another name or key ID than asked."""

    def __init__(self, name: str, key_id: int) -> None:
        super().__init__("verifier name or hash doesn't match signature")
        self.name = name
        self.key_id = key_id


class PolicyNotSatisfiedError(VerificationError):
    """A checkpoint is not signed by a policy log, names another origin, or misses the quorum."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InclusionProofError(VerificationError):
    """The inclusion proof of entry ``index`` does not lead to the root of tree ``size``."""

    def __init__(self, reason: str, index: int, size: int) -> None:
        super().__init__(f"inclusion proof of index {index} in tree size {size}: {reason}")
        self.reason = reason
        self.index = index
        self.size = size
