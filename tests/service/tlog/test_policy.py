"""Policy files: the specification's example, transparency-dev/formats' error cases, registries."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anchor_service.tlog import (
    QUORUM_NONE,
    PolicyFileError,
    Registry,
    VerifierKey,
    WitnessGroup,
    parse_policy,
)

from .builders import log_signer, witness_signer

LOG = log_signer().verifier().vkey
W1, W2, W3, W4, W5, W6 = (witness_signer(f"w{i}.example").verifier().vkey for i in range(1, 7))
PLAIN = log_signer("plain.example").verifier().vkey
ADDRESS = "0x5FbDB2315678afecb367f032d93F642f64180aa3"

SPEC_EXAMPLE = f"""log {LOG}

witness X1 {W1}
witness X2 {W2}
witness X3 {W3}
group X-witnesses 2 X1 X2 X3

witness Y1 {W4}
witness Y2 {W5}
witness Y3 {W6}
group Y-witnesses any Y1 Y2 Y3

group X-and-Y all X-witnesses Y-witnesses
quorum X-and-Y
"""


def test_specification_example_parses() -> None:
    policy = parse_policy(SPEC_EXAMPLE)
    assert [log.vkey for log in policy.logs] == [LOG]
    assert policy.logs[0].verifier.name == "example.com/log"
    assert [w.name for w in policy.witnesses] == ["X1", "X2", "X3", "Y1", "Y2", "Y3"]
    assert policy.groups == (
        WitnessGroup("X-witnesses", 2, ("X1", "X2", "X3")),
        WitnessGroup("Y-witnesses", 1, ("Y1", "Y2", "Y3")),
        WitnessGroup("X-and-Y", 2, ("X-witnesses", "Y-witnesses")),
    )
    assert policy.quorum == "X-and-Y"
    assert policy.registries == ()


def test_minimal_policy() -> None:
    policy = parse_policy(b"quorum none\n")
    assert (policy.logs, policy.witnesses, policy.quorum) == ((), (), QUORUM_NONE)


def test_whitespace_comments_and_urls() -> None:
    text = (
        f"\n# comment\n\t # another\n\twitness \t w1  {W1}   https://w1.example.com/  \n"
        "\n  quorum\tw1"
    )
    policy = parse_policy(text)
    assert (policy.witnesses[0].name, policy.witnesses[0].url) == ("w1", "https://w1.example.com/")
    assert policy.quorum == "w1"


def test_keywords_other_than_none_are_valid_names() -> None:
    policy = parse_policy(
        f"witness all {W1}\nwitness any {W2}\ngroup group 2 all any\nquorum group\n"
    )
    assert policy.groups == (WitnessGroup("group", 2, ("all", "any")),)


def test_names_are_opaque_octets() -> None:
    kelvin = "\u212a".encode()  # the Kelvin sign, not the letter K
    policy = parse_policy(
        b"witness K " + W1.encode() + b"\nwitness " + kelvin + b" " + W2.encode() + b"\nquorum K\n"
    )
    assert len({w.name for w in policy.witnesses}) == 2
    raw = parse_policy(b"witness w\x80 " + W1.encode() + b"\nquorum w\x80\n")
    assert raw.quorum.encode("utf-8", "surrogateescape") == b"w\x80"


def test_registry_lines() -> None:
    policy = parse_policy(
        f"log {LOG}\nregistry 1 {ADDRESS}\nregistry 31337 {ADDRESS.lower()}\nquorum none\n"
    )
    assert policy.registries == (
        Registry(1, bytes.fromhex(ADDRESS[2:])),
        Registry(31337, bytes.fromhex(ADDRESS[2:])),
    )
    assert str(policy.registries[0]) == f"1 {ADDRESS.lower()}"


def test_canonical_text_round_trips() -> None:
    text = (
        f"# A policy.\nlog {LOG} https://log.example.com/\nwitness w1 {W1} https://w1.example/\n"
        f"witness w2 {W2}\ngroup g1 any w1 w2\nregistry 5 {ADDRESS}\nquorum g1\n"
    )
    policy = parse_policy(text)
    assert policy.text == (
        f"log {LOG} https://log.example.com/\nwitness w1 {W1} https://w1.example/\n"
        f"witness w2 {W2}\ngroup g1 1 w1 w2\nregistry 5 {ADDRESS.lower()}\nquorum g1\n"
    )
    assert parse_policy(policy.text) == policy


def _unknown_type_key() -> str:
    return str(VerifierKey("unknown.example", 0x63, bytes(32)))


CASES = [
    ("disallowed-control-octet", "quorum none\n\x01", 2, "invalid octet 0x01"),
    ("carriage-return", "quorum none\r\n", 1, "invalid octet 0x0d"),
    ("delete", f"witness w1 {W1}\nquorum\x7f w1\n", 2, "invalid octet 0x7f"),
    ("unknown-keyword", "quibble w1\nquorum none\n", 1, "unknown keyword"),
    (
        "inline-comment",
        f"witness w1 {W1} https://w1/ # c\nquorum w1\n",
        1,
        "wrong number of fields",
    ),
    ("log-without-key", "log\nquorum none\n", 1, "wrong number of fields"),
    ("log-with-invalid-key", "log garbage\nquorum none\n", 1, "malformed verifier id"),
    (
        "log-with-unknown-type",
        f"log {_unknown_type_key()}\nquorum none\n",
        1,
        "unknown verifier algorithm",
    ),
    ("log-with-witness-key", f"log {W1}\nquorum none\n", 1, "unknown verifier algorithm"),
    (
        "duplicate-log-key",
        f"log {LOG}\nlog {LOG} https://l/\nquorum none\n",
        2,
        "duplicate log public key",
    ),
    ("witness-without-key", "witness w1\nquorum none\n", 1, "wrong number of fields"),
    (
        "witness-with-plain-key",
        f"witness w1 {PLAIN}\nquorum w1\n",
        1,
        "type 0x01, not a cosignature",
    ),
    ("witness-with-bad-key", f"witness w1 {W1[:-2]}\nquorum w1\n", 1, "malformed verifier id"),
    ("witness-named-none", f"witness none {W1}\nquorum none\n", 1, "reserved"),
    (
        "duplicate-witness-name",
        f"witness w1 {W1}\nwitness w1 {W2}\nquorum w1\n",
        2,
        "duplicate name",
    ),
    (
        "group-named-like-witness",
        f"witness w1 {W1}\ngroup w1 any w1\nquorum w1\n",
        2,
        "duplicate name",
    ),
    (
        "group-without-members",
        f"witness w1 {W1}\ngroup g1 1\nquorum w1\n",
        2,
        "wrong number of fields",
    ),
    ("group-named-none", f"witness w1 {W1}\ngroup none any w1\nquorum none\n", 2, "reserved"),
    ("zero-threshold", f"witness w1 {W1}\ngroup g1 0 w1\nquorum g1\n", 2, "outside [1, 1]"),
    ("negative-threshold", f"witness w1 {W1}\ngroup g1 -1 w1\nquorum g1\n", 2, "invalid threshold"),
    (
        "threshold-above-members",
        f"witness w1 {W1}\ngroup g1 2 w1\nquorum g1\n",
        2,
        "outside [1, 1]",
    ),
    ("unknown-member", f"witness w1 {W1}\ngroup g1 any w2\nquorum g1\n", 2, "unknown member"),
    ("forward-reference", f"group g1 any w1\nwitness w1 {W1}\nquorum g1\n", 1, "unknown member"),
    ("none-as-member", f"witness w1 {W1}\ngroup g1 any none w1\nquorum g1\n", 2, "unknown member"),
    (
        "member-twice-in-group",
        f"witness w1 {W1}\ngroup g1 all w1 w1\nquorum g1\n",
        2,
        "more than once",
    ),
    (
        "member-in-two-groups",
        f"witness w1 {W1}\nwitness w2 {W2}\ngroup g1 any w1 w2\ngroup g2 any w1\nquorum g1\n",
        4,
        "more than once",
    ),
    ("no-quorum", f"witness w1 {W1}\n", None, "exactly one quorum"),
    ("two-quorums", f"witness w1 {W1}\nquorum w1\nquorum w1\n", 3, "exactly one quorum"),
    ("quorum-unknown-witness", "quorum unknown\n", 1, "not defined"),
    ("quorum-before-definition", f"quorum w1\nwitness w1 {W1}\n", 1, "not defined"),
    ("quorum-without-name", "quorum\n", 1, "wrong number of fields"),
    ("registry-bad-address", "registry 1 0x1234\nquorum none\n", 1, "20-byte hex address"),
    ("registry-chain-zero", f"registry 0 {ADDRESS}\nquorum none\n", 1, "chain ID 0"),
    ("registry-chain-leading-zero", f"registry 01 {ADDRESS}\nquorum none\n", 1, "leading zeroes"),
    (
        "registry-twice",
        f"registry 1 {ADDRESS}\nregistry 1 {ADDRESS.lower()}\nquorum none\n",
        2,
        "duplicate registry",
    ),
    ("registry-missing-address", "registry 1\nquorum none\n", 1, "wrong number of fields"),
    ("bad-url", f"log {LOG} http://[::1\nquorum none\n", 1, "IPv6"),
]


@pytest.mark.parametrize(
    ("text", "line", "message"), [case[1:] for case in CASES], ids=[c[0] for c in CASES]
)
def test_invalid_policy_names_the_line(text: str, line: int | None, message: str) -> None:
    with pytest.raises(PolicyFileError) as caught:
        parse_policy(text)
    assert caught.value.line == line
    assert message in str(caught.value)
    if line is not None:
        assert str(caught.value).startswith(f"line {line}: ")


def test_duplicate_witness_key_under_another_name_is_refused() -> None:
    signer = witness_signer("w1.example")
    impostor = str(VerifierKey("impostor.example", 0x04, signer.verifier().public_key))
    with pytest.raises(PolicyFileError, match=r"duplicate witness public key"):
        parse_policy(f"witness w1 {W1}\nwitness w2 {impostor}\nquorum w1\n")


@given(st.lists(st.sampled_from([W1, W2, W3, W4]), min_size=1, max_size=4, unique=True), st.data())
def test_any_threshold_in_range_parses(keys: list[str], data: st.DataObject) -> None:
    k = data.draw(st.integers(1, len(keys)))
    lines = [f"witness n{i} {key}" for i, key in enumerate(keys)]
    members = " ".join(f"n{i}" for i in range(len(keys)))
    policy = parse_policy("\n".join([*lines, f"group g {k} {members}", "quorum g"]))
    assert policy.groups[0].threshold == k
    assert parse_policy(policy.text) == policy
