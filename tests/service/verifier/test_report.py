"""The verdict rules: failed beats error beats unpinned beats redacted beats valid."""

from __future__ import annotations

import pytest

from anchor_service.verifier import (
    EXIT_STATUS,
    CheckResult,
    Outcome,
    Status,
    VerificationReport,
)

PIN = "registry 0x00000000000000000000000000000000000000aa on chain 1337 (test)"
CLAIM = "registry 0x00000000000000000000000000000000000000bb on chain 1337"


def report(
    *outcomes: Outcome, redacted: bool = False, chain: bool = True, bound: bool = True
) -> VerificationReport:
    checks = tuple(
        CheckResult(f"check {number}", outcome, f"reason {number}")
        for number, outcome in enumerate(outcomes)
    )
    return VerificationReport(
        checks,
        redacted=redacted,
        chain_checked=chain,
        claim=CLAIM,
        trust_root=PIN if bound else None,
        bound=bound,
        leaf_index=4,
    )


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
    assert result.valid is (status is Status.VALID)
    assert result.exit_status == EXIT_STATUS[status]


@pytest.mark.parametrize(
    ("outcomes", "redacted", "status"),
    [
        ((P, P, P), False, Status.UNPINNED),
        ((S, P, P), True, Status.UNPINNED),
        ((P, F, P), False, Status.INVALID),
        ((P, E, S), False, Status.UNVERIFIED),
    ],
)
def test_without_a_bound_trust_root_nothing_is_valid(
    outcomes: tuple[Outcome, ...], redacted: bool, status: Status
) -> None:
    result = report(*outcomes, redacted=redacted, bound=False)
    assert (result.status, result.valid) == (status, False)


def test_every_verdict_has_its_own_exit_status() -> None:
    assert EXIT_STATUS == {
        Status.VALID: 0,
        Status.INVALID: 1,
        Status.UNPINNED: 3,
        Status.REDACTED: 4,
        Status.UNVERIFIED: 5,
    }


def test_unpinned_verdict_shows_the_claim() -> None:
    assert report(P, P, bound=False).verdict == (
        "not verified against a trust root: the checks passed, but nothing ties the bundle "
        f"to a registry or log key you trust; it claims {CLAIM}"
    )


def test_redacted_verdict_names_the_leaf() -> None:
    assert report(P, S, redacted=True).verdict == (
        "a leaf exists at index 4; its content was erased; the bundle names no redaction record"
    )


def test_verdict_names_the_failed_checks() -> None:
    assert report(P, F, F).verdict == "failed check 1, check 2"


def test_verdict_of_an_error_gives_its_reason() -> None:
    assert report(P, E, S).verdict == "reason 1"


def test_verdict_says_when_the_chain_was_not_read() -> None:
    assert report(P, S, chain=False).verdict == (
        "every check passed (offline: signed checkpoint only)"
    )


def test_json_has_every_check_with_ok_outcome_and_reason() -> None:
    assert report(P, F).to_json() == {
        "valid": False,
        "status": "invalid",
        "verdict": "failed check 1",
        "trust_root": PIN,
        "claim": CLAIM,
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
