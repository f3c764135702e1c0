"""Asking the policy's witnesses to cosign a checkpoint (the log side of c2sp.org/tlog-witness).

:func:`collect_cosignatures` sends one ``add-checkpoint`` request to every witness
of the policy that has a URL, all at once, each bounded by ``timeout`` seconds per
HTTP exchange (a witness that is down or slow costs at most that, never more: it
cannot block the caller). Each request carries the consistency proof from the
witness's last known size (``known_sizes``; 0 when unknown) to the checkpoint's,
read through ``proofs``. Every documented answer is handled:

==========================  ======================================================
200                         each returned line by the witness's policy key is
                            verified (``cosignature/v1`` on the checkpoint body);
                            lines of other keys are ignored
409 + a size (stale)        retried once from the size the witness gave
409 + the size sent         the witness holds another root for that size, or
                            refused a conflict with the chain: ``conflict``
403 / 404 / 422 / 400       ``forbidden`` / ``unknown-origin`` / ``bad-proof`` /
                            ``bad-request``, with the witness's reason
anything else               ``error`` (other statuses), ``malformed-answer``
                            (a 200 that is not signature lines, a 409 without a
                            size), ``bad-cosignature``, ``unreachable``, ``timeout``
==========================  ======================================================

The result (:class:`WitnessRound`) holds one :class:`WitnessOutcome` per witness,
with the outcome label metrics count by (witness, outcome), the witness's size as now
known (to send next time), and the verified cosignature lines to serve with the
checkpoint. Failures are logged with the reason at warning level.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import httpx

from anchor_service.tlog import (
    MAX_PROOF_LINES,
    AddCheckpointRequest,
    MalformedError,
    Policy,
    PolicyWitness,
    TlogError,
    UnverifiedNoteError,
    VerifierList,
    open_note,
    parse_checkpoint,
    parse_cosignature_lines,
    quorum_met,
)

__all__ = [
    "OUTCOMES",
    "ConsistencyProofs",
    "WitnessOutcome",
    "WitnessRound",
    "collect_cosignatures",
]

logger = logging.getLogger(__name__)

ConsistencyProofs = Callable[[int, int], Sequence[bytes]]
"""``(old_size, new_size) -> consistency proof`` of the log (run in a worker thread)."""

OUTCOMES = (
    "cosigned",
    "stale",
    "conflict",
    "forbidden",
    "unknown-origin",
    "bad-proof",
    "bad-request",
    "ahead",
    "malformed-answer",
    "bad-cosignature",
    "unreachable",
    "timeout",
    "error",
)
"""Every outcome label, for metrics."""

_BY_STATUS = {400: "bad-request", 403: "forbidden", 404: "unknown-origin", 422: "bad-proof"}


@dataclass(frozen=True, slots=True)
class WitnessOutcome:
    """What one witness answered.

    ``outcome`` is one of :data:`OUTCOMES`; ``status`` the last HTTP status (None when
    no answer came); ``size`` the witness's size as now known (the checkpoint's when it
    cosigned, the size of its 409 answer, or None when unknown); ``cosignature`` the
    verified signature line.
    """

    witness: str
    outcome: str
    status: int | None = None
    reason: str = ""
    size: int | None = None
    cosignature: bytes | None = None


@dataclass(frozen=True, slots=True)
class WitnessRound:
    """The outcomes of one checkpoint's round of requests, one per witness with a URL."""

    checkpoint: bytes
    outcomes: tuple[WitnessOutcome, ...]

    @property
    def cosignatures(self) -> list[bytes]:
        """The verified cosignature lines, in policy order."""
        return [o.cosignature for o in self.outcomes if o.cosignature is not None]

    @property
    def cosigners(self) -> list[str]:
        """The policy names of the witnesses that cosigned."""
        return [o.witness for o in self.outcomes if o.cosignature is not None]

    def quorum_met(self, policy: Policy) -> bool:
        """Whether the cosigners satisfy the policy's quorum."""
        return quorum_met(policy, self.cosigners)


async def collect_cosignatures(
    note: bytes,
    policy: Policy,
    proofs: ConsistencyProofs,
    known_sizes: Mapping[str, int],
    *,
    timeout: float,
    skip: Collection[str] = (),
    transport: httpx.AsyncBaseTransport | None = None,
) -> WitnessRound:
    """Ask every policy witness with a URL (but those named in ``skip``) to cosign the
    signed checkpoint ``note``.

    ``known_sizes`` maps policy witness names to their last known sizes. Never
    raises for a witness's failure: each ends in its :class:`WitnessOutcome`.
    """
    text = note[: note.rindex(b"\n\n") + 1]
    size = parse_checkpoint(text.decode("utf-8")).size
    witnesses = [w for w in policy.witnesses if w.url and w.name not in skip]
    async with httpx.AsyncClient(timeout=timeout, transport=transport) as client:
        exchange = _Exchange(client, note, text, size, proofs, timeout)
        outcomes = await asyncio.gather(
            *(exchange.run(witness, known_sizes.get(witness.name, 0)) for witness in witnesses)
        )
    for outcome in outcomes:
        if outcome.outcome != "cosigned":
            logger.warning(
                "witness %s did not cosign tree size %d: %s (%s)",
                outcome.witness, size, outcome.outcome, outcome.reason,
            )  # fmt: skip
    return WitnessRound(note, tuple(outcomes))


