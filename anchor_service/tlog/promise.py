"""Whether a log kept a receipt's promise: confront the receipt with a later checkpoint.

:func:`check_promise` takes a verified receipt (``receipt``), a verified checkpoint of
the same log, and the leaf hash the tree holds at the receipt's index with its
inclusion proof (from a tlog-proof, the API, or hash tiles). The same leaf means the
promise holds in that tree and, the log being append-only, in every later one.
Another leaf proven at that index is **evidence** of a broken promise: two statements
signed by the same log key that contradict each other (:class:`PromiseBroken`).

Whether the checkpoint existed by ``merge-by`` cannot be read from a checkpoint body:
the caller passes a time the checkpoint is known to have existed at. The earliest
cosignature timestamp of a policy witness (signed by a third party) proves it; the
log's own record of when it signed is only the log's word.

A range receipt (:mod:`.range_receipt`) opened with one entry's proof is judged the
same way, for that entry; its evidence also carries the receipt's path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from anchor_service.merkle import VerificationError as MerkleVerificationError
from anchor_service.merkle import check_inclusion

from .checkpoint import Checkpoint
from .errors import InclusionProofError, PolicyNotSatisfiedError
from .range_receipt import RangeProof
from .receipt import Receipt, VerifiedReceipt

__all__ = ["PromiseBroken", "PromiseCheck", "PromiseStatus", "check_promise"]


class PromiseStatus(StrEnum):
    """What a checkpoint and an inclusion proof tell about a receipt's promise."""

    KEPT = "kept"
    """The leaf is at the index in a checkpoint known to exist by merge-by."""
    INCLUDED = "included"
    """The leaf is at the index, in a checkpoint not shown to exist by merge-by."""
    NOT_YET = "not-yet"
    """The checkpoint is too small to hold the index: nothing proven either way."""
    BROKEN = "broken"
    """Another leaf is proven at the index: evidence, see :class:`PromiseBroken`."""


@dataclass(frozen=True, slots=True)
class PromiseBroken:
    """Evidence: the same log signed the receipt and a checkpoint with another leaf there.

    ``receipt_proof`` is set for a range receipt: the path that puts ``promised_leaf``
    at ``index`` under the receipt's signed root.
    """

    index: int
    promised_leaf: bytes
    proven_leaf: bytes
    receipt: bytes
    checkpoint: bytes
    proof: tuple[bytes, ...]
    receipt_proof: RangeProof | None = None


@dataclass(frozen=True, slots=True)
class PromiseCheck:
    """The outcome of :func:`check_promise`.

    ``existed_by`` is the time the checkpoint is known to have existed at (as given),
    ``overdue`` whether the checkpoint does not hold the index and ``now`` is past
    merge-by; ``evidence`` is set exactly when the status is ``BROKEN``.
    """

    status: PromiseStatus
    receipt: Receipt
    checkpoint: Checkpoint
    existed_by: datetime | None = None
    overdue: bool = False
    evidence: PromiseBroken | None = None


def check_promise(
    receipt: VerifiedReceipt,
    checkpoint: Checkpoint,
    signed_checkpoint: bytes,
    leaf_hash: bytes,
    proof: Sequence[bytes],
    *,
    existed_by: datetime | None = None,
    now: datetime | None = None,
) -> PromiseCheck:
    """Confront a verified receipt with a verified checkpoint and the leaf proven at its index.

    ``checkpoint`` must come from ``signed_checkpoint`` already verified (for example by
    ``trust.verify_checkpoint``); ``leaf_hash`` and ``proof`` are the leaf the log's tree
    holds at ``receipt.index`` and its inclusion proof. Raises
    :class:`PolicyNotSatisfiedError` when the origins differ and
    :class:`InclusionProofError` when the proof does not lead to the root (then nothing
    is proven). ``existed_by`` (aware) is when the checkpoint is known to have existed.
    """
    promised = receipt.receipt
    if checkpoint.origin != promised.origin:
        raise PolicyNotSatisfiedError(
            f"checkpoint origin {checkpoint.origin!r} is not the receipt's {promised.origin!r}"
        )
    if checkpoint.size <= promised.index:
        overdue = now is not None and now > promised.merge_by
        return PromiseCheck(
            PromiseStatus.NOT_YET, promised, checkpoint, existed_by, overdue=overdue
        )
    try:
        check_inclusion(promised.index, checkpoint.size, leaf_hash, proof, checkpoint.root_hash)
    except MerkleVerificationError as exc:
        raise InclusionProofError(str(exc), promised.index, checkpoint.size) from exc
    if leaf_hash != promised.leaf_hash:
        evidence = PromiseBroken(
            promised.index,
            promised.leaf_hash,
            leaf_hash,
            receipt.signed,
            signed_checkpoint,
            tuple(proof),
            receipt.proof,
        )
        return PromiseCheck(
            PromiseStatus.BROKEN, promised, checkpoint, existed_by, evidence=evidence
        )
    on_time = existed_by is not None and existed_by <= promised.merge_by
    status = PromiseStatus.KEPT if on_time else PromiseStatus.INCLUDED
    return PromiseCheck(status, promised, checkpoint, existed_by)
