"""Transparency log proofs (c2sp.org/tlog-proof@v1): an entry's offline-verifiable receipt.

::

    c2sp.org/tlog-proof@v1
    extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6       optional, unauthenticated
    index 73894
    gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=       inclusion proof, leaf to root
    B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=

    example.com/fancylog                               the signed checkpoint, verbatim
    109482
    sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=

    — example.com/fancylog hI2DJw...

A proof verifies when its checkpoint satisfies a trust policy (``trust``)
and the inclusion proof leads from the entry's leaf hash at ``index`` to the
checkpoint's root (``anchor_service.merkle``). The ``extra`` data is not
authenticated: an application may use it only to rebuild what it then verifies.
Base64 is read canonically, as transparency-dev/formats reads it (``Strict``).
"""

from __future__ import annotations

from dataclasses import dataclass

from anchor_service.merkle import VerificationError, check_inclusion

from .encoding import decode_base64, encode_base64, parse_decimal
from .errors import InclusionProofError, MalformedProofError
from .policy import Policy
from .trust import VerifiedCheckpoint, verify_checkpoint

__all__ = ["PROOF_HEADER", "TlogProof", "parse_proof", "verify_proof"]

PROOF_HEADER = "c2sp.org/tlog-proof@v1"
"""First line of every proof."""

_HASH_SIZE = 32


@dataclass(frozen=True, slots=True)
class TlogProof:
    """Entry ``index``, its inclusion proof ``hashes``, the signed ``checkpoint`` and ``extra``.

    ``extra`` is ``None`` when the proof has no extra line (``b""`` is an empty
    one). Requires ``0 <= index < 2**64``, 32-byte hashes and a checkpoint
    ending in a newline; raises :class:`MalformedProofError` otherwise.
    """

    index: int
    hashes: tuple[bytes, ...]
    checkpoint: bytes
    extra: bytes | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.index < 1 << 64:
            raise MalformedProofError(f"index {self.index} is not a uint64")
        if any(len(item) != _HASH_SIZE for item in self.hashes):
            raise MalformedProofError(f"every proof hash must be {_HASH_SIZE} bytes")
        if not self.checkpoint.endswith(b"\n"):
            raise MalformedProofError("the checkpoint must end with a newline")

    @property
    def text(self) -> bytes:
        """The proof document (bytes: the checkpoint is kept byte for byte)."""
        lines = [PROOF_HEADER]
        if self.extra is not None:
            lines.append(f"extra {encode_base64(self.extra)}")
        lines.append(f"index {self.index}")
        lines += [encode_base64(item) for item in self.hashes]
        return "".join(line + "\n" for line in lines).encode() + b"\n" + self.checkpoint


def parse_proof(data: bytes) -> TlogProof:
    """Parse a proof document; raise :class:`MalformedProofError` naming the line at fault.

    The checkpoint is everything after the first empty line, unchanged.
    """
    head, blank, checkpoint = data.partition(b"\n\n")
    if not blank:
        raise MalformedProofError("no empty line before the checkpoint")
    try:
        lines = head.decode("ascii").split("\n")
    except UnicodeDecodeError as exc:
        raise MalformedProofError("the lines before the checkpoint are not ASCII") from exc
    if lines[0] != PROOF_HEADER:
        raise MalformedProofError(f"line 1 is not {PROOF_HEADER!r}")
    number = 2
    extra = None
    if len(lines) > 1 and lines[1].startswith("extra "):
        extra = _field(lines[1].removeprefix("extra "), number, "extra data")
        number += 1
    if len(lines) < number or not lines[number - 1].startswith("index "):
        raise MalformedProofError(f"line {number} is not 'index <decimal>'")
    try:
        index = parse_decimal(lines[number - 1].removeprefix("index "))
    except ValueError as exc:
        raise MalformedProofError(f"line {number}, index: {exc}") from exc
    hashes = []
    for position, line in enumerate(lines[number:], start=number + 1):
        item = _field(line, position, "proof hash")
        if len(item) != _HASH_SIZE:
            raise MalformedProofError(f"line {position}: a proof hash is {_HASH_SIZE} bytes")
        hashes.append(item)
    return TlogProof(index, tuple(hashes), checkpoint, extra)


def _field(text: str, number: int, what: str) -> bytes:
    try:
        return decode_base64(text, canonical=True)
    except ValueError as exc:
        raise MalformedProofError(f"line {number}, {what}: {exc}") from exc


def verify_proof(proof: TlogProof, leaf_hash: bytes, policy: Policy) -> VerifiedCheckpoint:
    """Check that ``leaf_hash`` is entry ``proof.index`` of a checkpoint that ``policy`` trusts.

    Raises the checkpoint's errors (see ``trust.verify_checkpoint``), then
    :class:`InclusionProofError` if the proof does not lead to the checkpoint's root.
    """
    verified = verify_checkpoint(policy, proof.checkpoint)
    size = verified.checkpoint.size
    try:
        check_inclusion(proof.index, size, leaf_hash, proof.hashes, verified.checkpoint.root_hash)
    except VerificationError as exc:
        raise InclusionProofError(str(exc), proof.index, size) from exc
    return verified
