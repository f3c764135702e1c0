"""Range receipts: one signed promise for a run of entries, proven per entry by a Merkle path.

A bulk request stores up to 10,000 entries; signing an entry receipt
(:mod:`.receipt`) for each costs ~40 µs of CPU apiece. A range receipt is a single
signed note by the log key for a run of ``count`` entries at the consecutive leaf
indices ``start .. start+count-1``, all received at the same time::

    example.com/log
    anchor-service/range-receipt/v1
    start 42
    count 3
    root 0k4gYvUTCm+0MF/3Az3fFRP6rJ2nWy7LwJCGjQ2VCQU=
    received 2026-12-04T23:10:00.123456Z
    merge-by 2026-12-04T23:11:00.123456Z

    — example.com/log Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRD...

``root`` is the RFC 9162 Merkle tree hash over the run's ``count`` leaf hashes in index
order (the leaf hashes are the log's own, ``SHA-256(0x00 || entry)``; interior nodes
``SHA-256(0x01 || left || right)``). The rest follows the entry receipt: the origin is
the log key's name, times are RFC 3339 UTC as :func:`.receipt.format_time` writes them,
numbers are decimal without leading zeroes, ``count >= 1`` and ``start + count <= 2**64``.
The second line is not a decimal, so no range receipt can pass for a checkpoint signed
by the same key, nor a checkpoint for a receipt; and it is not the entry receipt's
format line either. (It is a format of its own, not a "v2" of the entry receipt: the two
coexist, each the answer to its own kind of request.)

The receipt of one entry of the run is the range note plus a :class:`RangeProof`: the
entry's leaf index and the inclusion path of its leaf hash, at position
``index - start``, in the run's tree of ``count`` leaves. :func:`entry_receipt` checks
that path against the signed root and gives back the statement an entry receipt would
have made (:class:`.receipt.Receipt`: leaf ``index`` is ``leaf``, received then, merged
by then), so :func:`.promise.check_promise` judges both kinds alike.

Why consecutive indices: the group-commit writer gives the new entries of one request
the next indices in order, one request after another (``EntryRepository.append_group``),
so a request's new entries are one run; only entries replayed from earlier requests keep
their old indices (and received times), and form runs of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from anchor_service.merkle import VerificationError as MerkleVerificationError
from anchor_service.merkle import check_inclusion

from .encoding import decode_base64, encode_base64, parse_decimal
from .errors import InclusionProofError, MalformedReceiptError
from .keys import Signer
from .receipt import (
    Receipt,
    check_origin_and_times,
    format_time,
    note_fields,
    parse_time,
    sign_as_origin,
)

__all__ = [
    "RANGE_RECEIPT_FORMAT",
    "RangeProof",
    "RangeReceipt",
    "entry_receipt",
    "parse_range_receipt",
    "sign_range_receipt",
]

RANGE_RECEIPT_FORMAT = "anchor-service/range-receipt/v1"
"""Second line of every range receipt."""

_HASH_SIZE = 32
_KEYS = ("start", "count", "root", "received", "merge-by")


@dataclass(frozen=True, slots=True)
class RangeReceipt:
    """The log's statement that leaves ``start .. start+count-1`` have the tree ``root``.

    Requires a non-empty origin without control characters, ``count >= 1``,
    ``start + count <= 2**64``, a 32-byte root and aware times with
    ``received <= merge_by``; raises :class:`MalformedReceiptError` otherwise.
    """

    origin: str
    start: int
    count: int
    root: bytes
    received: datetime
    merge_by: datetime

    def __post_init__(self) -> None:
        check_origin_and_times(self.origin, self.received, self.merge_by)
        if self.count < 1 or self.start < 0 or self.start + self.count > 1 << 64:
            raise MalformedReceiptError(
                f"start {self.start}, count {self.count} is not a non-empty range of uint64"
            )
        if len(self.root) != _HASH_SIZE:
            raise MalformedReceiptError(f"root must be {_HASH_SIZE} bytes")

    @classmethod
    def promise(
        cls,
        origin: str,
        start: int,
        count: int,
        root: bytes,
        received: datetime,
        delay_seconds: float,
    ) -> RangeReceipt:
        """The receipt of a run received at ``received``, to merge within ``delay_seconds``."""
        merge_by = received + timedelta(seconds=delay_seconds)
        return cls(origin, start, count, root, received, merge_by)

    @property
    def text(self) -> str:
        """The note text to sign: one line per field, each newline-ended."""
        lines = [
            self.origin,
            RANGE_RECEIPT_FORMAT,
            f"start {self.start}",
            f"count {self.count}",
            f"root {encode_base64(self.root)}",
            f"received {format_time(self.received)}",
            f"merge-by {format_time(self.merge_by)}",
        ]
        return "".join(line + "\n" for line in lines)


@dataclass(frozen=True, slots=True)
class RangeProof:
    """One entry's place in a range receipt: its leaf ``index`` and inclusion ``path``."""

    index: int
    path: tuple[bytes, ...]


def parse_range_receipt(text: str) -> RangeReceipt:
    """Parse a range receipt's note text; raise :class:`MalformedReceiptError` naming the line."""
    origin, values = note_fields(text, RANGE_RECEIPT_FORMAT, _KEYS, "range receipt")
    start_text, count_text, root_text, received_text, merge_by_text = values
    try:
        start = parse_decimal(start_text)
        count = parse_decimal(count_text)
        root = decode_base64(root_text, canonical=True)
        received = parse_time(received_text)
        merge_by = parse_time(merge_by_text)
    except ValueError as exc:
        raise MalformedReceiptError(str(exc)) from exc
    return RangeReceipt(origin, start, count, root, received, merge_by)


def sign_range_receipt(receipt: RangeReceipt, signer: Signer) -> bytes:
    """The signed range receipt note; the signer's key name must be the receipt's origin."""
    return sign_as_origin(receipt.text, receipt.origin, signer)


def entry_receipt(receipt: RangeReceipt, leaf_hash: bytes, proof: RangeProof) -> Receipt:
    """What ``receipt`` promises about leaf ``proof.index``, once ``proof.path`` checks out.

    The path must lead from ``leaf_hash`` at position ``proof.index - receipt.start`` to
    the signed root of the run's ``receipt.count`` leaves. Raises
    :class:`InclusionProofError` when the index is outside the run or the path leads
    elsewhere, :class:`MalformedReceiptError` for a leaf hash that is not 32 bytes. Does
    not check the note's signature: the caller opened the note with the log key.
    """
    if len(leaf_hash) != _HASH_SIZE:
        raise MalformedReceiptError(f"leaf hash must be {_HASH_SIZE} bytes")
    position = proof.index - receipt.start
    if not 0 <= position < receipt.count:
        raise InclusionProofError(
            f"leaf index {proof.index} is outside the range receipt's "
            f"{receipt.start}..{receipt.start + receipt.count - 1}",
            position,
            receipt.count,
        )
    try:
        check_inclusion(position, receipt.count, leaf_hash, _hashes(proof.path), receipt.root)
    except MerkleVerificationError as exc:
        raise InclusionProofError(
            f"leaf {proof.index} is not in the range receipt: {exc}", position, receipt.count
        ) from exc
    return Receipt(receipt.origin, proof.index, leaf_hash, receipt.received, receipt.merge_by)


def _hashes(path: Sequence[bytes]) -> list[bytes]:
    return [bytes(item) for item in path]
