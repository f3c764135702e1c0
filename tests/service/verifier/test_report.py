"""The verdict rules: failed beats error beats redacted beats valid."""

from __future__ import annotations

import pytest

from anchor_service.verifier import CheckResult, Outcome, Status, VerificationReport


def report(*outcomes: Outcome, redacted: bool = False, chain: bool = True) -> VerificationReport:
    checks = tuple(
        CheckResult(f"check {number}", outcome, f"reason {number}")
        for number, outcome in enumerate(outcomes)
    )
    return VerificationReport(checks, redacted=redacted, chain_checked=chain)


P, F, S, E = Outcome.PASSED, Outcome.FAILED, Outcome.SKIPPED, Outcome.ERROR


@pytest.mark.parametrize(
    ("outcomes", "redacted", "status"),
    [
        ((P, P, P), False, Status.VALID),
        ((P, S, P), False, Status.VALID),
        ((S, P, P), True, Status.REDACTED),
        ((P, F, P), False, Status.INVALID),
        ((S, F, P), True, Status.INVALID),
        ((P, E, S), False, Status.UNVERIFIED),
        ((S, E, S), True, Status.UNVERIFIED),
        ((F, E, S), False, Status.INVALID),
    ],
)
def test_status_follows_the_first_rule_that_applies(
    outcomes: tuple[Outcome, ...], redacted: bool, status: Status
) -> None:
    result = report(*outcomes, redacted=redacted)
    assert result.status is status
    assert result.valid is (status in (Status.VALID, Status.REDACTED))


def test_verdict_names_the_failed_checks() -> None:
    assert report(P, F, F).verdict == "failed check 1, check 2"


def test_verdict_of_an_error_gives_its_reason() -> None:
    assert report(P, E, S).verdict == "reason 1"


def test_verdict_says_when_the_chain_was_not_read() -> None:
    assert report(P, S, chain=False).verdict == (
        "every check passed (Merkle checks only: the chain was not read)"
    )


def test_json_has_every_check_with_ok_outcome_and_reason() -> None:
    assert report(P, F).to_json() == {
        "valid": False,
        "status": "invalid",
        "verdict": "failed check 1",
        "redacted": False,
        "chain_checked": True,
        "checks": [
            {"name": "check 0", "ok": True, "outcome": "passed", "reason": "reason 0"},
            {"name": "check 1", "ok": False, "outcome": "failed", "reason": "reason 1"},
        ],
    }


def test_check_lookup_by_name() -> None:
    result = report(P, F)
    assert result.check("check 1").outcome is F
    with pytest.raises(KeyError):
        result.check("no such check")
