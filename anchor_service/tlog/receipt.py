"""Entry receipts: the log's signed promise to merge an entry by a deadline.

A receipt is a signed note (c2sp.org/signed-note) by the log key, whose text is::

    example.com/log
    anchor-service/receipt/v1
    index 42
    leaf LXEWQrcmsEQBYnyp+6wy9chTD7GQPMTbAiWHF5IaSIE=
    received 2026-12-04T23:10:00.123456Z
    merge-by 2026-12-04T23:11:00.123456Z

    — example.com/log Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRD...

Line by line: the log's **origin** (the log key's name, as in its checkpoints), the
format line, the **leaf index** (decimal, no leading zeroes), the **leaf hash**
(RFC 9162 ``SHA-256(0x00 || entry)``, canonical padded base64 of 32 bytes), the time
the log **received** the entry and the time by which it promises that entry to be in a
signed checkpoint (**merge-by**): RFC 3339 in UTC with ``Z``, fractional seconds (1 to
6 digits, no trailing zero) only when non-zero. The second line is not a decimal, so a
receipt can never be read as a checkpoint signed by the same key, and no checkpoint as
a receipt.

What a receipt proves, with the log's verifier key: the log said leaf ``index`` is
``leaf``, received then, to be merged by then. ``promise`` checks that against a
later checkpoint.

:func:`open_receipt` and :func:`verify_receipt` also take a **range receipt**
(:mod:`.range_receipt`, one note for a bulk request's run of entries) with the entry's
leaf hash and :class:`~.range_receipt.RangeProof`: the path is checked against the
signed root, and the verified receipt says the same as an entry receipt would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from .encoding import decode_base64, encode_base64, parse_decimal
from .errors import (
    MalformedReceiptError,
    PolicyNotSatisfiedError,
    UnverifiedNoteError,
)
from .keys import Signer, Verifier
from .note import Note, VerifierList, open_note, sign_note
from .policy import Policy

if TYPE_CHECKING:
    from .range_receipt import RangeProof

__all__ = [
    "RECEIPT_FORMAT",
    "Receipt",
    "VerifiedReceipt",
    "format_time",
    "open_receipt",
    "parse_receipt",
    "parse_time",
    "sign_receipt",
    "verify_receipt",
]

RECEIPT_FORMAT = "anchor-service/receipt/v1"
"""Second line of every receipt."""

_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z")
_HASH_SIZE = 32


def format_time(moment: datetime) -> str:
    """``moment`` (aware) as RFC 3339 UTC with ``Z``; fractional seconds only when non-zero."""
    if moment.tzinfo is None:
        raise ValueError("a receipt time must be timezone-aware")
    utc = moment.astimezone(UTC)
    text = (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
        f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
    )
    if utc.microsecond:
        text += "." + f"{utc.microsecond:06d}".rstrip("0")
    return text + "Z"


def parse_time(text: str) -> datetime:
    """Parse a time as :func:`format_time` writes it (and only so); raise ``ValueError``."""
    if not _TIME.fullmatch(text):
        raise ValueError(f"{text!r} is not an RFC 3339 UTC time ending in Z")
    moment = datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
    if format_time(moment) != text:
        raise ValueError(f"{text!r} is not canonical (trailing zeroes in the fraction)")
    return moment


@dataclass(frozen=True, slots=True)
class Receipt:
    """The log's statement that ``leaf_hash`` is entry ``index``, merged by ``merge_by``.

    Requires a non-empty origin without control characters, ``0 <= index < 2**64``,
    a 32-byte leaf hash and aware times with ``received <= merge_by``; raises
    :class:`MalformedReceiptError` otherwise.
    """

    origin: str
    index: int
    leaf_hash: bytes
    received: datetime
    merge_by: datetime

    def __post_init__(self) -> None:
        check_origin_and_times(self.origin, self.received, self.merge_by)
        if not 0 <= self.index < 1 << 64:
            raise MalformedReceiptError(f"index {self.index} is not a uint64")
        if len(self.leaf_hash) != _HASH_SIZE:
            raise MalformedReceiptError(f"leaf hash must be {_HASH_SIZE} bytes")

    @classmethod
    def promise(
        cls, origin: str, index: int, leaf_hash: bytes, received: datetime, delay_seconds: float
    ) -> Receipt:
        """The receipt of an entry received at ``received``, to merge within ``delay_seconds``."""
        merge_by = received + timedelta(seconds=delay_seconds)
        return cls(origin, index, leaf_hash, received, merge_by)

    @property
    def text(self) -> str:
        """The note text to sign: one line per field, each newline-ended."""
        lines = [
            self.origin,
            RECEIPT_FORMAT,
            f"index {self.index}",
            f"leaf {encode_base64(self.leaf_hash)}",
            f"received {format_time(self.received)}",
            f"merge-by {format_time(self.merge_by)}",
        ]
        return "".join(line + "\n" for line in lines)


def check_origin_and_times(origin: str, received: datetime, merge_by: datetime) -> None:
    """What every receipt's origin and times must be; :class:`MalformedReceiptError` if not."""
    if not origin or any(char < " " for char in origin):
        raise MalformedReceiptError(f"origin must be non-empty text: {origin!r}")
    if received.tzinfo is None or merge_by.tzinfo is None:
        raise MalformedReceiptError("receipt times must be timezone-aware")
    if merge_by < received:
        raise MalformedReceiptError("merge-by is before received")


