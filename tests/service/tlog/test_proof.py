"""tlog-proof documents: the specification's example, round trips, verification against a tree."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anchor_service.merkle import hash_leaves, inclusion_proof, root
from anchor_service.tlog import (
    Checkpoint,
    InclusionProofError,
    MalformedProofError,
    PolicyNotSatisfiedError,
    TlogProof,
    parse_policy,
    parse_proof,
    sign_note,
    verify_proof,
)

from .builders import ORIGIN, log_signer, policy_text, witness_signer

SPEC_PROOF = """c2sp.org/tlog-proof@v1
extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6
index 73894
gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=
RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=
AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=

example.com/fancylog
109482
sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=

— example.com/fancylog hI2DJw[...]1roloI=
""".encode()
# The specification's extra line ("...kYXJ3aW4tYXJ") is not valid padded base64; this is its
# first part, "age-v1.2.1-darwin-arm64.tar.gz", encoded.

LEAVES = hash_leaves([b"entry %d" % i for i in range(13)])
W1 = witness_signer("w1.example", timestamp=9)
POLICY = parse_policy(policy_text({"w1": W1}, "quorum w1\n"))


def _proof(index: int, size: int = len(LEAVES), extra: bytes | None = b"ctx") -> TlogProof:
    body = Checkpoint(ORIGIN, size, root(LEAVES[:size]))
    note = sign_note(body.text, log_signer(), W1)
    return TlogProof(index, tuple(inclusion_proof(LEAVES[:size], index)), note, extra)


def test_specification_example_parses_and_formats_back() -> None:
    proof = parse_proof(SPEC_PROOF)
    assert proof.extra == b"age-v1.2.1-darwin-arm64.tar.gz"
    assert proof.index == 73894
    assert len(proof.hashes) == 5
    assert proof.checkpoint.startswith(b"example.com/fancylog\n109482\n")
    assert proof.text == SPEC_PROOF


def test_proof_without_extra_line() -> None:
    text = SPEC_PROOF.replace(b"extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6\n", b"")
    proof = parse_proof(text)
    assert proof.extra is None
    assert proof.text == text


def test_proof_with_no_hashes_and_empty_extra() -> None:
    proof = _proof(0, size=1, extra=b"")
    assert proof.hashes == ()
    assert b"\nextra \nindex 0\n\n" in proof.text
    assert parse_proof(proof.text) == proof


@pytest.mark.parametrize(
    ("text", "where"),
    [
        pytest.param(b"c2sp.org/tlog-proof@v2\nindex 0\n\ncp\n", "line 1", id="wrong-header"),
        pytest.param(b"c2sp.org/tlog-proof@v1\nindex 0\ncp\n", "empty line", id="no-empty-line"),
        pytest.param(b"c2sp.org/tlog-proof@v1\n\ncp\n", "line 2", id="no-index"),
        pytest.param(
            b"c2sp.org/tlog-proof@v1\nindex 01\n\ncp\n", "line 2", id="index-leading-zero"
        ),
        pytest.param(b"c2sp.org/tlog-proof@v1\nindex -1\n\ncp\n", "line 2", id="negative-index"),
        pytest.param(
            b"c2sp.org/tlog-proof@v1\nindex 18446744073709551616\n\ncp\n",
            "line 2",
            id="index-overflow",
        ),
        pytest.param(
            b"c2sp.org/tlog-proof@v1\nextra !!\nindex 0\n\ncp\n", "line 2", id="bad-extra"
        ),
        pytest.param(
            b"c2sp.org/tlog-proof@v1\nextra AB==\nindex 0\n\ncp\n",
            "line 2",
            id="non-canonical-extra",
        ),
        pytest.param(
            b"c2sp.org/tlog-proof@v1\nextra AA==\n\ncp\n", "line 3", id="extra-without-index"
        ),
        pytest.param(b"c2sp.org/tlog-proof@v1\nindex 0\nAAAA\n\ncp\n", "line 3", id="short-hash"),
        pytest.param(
            b"c2sp.org/tlog-proof@v1\nindex 0\n" + b"A" * 43 + b"B\n\ncp\n",
            "line 3",
            id="hash-bad-padding",
        ),
        pytest.param(
            b"c2sp.org/tlog-proof@v1\nindex 0\n\ncp", "newline", id="checkpoint-without-newline"
        ),
        pytest.param(
            "c2sp.org/tlog-proof@v1\nindex \u0663\n\ncp\n".encode(), "ASCII", id="non-ascii"
        ),
    ],
)
def test_malformed_proof_is_refused(text: bytes, where: str) -> None:
    with pytest.raises(MalformedProofError, match=where):
        parse_proof(text)


@pytest.mark.parametrize("index", range(len(LEAVES)))
def test_proof_of_every_entry_verifies(index: int) -> None:
    proof = parse_proof(_proof(index).text)
    verified = verify_proof(proof, LEAVES[index], POLICY)
    assert verified.checkpoint.size == len(LEAVES)
    assert verified.cosigners == {"w1": 9}


def test_wrong_leaf_hash_is_refused() -> None:
    with pytest.raises(InclusionProofError) as caught:
        verify_proof(_proof(3), LEAVES[4], POLICY)
    assert (caught.value.index, caught.value.size) == (3, len(LEAVES))


def test_proof_for_another_index_is_refused() -> None:
    proof = _proof(3)
    moved = TlogProof(5, proof.hashes, proof.checkpoint, proof.extra)
    with pytest.raises(InclusionProofError):
        verify_proof(moved, LEAVES[3], POLICY)


def test_truncated_proof_is_refused() -> None:
    proof = _proof(3)
    truncated = TlogProof(3, proof.hashes[:-1], proof.checkpoint)
    with pytest.raises(InclusionProofError, match=r"wrong proof size"):
        verify_proof(truncated, LEAVES[3], POLICY)


def test_index_beyond_the_tree_is_refused() -> None:
    proof = _proof(3)
    with pytest.raises(InclusionProofError, match=r"not below"):
        verify_proof(TlogProof(13, proof.hashes, proof.checkpoint), LEAVES[3], POLICY)


def test_proof_whose_checkpoint_misses_the_quorum_is_refused() -> None:
    body = Checkpoint(ORIGIN, len(LEAVES), root(LEAVES))
    note = sign_note(body.text, log_signer())
    proof = TlogProof(2, tuple(inclusion_proof(LEAVES, 2)), note)
    with pytest.raises(PolicyNotSatisfiedError):
        verify_proof(proof, LEAVES[2], POLICY)


def test_proof_fields_are_checked() -> None:
    with pytest.raises(MalformedProofError):
        TlogProof(-1, (), b"cp\n")
    with pytest.raises(MalformedProofError):
        TlogProof(0, (b"short",), b"cp\n")


@given(
    st.integers(0, 2**64 - 1),
    st.lists(st.binary(min_size=32, max_size=32), max_size=8),
    st.none() | st.binary(max_size=40),
)
def test_proof_round_trips(index: int, hashes: list[bytes], extra: bytes | None) -> None:
    proof = TlogProof(
        index, tuple(hashes), b"example.com/log\n1\n" + b"A" * 43 + b"=\n\n- sig\n", extra
    )
    assert parse_proof(proof.text) == proof
