"""The bodies of the tlog-witness ``add-checkpoint`` call (c2sp.org/tlog-witness), no HTTP.

A log asks a witness to cosign a new checkpoint with ``POST <prefix>/add-checkpoint``::

    old 20852014
    PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=        consistency proof, 0 to 63 lines
    jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=

    example.com/behind-the-sofa                         the signed checkpoint
    20852163
    CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

    — example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRD...

and the witness answers with one or more note signature lines, its
cosignatures, which the log appends to the checkpoint. Transport and status
codes belong to the caller; this module only builds and checks the bodies.
"""

from __future__ import annotations

from dataclasses import dataclass

from .encoding import decode_base64, encode_base64, parse_decimal
from .errors import MalformedWitnessMessageError

__all__ = [
    "MAX_PROOF_LINES",
    "AddCheckpointRequest",
    "add_cosignatures",
    "parse_add_checkpoint",
    "parse_cosignature_lines",
]

MAX_PROOF_LINES = 63
"""Most consistency proof lines a request may carry."""

_PREFIX = "— ".encode()


@dataclass(frozen=True, slots=True)
class AddCheckpointRequest:
    """An add-checkpoint request: the witness's last size, a consistency proof, the checkpoint.

    Requires ``0 <= old_size < 2**64``, at most 63 hashes of 32 bytes (none
    when ``old_size`` is 0) and a signed checkpoint note ending in a newline.
    """

    old_size: int
    proof: tuple[bytes, ...]
    checkpoint: bytes

    def __post_init__(self) -> None:
        if not 0 <= self.old_size < 1 << 64:
            raise MalformedWitnessMessageError(f"old size {self.old_size} is not a uint64")
        if len(self.proof) > MAX_PROOF_LINES:
            raise MalformedWitnessMessageError(f"more than {MAX_PROOF_LINES} proof lines")
        if self.old_size == 0 and self.proof:
            raise MalformedWitnessMessageError("the proof must be empty when the old size is 0")
        if any(len(item) != 32 for item in self.proof):
            raise MalformedWitnessMessageError("every proof hash must be 32 bytes")
        if not self.checkpoint.endswith(b"\n"):
            raise MalformedWitnessMessageError("the checkpoint must end with a newline")

    @property
    def body(self) -> bytes:
        """The request body."""
        lines = [f"old {self.old_size}", *(encode_base64(item) for item in self.proof), ""]
        return "".join(line + "\n" for line in lines).encode() + self.checkpoint


def parse_add_checkpoint(body: bytes) -> AddCheckpointRequest:
    """Parse an add-checkpoint request body; raise :class:`MalformedWitnessMessageError`.

    The checkpoint is returned as sent, for the caller to open with its log keys.
    """
    head, blank, checkpoint = body.partition(b"\n\n")
    if not blank:
        raise MalformedWitnessMessageError("no empty line before the checkpoint")
    try:
        first, *hashes = head.decode("ascii").split("\n")
    except UnicodeDecodeError as exc:
        raise MalformedWitnessMessageError("the lines before the checkpoint are not ASCII") from exc
    keyword, space, size_text = first.partition(" ")
    try:
        if keyword != "old" or not space:
            raise ValueError("the first line is not 'old <size>'")
        old_size = parse_decimal(size_text)
        proof = tuple(decode_base64(line, canonical=True) for line in hashes)
    except ValueError as exc:
        raise MalformedWitnessMessageError(str(exc)) from exc
    return AddCheckpointRequest(old_size, proof, checkpoint)


def parse_cosignature_lines(response: bytes) -> list[bytes]:
    """Split a witness response into its signature lines (each keeps its newline).

    Requires one or more lines, each starting with the em dash and a space
    and ending with a newline. The signatures are checked when the lines are
    appended to the checkpoint and the note is opened with the witness keys.
    """
    if not response.endswith(b"\n"):
        raise MalformedWitnessMessageError("the response must end with a newline")
    lines = [line + b"\n" for line in response[:-1].split(b"\n")]
    for number, line in enumerate(lines, start=1):
        if not line.startswith(_PREFIX):
            raise MalformedWitnessMessageError(f"response line {number} is not a signature line")
    return lines


def add_cosignatures(checkpoint: bytes, response: bytes) -> bytes:
    """Return the signed ``checkpoint`` note with the witness ``response`` lines appended."""
    if not checkpoint.endswith(b"\n"):
        raise MalformedWitnessMessageError("the checkpoint must end with a newline")
    return checkpoint + b"".join(parse_cosignature_lines(response))