@dataclass(frozen=True, slots=True)
class _Exchange:
    """One checkpoint's requests: what every witness's exchange shares."""

    client: httpx.AsyncClient
    note: bytes
    text: bytes
    size: int
    proofs: ConsistencyProofs
    timeout: float

    async def run(self, witness: PolicyWitness, old_size: int) -> WitnessOutcome:
        """Send, retry once on a stale size, and judge the answer; never raises."""
        try:
            # Two exchanges at most, each bounded by the client's timeout; this bounds
            # a witness that drips its answer byte by byte as well.
            async with asyncio.timeout(self.timeout * 2 + 1):
                outcome = await self._send(witness, old_size)
                if outcome.outcome == "stale" and outcome.size is not None:
                    outcome = await self._send(witness, outcome.size)
                return outcome
        except TimeoutError:
            return WitnessOutcome(witness.name, "timeout", reason=f"no answer in {self.timeout}s")
        except httpx.TimeoutException as exc:
            return WitnessOutcome(witness.name, "timeout", reason=type(exc).__name__)
        except httpx.HTTPError as exc:
            return WitnessOutcome(witness.name, "unreachable", reason=f"{type(exc).__name__}")
        except Exception as exc:  # a witness never breaks the round for the others
            logger.exception("witness %s: unexpected failure", witness.name)
            return WitnessOutcome(witness.name, "error", reason=type(exc).__name__)

    async def _send(self, witness: PolicyWitness, old_size: int) -> WitnessOutcome:
        name = witness.name
        if old_size > self.size:
            return WitnessOutcome(
                name, "ahead", reason=f"the witness is at {old_size}, above {self.size}",
                size=old_size,
            )  # fmt: skip
        proof: Sequence[bytes] = ()
        if 0 < old_size < self.size:
            proof = await asyncio.to_thread(self.proofs, old_size, self.size)
        if len(proof) > MAX_PROOF_LINES:
            return WitnessOutcome(name, "error", reason=f"a proof of {len(proof)} hashes")
        body = AddCheckpointRequest(old_size, tuple(proof), self.note).body
        assert witness.url is not None
        response = await self.client.post(_endpoint(witness.url), content=body)
        return self._judge(witness, old_size, response)

    def _judge(
        self, witness: PolicyWitness, old_size: int, response: httpx.Response
    ) -> WitnessOutcome:
        name, status = witness.name, response.status_code
        reason = " ".join(response.text.split())[:200]  # one line, whatever it sent
        if status == 200:
            return self._cosignature(witness, response.content)
        if status == 409:
            try:
                size = int(response.content.decode("ascii").removesuffix("\n"), 10)
            except (UnicodeDecodeError, ValueError):
                return WitnessOutcome(name, "malformed-answer", status, f"409 body {reason!r}")
            if size == old_size:
                return WitnessOutcome(name, "conflict", status, "refused at its own size", size)
            if size > self.size:
                return WitnessOutcome(name, "ahead", status, f"the witness is at {size}", size)
            return WitnessOutcome(name, "stale", status, f"the witness is at {size}", size)
        return WitnessOutcome(name, _BY_STATUS.get(status, "error"), status, reason, old_size)

    def _cosignature(self, witness: PolicyWitness, body: bytes) -> WitnessOutcome:
        name = witness.name
        try:
            lines = parse_cosignature_lines(body)
        except MalformedError as exc:
            return WitnessOutcome(name, "malformed-answer", 200, exc.reason)
        try:
            opened = open_note(self.text + b"\n" + b"".join(lines), VerifierList(witness.verifier))
        except UnverifiedNoteError:
            return WitnessOutcome(name, "bad-cosignature", 200, "no line by its policy key")
        except TlogError as exc:
            return WitnessOutcome(name, "bad-cosignature", 200, str(exc))
        line = opened.sigs[0].line.encode()
        return WitnessOutcome(name, "cosigned", 200, "", self.size, line)


def _endpoint(prefix: str) -> str:
    """The add-checkpoint URL under a witness's submission prefix."""
    return prefix.rstrip("/") + "/add-checkpoint"
