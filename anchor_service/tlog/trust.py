"""Evaluating a trust policy: is this checkpoint signed by a trusted log and cosigned enough?

A checkpoint note is valid under a :class:`~.policy.Policy` when, as
c2sp.org/tlog-policy and transparency-dev/formats' ``Verify`` say:

1. every signature by a key the policy knows (log or witness) verifies, and
   at least one policy log signed it (signatures of unknown keys are ignored);
2. its origin line is the key name of a log that signed it;
3. the policy witnesses whose cosignatures verified satisfy the quorum:
   a witness is satisfied by its own cosignature, a group when at least
   ``threshold`` of its members are, ``none`` always.

Failures raise :class:`PolicyNotSatisfiedError`, or the note's own errors
(:class:`InvalidSignatureError`, :class:`MalformedNoteError`, ...) unchanged.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from .checkpoint import Checkpoint, parse_checkpoint
from .cosignature import cosignature_timestamp
from .errors import PolicyNotSatisfiedError, UnverifiedNoteError
from .keys import Verifier
from .note import Note, VerifierList, open_note
from .policy import QUORUM_NONE, Policy

__all__ = ["VerifiedCheckpoint", "quorum_met", "verify_checkpoint"]


@dataclass(frozen=True, slots=True)
class VerifiedCheckpoint:
    """A checkpoint that satisfied a policy.

    ``log`` is the key name (the origin) of the policy log that signed it;
    ``cosigners`` maps each policy witness whose cosignature verified to the
    cosignature's timestamp (POSIX seconds), for freshness checks.
    """

    checkpoint: Checkpoint
    note: Note
    log: str
    cosigners: Mapping[str, int]


def verify_checkpoint(policy: Policy, note: bytes, cosignatures: bytes = b"") -> VerifiedCheckpoint:
    """Check the signed checkpoint ``note`` against ``policy``; return what was verified.

    ``cosignatures`` are extra signature lines (a witness's add-checkpoint
    response) appended to the note before it is opened. A policy with no
    logs validates nothing (:class:`PolicyNotSatisfiedError`).
    """
    if not policy.logs:
        raise PolicyNotSatisfiedError("the policy defines no logs")
    verifiers: list[Verifier] = [log.verifier for log in policy.logs]
    verifiers += [witness.verifier for witness in policy.witnesses]
    try:
        opened = open_note(note + cosignatures, VerifierList(*verifiers))
    except UnverifiedNoteError as exc:
        opened = exc.note  # no policy key signed: reported below as "no log signed"
    signed = {(sig.name, sig.key_id): sig for sig in opened.sigs}

    log_names = [
        log.verifier.name
        for log in policy.logs
        if (log.verifier.name, log.verifier.key_id) in signed
    ]
    if not log_names:
        raise PolicyNotSatisfiedError("the checkpoint is not signed by any log in the policy")
    checkpoint = parse_checkpoint(opened.text)
    if checkpoint.origin not in log_names:
        raise PolicyNotSatisfiedError(
            f"checkpoint origin {checkpoint.origin!r} is not the name of a log that signed it"
            f" ({', '.join(log_names)})"
        )
    cosigners = {
        witness.name: cosignature_timestamp(signed[witness.verifier.name, witness.verifier.key_id])
        for witness in policy.witnesses
        if (witness.verifier.name, witness.verifier.key_id) in signed
    }
    if not quorum_met(policy, cosigners):
        raise PolicyNotSatisfiedError(
            f"the checkpoint does not satisfy quorum {policy.quorum!r}"
            f" (cosigned by {', '.join(sorted(cosigners)) or 'no policy witness'})"
        )
    return VerifiedCheckpoint(checkpoint, opened, checkpoint.origin, cosigners)


def quorum_met(policy: Policy, cosigners: Collection[str]) -> bool:
    """Return whether the witnesses named ``cosigners`` (policy names) satisfy the quorum."""
    if policy.quorum == QUORUM_NONE:
        return True
    witnesses = {witness.name for witness in policy.witnesses}
    groups = {group.name: group for group in policy.groups}

    def satisfied(name: str, visiting: frozenset[str]) -> bool:
        if name in witnesses:
            return name in cosigners
        group = groups.get(name)
        # Unknown names and cycles cannot come out of parse_policy; they never count.
        if group is None or name in visiting:
            return False
        inner = visiting | {name}
        met = sum(1 for member in group.members if satisfied(member, inner))
        return met >= group.threshold

    return satisfied(policy.quorum, frozenset())
