"""The witness itself: checks an add-checkpoint request and cosigns it (c2sp.org/tlog-witness).

:meth:`Witness.add_checkpoint` takes a request body and returns an :class:`Answer`
(status, body, content type); the HTTP layer (``server``) only carries it. The checks
run in the specification's order:

=====  ==================================================================================
400    the body is malformed (old size line, proof lines, blank line, checkpoint note),
       or the old size is above the checkpoint size
404    the checkpoint's origin is not the name of a log key in the policy
403    no signature by a trusted key of that origin verifies (or one of them fails)
409    the old size is not the size of the latest checkpoint cosigned for the origin
       (body: that size, ``text/x.tlog.size``); or the old size equals the checkpoint
       size but the roots differ; or (with a registry) the checkpoint conflicts with a
       head anchored on chain (see ``anchored``); the body is then the stored size, the
       one the request named, so a client can tell it from a stale size
422    the consistency proof from the stored checkpoint does not verify
503    with a registry: the chain cannot be read (nothing is cosigned unchecked)
200    the checkpoint is stored (compare-and-swap) and cosigned: one ``cosignature/v1``
       signature line
=====  ==================================================================================

A 409 for a root conflict, a 422 and a chain conflict are kept in the state's refusals
table (the specification allows logging them: they may prove the log misbehaved) and
logged at error level.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections import Counter
from dataclasses import dataclass, field

from anchor_service import merkle
from anchor_service.tlog import (
    AddCheckpointRequest,
    Checkpoint,
    CosignatureSigner,
    MalformedError,
    MalformedNoteError,
    Policy,
    Signature,
    UnverifiedNoteError,
    VerificationError,
    VerifierList,
    open_note,
    parse_add_checkpoint,
    parse_checkpoint,
)
from anchor_service.witness.anchored import AnchoredReader, anchored_conflict
from anchor_service.witness.errors import AnchoredHeadUnavailableError
from anchor_service.witness.state import Refusal, StoredCheckpoint, WitnessState

__all__ = ["SIZE_CONTENT_TYPE", "Answer", "Witness", "cosignature_line"]

logger = logging.getLogger(__name__)

SIZE_CONTENT_TYPE = "text/x.tlog.size"
"""Content type of a 409 answer: the witness's size in decimal and a newline."""

_TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Answer:
    """The witness's answer to one request: HTTP status, body and content type."""

    status: int
    body: bytes
    content_type: str = _TEXT
    reason: str = ""

    @classmethod
    def error(cls, status: int, reason: str) -> Answer:
        return cls(status, reason.encode() + b"\n", _TEXT, reason)

    @classmethod
    def size(cls, size: int, reason: str) -> Answer:
        return cls(409, b"%d\n" % size, SIZE_CONTENT_TYPE, reason)