def parse_receipt(text: str) -> Receipt:
    """Parse a receipt's note text; raise :class:`MalformedReceiptError` naming the line."""
    origin, values = note_fields(text, RECEIPT_FORMAT, ("index", "leaf", "received", "merge-by"))
    index_text, leaf_text, received_text, merge_by_text = values
    try:
        index = parse_decimal(index_text)
        leaf = decode_base64(leaf_text, canonical=True)
        received = parse_time(received_text)
        merge_by = parse_time(merge_by_text)
    except ValueError as exc:
        raise MalformedReceiptError(str(exc)) from exc
    return Receipt(origin, index, leaf, received, merge_by)


def note_fields(
    text: str, header: str, keys: tuple[str, ...], kind: str = "receipt"
) -> tuple[str, list[str]]:
    """The origin and the ``key value`` lines' values of a ``kind`` note's text whose
    second line is ``header``; :class:`MalformedReceiptError` naming the line if not."""
    if not text.endswith("\n"):
        raise MalformedReceiptError("the receipt must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) != 2 + len(keys):
        raise MalformedReceiptError(
            f"a {header} receipt has {2 + len(keys)} lines, got {len(lines)}"
        )
    origin, second, *fields = lines
    if second != header:
        raise MalformedReceiptError(f"line 2 is not {header!r}")
    values = []
    for number, (line, key) in enumerate(zip(fields, keys, strict=True), start=3):
        if not line.startswith(key + " "):
            raise MalformedReceiptError(f"line {number} is not '{key} <value>'")
        values.append(line.removeprefix(key + " "))
    return origin, values


def sign_as_origin(text: str, origin: str, signer: Signer) -> bytes:
    """The signed note of a receipt's ``text``; the signer's key name must be ``origin``."""
    if signer.name != origin:
        raise MalformedReceiptError(
            f"the log key is named {signer.name!r}, not the receipt origin {origin!r}"
        )
    return sign_note(text, signer)


def sign_receipt(receipt: Receipt, signer: Signer) -> bytes:
    """The signed receipt note; the signer's key name must be the receipt's origin."""
    return sign_as_origin(receipt.text, receipt.origin, signer)


@dataclass(frozen=True, slots=True)
class VerifiedReceipt:
    """A receipt whose signature by the log key named ``receipt.origin`` verified.

    ``signed`` is the note as given: an entry receipt, or a range receipt whose
    ``proof`` (then set) placed leaf ``receipt.index`` under its signed root.
    """

    receipt: Receipt
    note: Note
    signed: bytes
    proof: RangeProof | None = None


def open_receipt(
    signed: bytes,
    log: Verifier,
    *,
    leaf_hash: bytes | None = None,
    proof: RangeProof | None = None,
) -> VerifiedReceipt:
    """Verify the receipt note ``signed`` with the log's key; parse it.

    An entry receipt takes neither ``leaf_hash`` nor ``proof``; a range receipt needs
    both (the entry's leaf hash and its place in the range), and its path must lead to
    the signed root (:func:`~.range_receipt.entry_receipt`). Raises the note's errors
    (:class:`UnverifiedNoteError` when the log did not sign it,
    :class:`InvalidSignatureError`, :class:`MalformedNoteError`),
    :class:`MalformedReceiptError` (also for a missing or unexpected proof),
    :class:`InclusionProofError` for a path that does not lead to the root, and
    :class:`PolicyNotSatisfiedError` when the origin is not the log key's name.
    """
    from .range_receipt import RANGE_RECEIPT_FORMAT, entry_receipt, parse_range_receipt

    note = open_note(signed, VerifierList(log))
    if note.text.split("\n", 2)[1:2] == [RANGE_RECEIPT_FORMAT]:
        if leaf_hash is None or proof is None:
            raise MalformedReceiptError(
                "a range receipt needs the entry's leaf hash and receipt proof (index, path)"
            )
        ranged = parse_range_receipt(note.text)
        _check_origin(ranged.origin, log)
        return VerifiedReceipt(entry_receipt(ranged, leaf_hash, proof), note, signed, proof)
    if proof is not None:
        raise MalformedReceiptError("an entry receipt takes no receipt proof")
    receipt = parse_receipt(note.text)
    _check_origin(receipt.origin, log)
    return VerifiedReceipt(receipt, note, signed)


def verify_receipt(
    policy: Policy,
    signed: bytes,
    *,
    leaf_hash: bytes | None = None,
    proof: RangeProof | None = None,
) -> VerifiedReceipt:
    """Verify a receipt signed by one of ``policy``'s logs (named as its origin).

    A range receipt needs the entry's ``leaf_hash`` and ``proof``, as for
    :func:`open_receipt`.
    """
    for log in policy.logs:
        try:
            return open_receipt(signed, log.verifier, leaf_hash=leaf_hash, proof=proof)
        except UnverifiedNoteError:
            continue
    raise PolicyNotSatisfiedError("the receipt is not signed by any log in the policy")


def _check_origin(origin: str, log: Verifier) -> None:
    if origin != log.name:
        raise PolicyNotSatisfiedError(
            f"receipt origin {origin!r} is not the name of the log key {log.name!r}"
        )
