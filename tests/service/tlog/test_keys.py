"""Key IDs and key strings, checked as Go's TestNewVerifier/TestNewSigner/TestGenerateKey do."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anchor_service.tlog import (
    ED25519,
    Ed25519Signer,
    Ed25519Verifier,
    InvalidSignerError,
    MalformedKeyError,
    VerifierKey,
    generate_key,
    key_id,
    new_signer,
    new_verifier,
    parse_verifier_key,
    verifier_key,
)
from anchor_service.tlog.encoding import is_valid_name

from .builders import seed

PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
# A plain Ed25519 key from transparency-dev/formats note/note_cosigv1_test.go (Apache-2.0).
FORMATS_VKEY = "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6"


def test_key_id_is_the_first_four_bytes_of_sha256_of_name_newline_type_key() -> None:
    public = bytes(range(32))
    digest = hashlib.sha256(b"example.com/log\n\x01" + public).digest()
    assert key_id("example.com/log", ED25519, public) == int.from_bytes(digest[:4], "big")


def test_verifier_keys_of_other_implementations_parse() -> None:
    for vkey in (PETER_VKEY, FORMATS_VKEY):
        verifier = new_verifier(vkey)
        assert verifier.vkey == vkey
        assert str(parse_verifier_key(vkey)) == vkey


def test_uppercase_hex_key_id_is_accepted_like_go() -> None:
    assert new_verifier(PETER_VKEY.replace("c74f20a3", "C74F20A3")).key_id == 0xC74F20A3


def test_every_substring_of_a_verifier_key_is_refused() -> None:
    for start in range(len(PETER_VKEY) + 1):
        for stop in range(start + 1, len(PETER_VKEY) + 1):
            if (start, stop) != (0, len(PETER_VKEY)):
                with pytest.raises(MalformedKeyError):
                    new_verifier(PETER_VKEY[start:stop])


def test_every_one_character_change_of_a_verifier_key_is_refused() -> None:
    for position in range(len(PETER_VKEY)):
        changed = PETER_VKEY[:position] + chr(ord(PETER_VKEY[position]) + 1)
        with pytest.raises(MalformedKeyError):
            new_verifier(changed + PETER_VKEY[position + 1 :])


def test_every_mangling_of_a_signer_key_is_refused() -> None:
    for start in range(len(PETER_SKEY) + 1):
        for stop in range(start + 1, len(PETER_SKEY) + 1):
            if (start, stop) != (0, len(PETER_SKEY)):
                with pytest.raises(MalformedKeyError):
                    new_signer(PETER_SKEY[start:stop])
    for position in range(len(PETER_SKEY)):
        changed = PETER_SKEY[:position] + chr(ord(PETER_SKEY[position]) + 1)
        with pytest.raises(MalformedKeyError):
            new_signer(changed + PETER_SKEY[position + 1 :])


def test_key_errors_use_go_texts() -> None:
    with pytest.raises(MalformedKeyError, match=r"^malformed verifier id$"):
        new_verifier("PeterNeumann+c74f20a3")
    with pytest.raises(MalformedKeyError, match=r"^invalid verifier hash$"):
        new_verifier(PETER_VKEY.replace("c74f20a3", "c74f20a4"))
    witness_key = str(VerifierKey("w.example", 0x04, bytes(32)))
    with pytest.raises(MalformedKeyError, match=r"^unknown verifier algorithm$"):
        new_verifier(witness_key)


def test_signer_key_errors_never_repeat_the_secret() -> None:
    secret = PETER_SKEY.split("+", 4)[4]
    for bad in (PETER_SKEY[:-1], PETER_SKEY.replace("c74f20a3", "c74f20a4"), PETER_SKEY + "A"):
        with pytest.raises(MalformedKeyError) as caught:
            new_signer(bad)
        assert secret[:8] not in str(caught.value)
        assert secret[:8] not in repr(caught.value)


def test_signer_repr_hides_the_seed() -> None:
    signer = new_signer(PETER_SKEY)
    assert repr(signer) == "Ed25519Signer(name='PeterNeumann', key_id=c74f20a3)"
    assert "seed" not in repr(signer) and "private" not in repr(signer)


def test_generated_keys_sign_and_verify_and_reject_corruption() -> None:
    skey, vkey = generate_key("EnochRoot")
    signer, verifier = new_signer(skey), new_verifier(vkey)
    assert (
        (signer.name, signer.key_id)
        == (verifier.name, verifier.key_id)
        == ("EnochRoot", verifier.key_id)
    )
    signature = signer.sign(b"hi")
    assert verifier.verify(b"hi", signature)
    assert not verifier.verify(b"hj", signature)
    assert not verifier.verify(b"hi", bytes([signature[0] ^ 1]) + signature[1:])
    assert not verifier.verify(b"hi", signature[:-1])


def test_generate_key_refuses_an_invalid_name() -> None:
    with pytest.raises(InvalidSignerError):
        generate_key("bad name")


def test_verifier_key_from_a_raw_public_key() -> None:
    signer = Ed25519Signer("EnochRoot", seed("enoch"))
    vkey = verifier_key("EnochRoot", signer.public_key)
    assert new_verifier(vkey) == signer.verifier()
    with pytest.raises(MalformedKeyError):
        verifier_key("EnochRoot", signer.public_key[:-1])


def test_verifier_that_is_not_a_curve_point_verifies_nothing() -> None:
    # y = 2**255 - 1 is not a field element: no Ed25519 point encodes to it.
    verifier = Ed25519Verifier("bad.example", b"\xff" * 31 + b"\x7f")
    assert not verifier.verify(b"hi", bytes(64))


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("example.com/log", True),
        ("ünïcode/ok", True),
        ("", False),
        ("a+b", False),
        ("a b", False),
        ("a\tb", False),
        ("a\u00a0b", False),  # no-break space
        ("a\u2003b", False),  # em space
        ("a\u3000b", False),  # ideographic space
        ("a\x85b", False),  # next line
        ("a\x1cb", True),  # Python's isspace() says yes; Unicode White_Space and Go say no
        ("a\ud800b", False),  # a lone surrogate is not UTF-8
    ],
)
def test_key_name_rule(name: str, valid: bool) -> None:
    assert is_valid_name(name) is valid


@given(st.text(min_size=1).filter(is_valid_name), st.binary(min_size=32, max_size=32))
def test_verifier_key_string_round_trips(name: str, seed_bytes: bytes) -> None:
    verifier = Ed25519Signer(name, seed_bytes).verifier()
    assert new_verifier(verifier.vkey) == verifier
    assert parse_verifier_key(verifier.vkey).key_id == verifier.key_id
