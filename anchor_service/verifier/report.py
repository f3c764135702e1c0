"""What a verification answers: one :class:`CheckResult` per check, and the verdict.

Outcomes of a check: ``passed``; ``failed`` (the bundle is wrong); ``skipped`` (not run:
offline, redacted document, nothing pinned to check against, or an earlier check made it
meaningless — the reason says which); ``error`` (could not be run: the chain node was
unreachable, its answer unreadable, it serves another chain, or the nodes disagree).

Status of the whole report, first rule that applies (``exit`` is ``anchor-service
verify``'s exit status, see :data:`EXIT_STATUS`):

- ``invalid``     some check failed (a pinned registry other than the one the bundle
  claims is a failure)                                                            exit 1;
- ``unverified``  no check failed but one could not be run (chain unreachable, a node of
  another chain, nodes that disagree)                                             exit 5;
- ``unpinned``    every check that ran passed, but nothing tied the bundle to a trust root
  the auditor brought: no policy or pinned registry at all, or, offline, no signed
  checkpoint the policy could check ("not verified against a trust root")         exit 3;
- ``redacted``    bound and every check passed, but the document was erased: a leaf exists
  at that index, its content is gone                                              exit 4;
- ``valid``       bound to the trust root and every check passed                  exit 0.

A bundle is *bound* to the trust root when its signed checkpoint satisfied the policy (log
signature and witness quorum), or when it is anchored in a pinned registry and the chain
checks ran against that registry.

``valid`` (the boolean) is true for status ``valid`` only.

:class:`VerificationOut` is the report's one JSON form, printed by ``anchor-service
verify --json`` and answered by ``POST /v1/proofs/verify``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

__all__ = [
    "EXIT_STATUS",
    "CheckOut",
    "CheckResult",
    "Outcome",
    "Status",
    "VerificationOut",
    "VerificationReport",
]


class Outcome(enum.StrEnum):
    """How one check ended."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    ERROR = "error"


class Status(enum.StrEnum):
    """The verdict on a bundle; see the module docstring for the rules."""

    VALID = "valid"
    REDACTED = "redacted"
    INVALID = "invalid"
    UNVERIFIED = "unverified"
    UNPINNED = "unpinned"


EXIT_STATUS: dict[Status, int] = {
    Status.VALID: 0,
    Status.INVALID: 1,
    Status.UNPINNED: 3,
    Status.REDACTED: 4,
    Status.UNVERIFIED: 5,
}
"""``anchor-service verify``'s exit status for each verdict (2: usage error, unreadable or
malformed bundle or policy)."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check: its ``name``, how it ended, and a plain-language ``reason``."""

    name: str
    outcome: Outcome
    reason: str

    @property
    def ok(self) -> bool:
        """Whether the check ran and passed."""
        return self.outcome is Outcome.PASSED

    def to_json(self) -> dict[str, Any]:
        """:class:`CheckOut` as a dict (a convenience for logs and test messages)."""
        return CheckOut.of(self).model_dump(mode="json")


