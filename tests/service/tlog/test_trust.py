"""Checking checkpoints against a policy: log signature, origin, quorum, named failures."""

from __future__ import annotations

import itertools

import pytest

from anchor_service.tlog import (
    CosignatureSigner,
    InvalidSignatureError,
    MalformedNoteError,
    Policy,
    PolicyNotSatisfiedError,
    parse_policy,
    quorum_met,
    sign_note,
    verify_checkpoint,
)

from .builders import ORIGIN, checkpoint, log_signer, policy_text, signed_checkpoint, witness_signer

W1 = witness_signer("w1.example", timestamp=101)
W2 = witness_signer("w2.example", timestamp=102)
W3 = witness_signer("w3.example", timestamp=103)
LOG = log_signer()
NESTED = parse_policy(
    policy_text(
        {"w1": W1, "w2": W2, "w3": W3},
        "group inner any w2 w3\ngroup outer all w1 inner\nquorum outer\n",
    )
)


def test_checkpoint_signed_by_the_log_and_a_quorum_is_verified() -> None:
    verified = verify_checkpoint(NESTED, signed_checkpoint(LOG, W1, W3))
    assert verified.checkpoint == checkpoint()
    assert verified.log == ORIGIN
    assert dict(verified.cosigners) == {"w1": 101, "w3": 103}
    assert [sig.name for sig in verified.note.sigs] == [ORIGIN, "w1.example", "w3.example"]


@pytest.mark.parametrize(
    ("signers", "met"),
    [
        pytest.param((W1, W2, W3), True, id="all-witnesses"),
        pytest.param((W1, W3), True, id="minimum-set"),
        pytest.param((W1,), False, id="outer-member-without-inner-group"),
        pytest.param((W2, W3), False, id="inner-group-without-outer-member"),
        pytest.param((), False, id="no-cosignatures"),
    ],
)
def test_nested_quorum(signers: tuple[CosignatureSigner, ...], met: bool) -> None:
    note = signed_checkpoint(LOG, *signers)
    if met:
        verify_checkpoint(NESTED, note)
        return
    with pytest.raises(PolicyNotSatisfiedError, match=r"does not satisfy quorum 'outer'"):
        verify_checkpoint(NESTED, note)


def test_quorum_met_agrees_with_a_brute_force_count() -> None:
    names = ("w1", "w2", "w3")
    for size in range(len(names) + 1):
        for cosigners in itertools.combinations(names, size):
            expected = "w1" in cosigners and ("w2" in cosigners or "w3" in cosigners)
            assert quorum_met(NESTED, set(cosigners)) is expected


def test_cosignatures_from_a_witness_response_are_counted() -> None:
    response = sign_note(checkpoint().text, W1, W2).split(b"\n\n", 1)[1]
    verified = verify_checkpoint(NESTED, signed_checkpoint(LOG), cosignatures=response)
    assert set(verified.cosigners) == {"w1", "w2"}


def test_unknown_witness_is_ignored_and_does_not_count() -> None:
    stranger = witness_signer("stranger.example")
    impostor = CosignatureSigner("w3.example", b"\x07" * 32)  # w3's name, another key
    note = signed_checkpoint(LOG, W1, stranger, impostor)
    with pytest.raises(PolicyNotSatisfiedError, match=r"cosigned by w1"):
        verify_checkpoint(NESTED, note)
    log_only = parse_policy(policy_text({}, "quorum none\n"))
    unverified = verify_checkpoint(log_only, note).note.unverified_sigs
    assert [sig.name for sig in unverified] == ["w1.example", "stranger.example", "w3.example"]


def test_invalid_cosignature_of_a_policy_witness_rejects_the_checkpoint() -> None:
    note = signed_checkpoint(LOG, W1, W2).decode()
    line = note.rstrip("\n").rsplit("\n", 1)[1]
    corrupted = note.replace(
        line, line[:-8] + ("AAAAAAA=" if line[-8:] != "AAAAAAA=" else "BBBBBBB=")
    )
    with pytest.raises(InvalidSignatureError):
        verify_checkpoint(NESTED, corrupted.encode())


def test_checkpoint_without_the_log_signature_is_refused() -> None:
    with pytest.raises(PolicyNotSatisfiedError, match=r"not signed by any log"):
        verify_checkpoint(NESTED, signed_checkpoint(W1, W2))


def test_checkpoint_signed_by_another_log_key_is_refused() -> None:
    other = log_signer("other.example/log")
    with pytest.raises(PolicyNotSatisfiedError, match=r"not signed by any log"):
        verify_checkpoint(NESTED, signed_checkpoint(other, W1, W2))


def test_origin_other_than_the_signing_log_is_refused() -> None:
    note = signed_checkpoint(LOG, W1, W2, body=checkpoint(origin="elsewhere.example"))
    with pytest.raises(PolicyNotSatisfiedError, match=r"origin 'elsewhere.example'"):
        verify_checkpoint(NESTED, note)


def test_origin_must_match_the_log_that_signed_not_any_policy_log() -> None:
    policy = parse_policy(policy_text({}, "quorum none\n", logs=2))
    second = log_signer("log1.example")
    note = signed_checkpoint(second, body=checkpoint(origin=ORIGIN))
    with pytest.raises(PolicyNotSatisfiedError, match=r"origin"):
        verify_checkpoint(policy, note)
    assert (
        verify_checkpoint(
            policy, signed_checkpoint(second, body=checkpoint(origin="log1.example"))
        ).log
        == "log1.example"
    )


def test_quorum_none_needs_only_the_log() -> None:
    policy = parse_policy(policy_text({"w1": W1}, "quorum none\n"))
    assert verify_checkpoint(policy, signed_checkpoint(LOG)).cosigners == {}


def test_policy_without_logs_validates_nothing() -> None:
    policy = parse_policy(policy_text({"w1": W1}, "quorum w1\n", logs=0))
    with pytest.raises(PolicyNotSatisfiedError, match=r"no logs"):
        verify_checkpoint(policy, signed_checkpoint(LOG, W1))


def test_malformed_note_is_reported_as_such() -> None:
    with pytest.raises(MalformedNoteError):
        verify_checkpoint(NESTED, checkpoint().text.encode())


def test_quorum_of_a_hand_built_policy_with_a_cycle_is_never_met() -> None:
    from anchor_service.tlog import WitnessGroup

    policy = Policy((), (), (WitnessGroup("a", 1, ("b",)), WitnessGroup("b", 1, ("a",))), "a")
    assert not quorum_met(policy, {"a", "b"})