@dataclass
class Witness:
    """A witness signing with ``signer``, trusting the logs of ``policy``, keeping ``state``.

    With ``anchored`` (a reader of the registry), checkpoints conflicting with a head
    anchored on chain are refused too. ``answers`` counts the answers given by status,
    ``refused`` the refusals kept as evidence by kind: ``fork`` (same size, another
    root), ``bad-proof``, ``chain-conflict``.
    """

    signer: CosignatureSigner
    policy: Policy
    state: WitnessState
    anchored: AnchoredReader | None = None
    answers: Counter[int] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add_checkpoint(self, body: bytes) -> Answer:
        """Check the add-checkpoint request ``body``; cosign and store it, or say why not."""
        answer = self._add_checkpoint(body)
        with self._lock:  # requests run in worker threads
            self.answers[answer.status] += 1
        if answer.status != 200:
            logger.info("add-checkpoint refused (%d): %s", answer.status, answer.reason)
        return answer

    def _add_checkpoint(self, body: bytes) -> Answer:
        try:
            request = parse_add_checkpoint(body)
            checkpoint = _checkpoint_body(request.checkpoint)
        except MalformedError as exc:
            return Answer.error(400, f"malformed request: {exc.reason}")
        known = [log.verifier for log in self.policy.logs if log.verifier.name == checkpoint.origin]
        if not known:
            return Answer.error(404, f"unknown log origin {checkpoint.origin!r}")
        try:
            open_note(request.checkpoint, VerifierList(*known))
        except UnverifiedNoteError:
            return Answer.error(403, "no signature by a trusted key of the log")
        except VerificationError as exc:
            return Answer.error(403, f"the log's signature does not verify: {exc}")
        except MalformedError as exc:
            return Answer.error(400, f"malformed checkpoint note: {exc.reason}")
        if request.old_size > checkpoint.size:
            return Answer.error(
                400, f"old size {request.old_size} is above the checkpoint size {checkpoint.size}"
            )
        return self._check_and_store(request, checkpoint, body)

    def _check_and_store(
        self, request: AddCheckpointRequest, checkpoint: Checkpoint, body: bytes
    ) -> Answer:
        stored = self.state.latest(checkpoint.origin)
        stored_size = 0 if stored is None else stored.size
        if request.old_size != stored_size:
            return Answer.size(
                stored_size, f"old size {request.old_size}, but the witness is at {stored_size}"
            )
        if stored is not None:
            refusal = _inconsistency(stored, request, checkpoint)
            if refusal is not None:
                reason, size = refusal
                kind = "fork" if size is not None else "bad-proof"
                return self._refuse(checkpoint, body, kind, reason, size=size)
        if self.anchored is not None:
            try:
                view = self.anchored(checkpoint.size)
            except AnchoredHeadUnavailableError as exc:
                logger.error("add-checkpoint: %s; nothing is cosigned", exc.detail)
                return Answer.error(503, exc.detail)
            conflict = anchored_conflict(view, checkpoint.size, checkpoint.root_hash)
            if conflict is not None:
                reason = f"chain conflict: {conflict}"
                return self._refuse(checkpoint, body, "chain-conflict", reason, size=stored_size)
        new = StoredCheckpoint(checkpoint.size, checkpoint.root_hash)
        if stored != new and not self.state.advance(
            checkpoint.origin, stored, new, request.checkpoint
        ):
            latest = self.state.latest(checkpoint.origin)
            size = 0 if latest is None else latest.size
            return Answer.size(size, f"the witness moved to {size} meanwhile")
        return Answer(200, cosignature_line(self.signer, request.checkpoint).encode(), _TEXT)

    def _refuse(
        self, checkpoint: Checkpoint, body: bytes, kind: str, reason: str, *, size: int | None
    ) -> Answer:
        """Keep and log a refusal that may prove log misbehaviour: 409 with ``size``, or 422."""
        logger.error("refused a checkpoint of %s: %s", checkpoint.origin, reason)
        with self._lock:
            self.refused[kind] += 1
        self.state.record_refusal(
            Refusal(checkpoint.origin, checkpoint.size, checkpoint.root_hash, reason, body)
        )
        if size is None:
            return Answer.error(422, reason)
        return Answer.size(size, reason)


def _inconsistency(
    stored: StoredCheckpoint, request: AddCheckpointRequest, checkpoint: Checkpoint
) -> tuple[str, int | None] | None:
    """Why ``checkpoint`` does not extend ``stored`` (and the 409 size, or None for 422)."""
    if stored.size == checkpoint.size:
        if stored.root != checkpoint.root_hash:
            return f"tree size {stored.size} was cosigned with another root", stored.size
        return None
    if stored.size == 0:  # the empty tree is a prefix of every tree: no proof to check
        return None
    if merkle.verify_consistency(
        stored.size, checkpoint.size, request.proof, stored.root, checkpoint.root_hash
    ):
        return None
    return f"the consistency proof from tree size {stored.size} does not verify", None


def cosignature_line(signer: CosignatureSigner, note: bytes) -> str:
    """The signature line cosigning the checkpoint of the signed ``note`` (its text)."""
    text = note[: note.rindex(b"\n\n") + 1]
    raw = signer.key_id.to_bytes(4, "big") + signer.sign(text)
    return Signature(signer.name, signer.key_id, base64.b64encode(raw).decode()).line


def _checkpoint_body(note: bytes) -> Checkpoint:
    """The checkpoint in a signed note's text (up to its last blank line), not verified."""
    text, blank, _ = note.rpartition(b"\n\n")
    if not blank:
        raise MalformedNoteError("no blank line before the signatures")
    try:
        return parse_checkpoint(text.decode("utf-8") + "\n")
    except UnicodeDecodeError as exc:
        raise MalformedNoteError("not valid UTF-8") from exc
