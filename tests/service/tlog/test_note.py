"""Opening and signing notes: Go's TestOpen and TestSign cases, named, plus properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anchor_service.tlog import (
    AmbiguousKeyError,
    Ed25519Signer,
    InvalidSignatureError,
    InvalidSignerError,
    MalformedNoteError,
    MismatchedVerifierError,
    Note,
    Signature,
    UnverifiedNoteError,
    Verifier,
    VerifierList,
    new_signer,
    new_verifier,
    open_note,
    sign_note,
)

from .builders import seed

TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER = new_verifier("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
ENOCH = new_verifier("EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop")
PETER_B64 = (
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
)
ENOCH_B64 = (
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ="
)
PETER_SIG = f"— PeterNeumann {PETER_B64}\n"
ENOCH_SIG = f"— EnochRoot {ENOCH_B64}\n"
PETER_S = Signature("PeterNeumann", 0xC74F20A3, PETER_B64)
ENOCH_S = Signature("EnochRoot", 0xAF0CFE78, ENOCH_B64)


def _open(msg: str, *verifiers: Verifier) -> Note:
    return open_note(msg.encode("utf-8"), VerifierList(*verifiers))


def test_one_known_signature_verifies_and_an_unknown_one_is_kept() -> None:
    note = _open(TEXT + "\n" + PETER_SIG + ENOCH_SIG, PETER)
    assert note == Note(TEXT, (PETER_S,), (ENOCH_S,))


def test_unverified_note_error_carries_the_parsed_note() -> None:
    with pytest.raises(UnverifiedNoteError) as caught:
        _open(TEXT + "\n" + PETER_SIG + ENOCH_SIG)
    assert caught.value.note == Note(TEXT, (), (PETER_S, ENOCH_S))


def test_duplicated_known_key_used_by_a_signature_is_ambiguous() -> None:
    with pytest.raises(AmbiguousKeyError, match=r"^ambiguous key EnochRoot\+af0cfe78$"):
        _open(TEXT + "\n" + ENOCH_SIG, ENOCH, PETER, ENOCH)


def test_duplicated_known_key_not_used_is_harmless() -> None:
    assert _open(TEXT + "\n" + PETER_SIG, ENOCH, PETER, ENOCH).sigs == (PETER_S,)


def test_too_many_signatures_are_malformed_even_with_no_known_key() -> None:
    with pytest.raises(MalformedNoteError, match=r"^malformed note$"):
        _open(TEXT + "\n" + PETER_SIG * 101)
    assert _open(TEXT + "\n" + PETER_SIG * 100, PETER).sigs == (PETER_S,)


def test_corrupted_signature_of_a_known_key_rejects_the_note() -> None:
    corrupted = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(InvalidSignatureError) as caught:
        _open(TEXT + "\n" + corrupted, PETER)
    assert (caught.value.name, caught.value.key_id) == ("PeterNeumann", 0xC74F20A3)


def test_repeated_signatures_are_read_once() -> None:
    enoch_abcd = ENOCH_SIG[:60] + "ABCD" + ENOCH_SIG[60:]
    sigs = PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG + enoch_abcd
    note = _open(TEXT + "\n" + sigs, PETER)
    abcd = Signature("EnochRoot", 0xAF0CFE78, ENOCH_B64[:48] + "ABCD" + ENOCH_B64[48:])
    assert note == Note(TEXT, (PETER_S,), (ENOCH_S, abcd))


def test_second_signature_of_a_known_key_is_not_checked_like_go() -> None:
    corrupted = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    assert _open(TEXT + "\n" + PETER_SIG + corrupted, PETER).sigs == (PETER_S,)


@pytest.mark.parametrize(
    "msg",
    [
        pytest.param(TEXT, id="no-signatures"),
        pytest.param(TEXT + "\n", id="blank-line-only"),
        pytest.param(TEXT + "\n" + PETER_SIG[:-1], id="no-final-newline"),
        pytest.param("\x01" + TEXT + "\n" + PETER_SIG, id="control-character"),
        pytest.param("\r" + TEXT + "\n" + PETER_SIG, id="carriage-return"),
        pytest.param(TEXT + "\n" + "— Bad Name " + PETER_B64 + "\n", id="name-with-space"),
        pytest.param(TEXT + "\n" + "— a+b " + PETER_B64 + "\n", id="name-with-plus"),
        pytest.param(TEXT + "\n" + PETER_SIG + "Unexpected line.\n", id="stray-line"),
        pytest.param(TEXT + "\n" + "- PeterNeumann " + PETER_B64 + "\n", id="hyphen-not-em-dash"),
        pytest.param(TEXT + "\n" + "— PeterNeumann\n", id="no-signature-field"),
        pytest.param(TEXT + "\n" + "— PeterNeumann " + PETER_B64[:-1] + "\n", id="bad-padding"),
        pytest.param(TEXT + "\n" + "— PeterNeumann " + PETER_B64[:-4] + "!!!=\n", id="bad-base64"),
        pytest.param(TEXT + "\n" + "— PeterNeumann AAAAAA==\n", id="signature-under-5-bytes"),
        pytest.param(TEXT + "\n" + "— PeterNeumann  " + PETER_B64 + "\n", id="two-spaces"),
    ],
)
def test_malformed_note_is_refused(msg: str) -> None:
    with pytest.raises(MalformedNoteError, match=r"^malformed note$") as caught:
        _open(msg, PETER)
    assert caught.value.reason


def test_invalid_utf8_is_malformed() -> None:
    msg = b"\xff" + (TEXT + "\n" + PETER_SIG).encode()
    with pytest.raises(MalformedNoteError):
        open_note(msg, VerifierList(PETER))


def test_text_ends_at_the_last_blank_line() -> None:
    signer = Ed25519Signer("example.com/k", seed("k"))
    text = "first paragraph\n\nsecond paragraph\n"
    note = open_note(sign_note(text, signer), VerifierList(signer.verifier()))
    assert note.text == text


class _Fixed:
    """A lookup that always answers with one verifier, as Go's test ``fixedVerifier``."""

    def __init__(self, verifier: Verifier) -> None:
        self._verifier = verifier

    def verifier(self, name: str, key_id: int) -> Verifier:
        return self._verifier


