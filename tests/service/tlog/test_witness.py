"""The add-checkpoint bodies of tlog-witness: the specification's example, named failures."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anchor_service.tlog import (
    AddCheckpointRequest,
    MalformedWitnessMessageError,
    VerifierList,
    add_cosignatures,
    open_note,
    parse_add_checkpoint,
    parse_cosignature_lines,
    sign_note,
)

from .builders import checkpoint, log_signer, signed_checkpoint, witness_signer

SPEC_REQUEST = (
    "old 20852014\n"
    "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
    "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
    "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n"
    "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n"
    "\n"
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "— example.com/behind-the-sofa "
    "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
).encode()


def test_specification_example_request_parses_and_formats_back() -> None:
    request = parse_add_checkpoint(SPEC_REQUEST)
    assert request.old_size == 20852014
    assert len(request.proof) == 4
    assert request.checkpoint.startswith(b"example.com/behind-the-sofa\n20852163\n")
    assert request.body == SPEC_REQUEST


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"old 5\nAAAA\n", id="no-empty-line"),
        pytest.param(b"new 5\n\ncp\n", id="not-old"),
        pytest.param(b"old 05\n\ncp\n", id="leading-zero"),
        pytest.param(b"old\n\ncp\n", id="no-size"),
        pytest.param(b"old 5\nnot base64\n\ncp\n", id="bad-hash"),
        pytest.param(b"old 5\nAAAA\n\ncp\n", id="short-hash"),
        pytest.param(b"old 0\n" + b"A" * 43 + b"=\n\ncp\n", id="proof-from-zero"),
        pytest.param(b"old 5\n" + (b"A" * 43 + b"=\n") * 64 + b"\ncp\n", id="64-proof-lines"),
        pytest.param(b"old 5\n\ncp", id="checkpoint-without-newline"),
        pytest.param("old \u0665\n\ncp\n".encode(), id="non-ascii"),
    ],
)
def test_malformed_request_is_refused(body: bytes) -> None:
    with pytest.raises(MalformedWitnessMessageError):
        parse_add_checkpoint(body)


def test_witness_response_is_appended_and_verified_with_the_witness_key() -> None:
    log, witness = log_signer(), witness_signer("w1.example", timestamp=77)
    note = signed_checkpoint(log)
    response = sign_note(checkpoint().text, witness).split(b"\n\n", 1)[1]
    cosigned = add_cosignatures(note, response)
    opened = open_note(cosigned, VerifierList(log.verifier(), witness.verifier()))
    assert [sig.name for sig in opened.sigs] == [log.name, "w1.example"]


@pytest.mark.parametrize(
    "response",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"- w1.example AAAA\n", id="hyphen"),
        pytest.param("— w1.example AAAA".encode(), id="no-final-newline"),
        pytest.param("— w1.example AAAA\n\n".encode(), id="blank-line"),
    ],
)
def test_malformed_response_is_refused(response: bytes) -> None:
    with pytest.raises(MalformedWitnessMessageError):
        parse_cosignature_lines(response)


@given(
    st.integers(1, 2**64 - 1),
    st.lists(st.binary(min_size=32, max_size=32), max_size=63),
)
def test_request_round_trips(old_size: int, proof: list[bytes]) -> None:
    note = signed_checkpoint(log_signer())
    request = AddCheckpointRequest(old_size, tuple(proof), note)
    assert parse_add_checkpoint(request.body) == request


def test_request_from_size_zero_has_no_proof() -> None:
    request = AddCheckpointRequest(0, (), signed_checkpoint(log_signer()))
    assert request.body.startswith(b"old 0\n\n")
    with pytest.raises(MalformedWitnessMessageError):
        AddCheckpointRequest(0, (hashlib.sha256(b"x").digest(),), request.checkpoint)
