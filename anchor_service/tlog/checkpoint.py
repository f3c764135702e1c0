"""Checkpoint bodies (c2sp.org/tlog-checkpoint): the note text a log signs for a tree head.

::

    example.com/behind-the-sofa
    20852163
    CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

Three or more non-empty lines, each ending in a newline: the **origin** (the
log's identity), the **tree size** (ASCII decimal, no leading zeroes), the
**root hash** (base64 of the 32-byte RFC 6962 / RFC 9162 root), then optional
opaque **extension lines**. The body carries no signature: signing and
verifying it is the job of ``note`` (log key) and ``cosignature`` (witnesses).
"""

from __future__ import annotations

from dataclasses import dataclass

from .encoding import decode_base64, encode_base64, parse_decimal
from .errors import MalformedCheckpointError

__all__ = ["Checkpoint", "parse_checkpoint"]

_HASH_SIZE = 32


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A log's tree head: ``origin``, ``size`` leaves, ``root_hash``, and extension lines.

    Requires a non-empty origin, ``0 <= size < 2**64``, a 32-byte root and
    non-empty extension lines, none holding a newline or another control
    character; raises :class:`MalformedCheckpointError` otherwise.
    """

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for label, line in (("origin", self.origin), *(("extension", e) for e in self.extensions)):
            if not line or any(char < " " for char in line):
                raise MalformedCheckpointError(f"{label} line must be non-empty text: {line!r}")
        if not 0 <= self.size < 1 << 64:
            raise MalformedCheckpointError(f"tree size {self.size} is not a uint64")
        if len(self.root_hash) != _HASH_SIZE:
            raise MalformedCheckpointError(f"root hash must be {_HASH_SIZE} bytes")

    @property
    def text(self) -> str:
        """The checkpoint body, the note text to sign: one line per field, each newline-ended."""
        lines = [self.origin, str(self.size), encode_base64(self.root_hash), *self.extensions]
        return "".join(line + "\n" for line in lines)


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint body (a note's text, final newline included).

    Raises :class:`MalformedCheckpointError` naming the line at fault.
    """
    if not text.endswith("\n"):
        raise MalformedCheckpointError("the checkpoint must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise MalformedCheckpointError(f"a checkpoint has at least 3 lines, got {len(lines)}")
    origin, size_text, root_text, *extensions = lines
    try:
        size = parse_decimal(size_text)
    except ValueError as exc:
        raise MalformedCheckpointError(f"line 2, tree size: {exc}") from exc
    try:
        root_hash = decode_base64(root_text)
    except ValueError as exc:
        raise MalformedCheckpointError(f"line 3, root hash: {exc}") from exc
    return Checkpoint(origin, size, root_hash, tuple(extensions))