@dataclass(frozen=True, slots=True)
class VerificationReport:
    """Every check of one bundle, in the order they ran.

    ``claim`` is what the bundle says about itself (its registry and chain); ``trust_root``
    describes what it was checked against (``None``: nothing was pinned); ``bound`` whether
    a check tied it to that trust root (``unbound_reason`` says why not, when there is
    one); ``leaf_index`` and ``redaction_record`` (a description of the record leaf, if the
    bundle names one) word the redacted verdict.
    """

    checks: tuple[CheckResult, ...]
    redacted: bool
    chain_checked: bool
    claim: str = ""
    trust_root: str | None = None
    bound: bool = False
    leaf_index: int = 0
    redaction_record: str | None = None
    unbound_reason: str = (
        "the chain was not read and the bundle carries no signed checkpoint the trust root "
        "could check"
    )

    @property
    def status(self) -> Status:
        outcomes = {check.outcome for check in self.checks}
        if Outcome.FAILED in outcomes:
            return Status.INVALID
        if Outcome.ERROR in outcomes:
            return Status.UNVERIFIED
        if not self.bound:
            return Status.UNPINNED
        return Status.REDACTED if self.redacted else Status.VALID

    @property
    def valid(self) -> bool:
        """True for status ``valid`` only."""
        return self.status is Status.VALID

    @property
    def exit_status(self) -> int:
        """The exit status of ``anchor-service verify`` for this report."""
        return EXIT_STATUS[self.status]

    def check(self, name: str) -> CheckResult:
        """The result of the check called ``name`` (``KeyError`` if there is none)."""
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)

    @property
    def verdict(self) -> str:
        """Why the report has its status, in one sentence for people."""
        status = self.status
        if status is Status.INVALID:
            failed = [c for c in self.checks if c.outcome is Outcome.FAILED]
            return "failed " + ", ".join(c.name for c in failed) + _pin_reason(failed)
        if status is Status.UNVERIFIED:
            return "; ".join(c.reason for c in self.checks if c.outcome is Outcome.ERROR)
        if status is Status.UNPINNED:
            if self.trust_root is None:
                return (
                    "not verified against a trust root: the checks passed, but nothing ties "
                    f"the bundle to a registry or log key you trust; it claims {self.claim}"
                )
            return (
                f"not verified against a trust root: {self.unbound_reason}; it claims {self.claim}"
            )
        scope = "" if self.chain_checked else " (offline: signed checkpoint only)"
        if status is Status.REDACTED:
            record = (
                f"; redaction record: {self.redaction_record}"
                if self.redaction_record
                else "; the bundle names no redaction record"
            )
            return (
                f"a leaf exists at index {self.leaf_index}; its content was erased{record}{scope}"
            )
        return "every check passed" + scope

    def to_json(self) -> dict[str, Any]:
        """:class:`VerificationOut` as a dict (a convenience for logs and test messages)."""
        return VerificationOut.of(self).model_dump(mode="json")


def _pin_reason(failed: list[CheckResult]) -> str:
    """For a pinned-registry failure, its reason (it names both registries)."""
    reasons = [c.reason for c in failed if c.name == "pinned registry"]
    return f": {reasons[0]}" if reasons else ""


class CheckOut(BaseModel):
    """One check of the bundle."""

    name: str = Field(examples=["inclusion"])
    ok: bool = Field(description="Whether the check ran and passed.")
    outcome: Outcome
    reason: str = Field(examples=["3 path hashes lead from leaf 4 to inclusion.root"])

    @classmethod
    def of(cls, check: CheckResult) -> CheckOut:
        return cls(name=check.name, ok=check.ok, outcome=check.outcome, reason=check.reason)


class VerificationOut(BaseModel):
    """Every check of the bundle and the verdict."""

    valid: bool = Field(description="True for status valid only (bound to the trust root).")
    status: Status
    verdict: str = Field(examples=["every check passed"])
    trust_root: str | None = Field(
        description="What the bundle was checked against; null when nothing was pinned.",
        examples=["registry 0x5fbdb2315678afecb367f032d93f642f64180aa3 on chain 1337 "
                  "(this service's)"],
    )  # fmt: skip
    claim: str = Field(
        description="What the bundle says of itself: its registry and chain.",
        examples=["registry 0x5FbDB2315678afecb367f032d93F642f64180aa3 on chain 1337"],
    )
    redacted: bool
    chain_checked: bool
    checks: list[CheckOut]

    @classmethod
    def of(cls, report: VerificationReport) -> VerificationOut:
        return cls(
            valid=report.valid,
            status=report.status,
            verdict=report.verdict,
            trust_root=report.trust_root,
            claim=report.claim,
            redacted=report.redacted,
            chain_checked=report.chain_checked,
            checks=[CheckOut.of(check) for check in report.checks],
        )
