"""What a verification answers: one :class:`CheckResult` per check, and the verdict.

Outcomes of a check: ``passed``; ``failed`` (the bundle is wrong); ``skipped`` (not run:
offline, redacted document, or an earlier check made it meaningless — the reason says
which); ``error`` (could not be run: the chain node was unreachable, or its answer unreadable:
a wrong URL, a node answering garbage).

Status of the whole report, first rule that applies:

- ``invalid``    some check failed;
- ``unverified`` no check failed but one could not be run (chain unreachable or unreadable);
- ``redacted``   every check that could run passed, but the document was erased, so the
  leaf hash is taken as given;
- ``valid``      every check passed (``chain_checked`` false: Merkle checks only).

``valid`` is true for ``valid`` and ``redacted``: the CLI exits 0 for both, 1 otherwise.

:class:`VerificationOut` is the report's one JSON form, printed by ``anchor-service
verify --json`` and answered by ``POST /v1/proofs/verify``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

__all__ = ["CheckOut", "CheckResult", "Outcome", "Status", "VerificationOut", "VerificationReport"]


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
    """Every check of one bundle, in the order they ran."""

    checks: tuple[CheckResult, ...]
    redacted: bool
    chain_checked: bool

    @property
    def status(self) -> Status:
        outcomes = {check.outcome for check in self.checks}
        if Outcome.FAILED in outcomes:
            return Status.INVALID
        if Outcome.ERROR in outcomes:
            return Status.UNVERIFIED
        return Status.REDACTED if self.redacted else Status.VALID

    @property
    def valid(self) -> bool:
        """True for ``valid`` and ``redacted`` bundles."""
        return self.status in (Status.VALID, Status.REDACTED)

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
            failed = [c.name for c in self.checks if c.outcome is Outcome.FAILED]
            return "failed " + ", ".join(failed)
        if status is Status.UNVERIFIED:
            return "; ".join(c.reason for c in self.checks if c.outcome is Outcome.ERROR)
        scope = "" if self.chain_checked else " (Merkle checks only: the chain was not read)"
        if status is Status.REDACTED:
            return (
                "the document was erased, so its leaf hash is taken as given; every other "
                "check passed" + scope
            )
        return "every check passed" + scope

    def to_json(self) -> dict[str, Any]:
        """:class:`VerificationOut` as a dict (a convenience for logs and test messages)."""
        return VerificationOut.of(self).model_dump(mode="json")


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

    valid: bool = Field(description="True for status valid and redacted.")
    status: Status
    verdict: str = Field(examples=["every check passed"])
    redacted: bool
    chain_checked: bool
    checks: list[CheckOut]

    @classmethod
    def of(cls, report: VerificationReport) -> VerificationOut:
        return cls(
            valid=report.valid,
            status=report.status,
            verdict=report.verdict,
            redacted=report.redacted,
            chain_checked=report.chain_checked,
            checks=[CheckOut.of(check) for check in report.checks],
        )