def test_lookup_answering_with_another_key_is_refused() -> None:
    misnamed = PETER_SIG.replace("PeterNeumann", "CarmenSandiego")
    with pytest.raises(MismatchedVerifierError):
        open_note((TEXT + "\n" + misnamed).encode(), _Fixed(PETER))
    wrong_id = PETER_SIG.replace("x08g", "xxxx")
    with pytest.raises(MismatchedVerifierError):
        open_note((TEXT + "\n" + wrong_id).encode(), _Fixed(PETER))


def test_sign_replaces_an_existing_signature_of_the_same_key() -> None:
    bad = Note(TEXT, (Signature("PeterNeumann", 0xC74F20A3, "BADSIGN="),))
    assert sign_note(bad, new_signer(PETER_SKEY)).decode() == TEXT + "\n" + PETER_SIG


def test_sign_keeps_other_signatures_first() -> None:
    note = _open(TEXT + "\n" + PETER_SIG + ENOCH_SIG, PETER)
    signer = Ed25519Signer("example.com/k", seed("k"))
    signed = sign_note(note, signer)
    reopened = open_note(signed, VerifierList(PETER, ENOCH, signer.verifier()))
    assert [sig.name for sig in reopened.sigs] == ["PeterNeumann", "EnochRoot", "example.com/k"]


@pytest.mark.parametrize(
    "note",
    [
        pytest.param(Note("abc"), id="text-without-newline"),
        pytest.param(Note("a\x01b\n"), id="control-character"),
        pytest.param(Note(TEXT, (Signature("a+b", 0, "ABCD"),)), id="existing-bad-name"),
        pytest.param(
            Note(TEXT, (Signature("PeterNeumann", 0xC74F20A3, "BADHASH="),)), id="existing-bad-id"
        ),
        pytest.param(
            Note(TEXT, (), (Signature("EnochRoot", 0xAF0CFE78, "not base64"),)),
            id="existing-bad-b64",
        ),
    ],
)
def test_sign_refuses_a_malformed_note(note: Note) -> None:
    with pytest.raises(MalformedNoteError, match=r"^malformed note$"):
        sign_note(note)


def test_sign_refuses_a_signer_with_an_invalid_name() -> None:
    with pytest.raises(InvalidSignerError, match=r"^invalid signer$"):
        sign_note(TEXT, Ed25519Signer("bad name", seed("bad")))


_texts = st.lists(
    st.text(st.characters(min_codepoint=0x20, codec="utf-8"), max_size=30),
    min_size=1,
    max_size=6,
).map(lambda lines: "".join(line + "\n" for line in lines))


@given(_texts, st.lists(st.integers(0, 5), min_size=1, max_size=4, unique=True))
def test_signed_note_opens_to_its_text_and_signers(text: str, labels: list[int]) -> None:
    signers = [Ed25519Signer(f"example.com/{label}", seed(str(label))) for label in labels]
    signed = sign_note(text, *signers)
    note = open_note(signed, VerifierList(*(signer.verifier() for signer in signers)))
    assert note.text == text
    assert [sig.name for sig in note.sigs] == [signer.name for signer in signers]


@given(_texts, st.data())
def test_any_change_to_the_text_breaks_the_signature(text: str, data: st.DataObject) -> None:
    signer = Ed25519Signer("example.com/k", seed("k"))
    signed = sign_note(text, signer)
    position = data.draw(st.integers(0, len(text.encode()) - 1))
    tampered = bytearray(signed)
    tampered[position] ^= 0x01
    with pytest.raises((InvalidSignatureError, MalformedNoteError, UnverifiedNoteError)):
        open_note(bytes(tampered), VerifierList(signer.verifier()))
