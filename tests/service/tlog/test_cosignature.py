"""Witness cosignatures: the signed message, keys of other implementations, named failures."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anchor_service.tlog import (
    COSIGNATURE_V1,
    MAX_TIMESTAMP,
    CosignatureSigner,
    Ed25519Signer,
    InvalidSignatureError,
    MalformedCheckpointError,
    MalformedKeyError,
    Signature,
    UnverifiedNoteError,
    VerifierKey,
    VerifierList,
    cosignature_timestamp,
    cosignature_verifier_key,
    cosigned_message,
    generate_cosignature_key,
    new_cosignature_signer,
    new_cosignature_verifier,
    new_verifier,
    open_note,
    sign_note,
)

from .builders import checkpoint, log_signer, seed, signed_checkpoint, witness_signer

SPEC_BODY = b"example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
# From transparency-dev/formats note/note_cosigv1_test.go (Apache-2.0): a witness key of
# type 0x04, and a cosignature whose timestamp is 1727964367.
REMORA_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
FORMATS_COSIGNATURE = (
    "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7"
    "S5gxEHWWOworDcFiEBYJXORmnFBOBA=="
)


def test_signed_message_is_header_time_and_whole_body() -> None:
    assert cosigned_message(1679315147, SPEC_BODY) == (
        b"cosignature/v1\ntime 1679315147\n"
        b"example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    )


def test_signed_message_refuses_timestamps_outside_u63_and_non_checkpoints() -> None:
    with pytest.raises(ValueError):
        cosigned_message(MAX_TIMESTAMP + 1, SPEC_BODY)
    with pytest.raises(ValueError):
        cosigned_message(-1, SPEC_BODY)
    with pytest.raises(MalformedCheckpointError):
        cosigned_message(0, b"one line\n")


def test_witness_key_of_another_implementation_parses_with_its_key_id() -> None:
    verifier = new_cosignature_verifier(REMORA_VKEY)
    assert (verifier.name, verifier.key_id) == ("remora.n621.de", 0xDA77ADE7)
    assert verifier.vkey == REMORA_VKEY


def test_plain_ed25519_key_is_not_a_witness_key() -> None:
    plain = log_signer("w.example").verifier().vkey
    with pytest.raises(MalformedKeyError, match=r"^unknown verifier algorithm$"):
        new_cosignature_verifier(plain)
    with pytest.raises(MalformedKeyError):
        new_verifier(REMORA_VKEY)


def test_timestamp_of_another_implementations_cosignature() -> None:
    assert cosignature_timestamp(Signature("w", 0x646846B9, FORMATS_COSIGNATURE)) == 1727964367


def test_timestamp_of_a_plain_signature_is_refused() -> None:
    plain = (
        "eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W"
        "/4xkNQY="
    )
    with pytest.raises(ValueError):
        cosignature_timestamp(Signature("w", 0, plain))
    with pytest.raises(ValueError):
        cosignature_timestamp(Signature("w", 0, "5%/$!\n 2"))


def test_cosignature_verifies_with_its_timestamp_and_key_id() -> None:
    witness = witness_signer("w1.example", timestamp=1700000123)
    note = open_note(signed_checkpoint(log_signer(), witness), VerifierList(witness.verifier()))
    (sig,) = note.sigs
    assert (sig.name, sig.key_id) == ("w1.example", witness.key_id)
    assert (
        witness.key_id
        == VerifierKey("w1.example", COSIGNATURE_V1, witness.verifier().public_key).key_id
    )
    assert cosignature_timestamp(sig) == 1700000123
    assert len(base64.b64decode(sig.base64)) == 4 + 8 + 64


def test_cosignature_covers_extension_lines() -> None:
    witness = witness_signer("w1.example")
    signed = signed_checkpoint(witness, body=checkpoint(extensions=("Extendo",)))
    tampered = signed.replace(b"Extendo", b"Extendi")
    with pytest.raises(InvalidSignatureError):
        open_note(tampered, VerifierList(witness.verifier()))


def test_cosignature_by_another_witness_key_is_unknown() -> None:
    signed = signed_checkpoint(witness_signer("w1.example"))
    impostor = CosignatureSigner("w1.example", seed("impostor"))
    with pytest.raises(UnverifiedNoteError):
        open_note(signed, VerifierList(impostor.verifier()))


def test_plain_ed25519_verifier_of_the_same_key_cannot_read_a_cosignature() -> None:
    witness = witness_signer("w1.example")
    plain = new_verifier(str(VerifierKey("w1.example", 0x01, witness.verifier().public_key)))
    with pytest.raises(UnverifiedNoteError):  # the key IDs differ by the type byte
        open_note(signed_checkpoint(witness), VerifierList(plain))


def test_cosignature_with_a_changed_timestamp_is_invalid() -> None:
    witness = witness_signer("w1.example", timestamp=1000)
    signed = signed_checkpoint(witness).decode()
    line = signed.rstrip("\n").rsplit("\n", 1)[1]
    raw = bytearray(base64.b64decode(line.rsplit(" ", 1)[1]))
    raw[11] ^= 1  # last byte of the timestamp
    forged = signed.replace(line, f"— w1.example {base64.b64encode(bytes(raw)).decode()}")
    with pytest.raises(InvalidSignatureError):
        open_note(forged.encode(), VerifierList(witness.verifier()))


def test_witness_refuses_to_cosign_a_non_checkpoint() -> None:
    witness = witness_signer("w1.example")
    with pytest.raises(MalformedCheckpointError):
        sign_note("just a note\n", witness)


def test_cosignature_over_a_non_checkpoint_does_not_verify() -> None:
    witness = witness_signer("w1.example")
    signature = witness.sign(SPEC_BODY)
    assert witness.verifier().verify(SPEC_BODY, signature)
    assert not witness.verifier().verify(b"just a note\n", signature)
    assert not witness.verifier().verify(b"\xff\n1\nAAAA\n", signature)
    assert not witness.verifier().verify(SPEC_BODY, signature[:-1])


def test_generated_witness_keys_round_trip() -> None:
    skey, vkey = generate_cosignature_key("w.example")
    signer = new_cosignature_signer(skey, clock=lambda: 5)
    assert (
        signer.verifier().vkey
        == vkey
        == cosignature_verifier_key("w.example", signer.verifier().public_key)
    )
    note = open_note(
        sign_note(checkpoint().text, signer), VerifierList(new_cosignature_verifier(vkey))
    )
    assert cosignature_timestamp(note.sigs[0]) == 5
    assert "PRIVATE" not in repr(signer) and skey.split("+", 4)[4][:8] not in repr(signer)


def test_witness_signer_key_of_plain_type_or_wrong_id_is_refused() -> None:
    skey, _ = generate_cosignature_key("w.example")
    private, marker, name, hex_id, material = skey.split("+", 4)
    wrong_id = f"{int(hex_id, 16) ^ 1:08x}"
    with pytest.raises(MalformedKeyError, match=r"invalid signer key hash"):
        new_cosignature_signer("+".join([private, marker, name, wrong_id, material]))
    plain_material = base64.b64encode(b"\x01" + base64.b64decode(material)[1:]).decode()
    plain = "+".join([private, marker, name, hex_id, plain_material])
    with pytest.raises(MalformedKeyError, match=r"unknown signer algorithm"):
        new_cosignature_signer(plain)


@given(st.integers(0, MAX_TIMESTAMP), st.integers(0, 2**64 - 1))
def test_any_timestamp_and_size_round_trip(timestamp: int, size: int) -> None:
    witness = witness_signer("w.example", timestamp=timestamp)
    note = open_note(
        signed_checkpoint(witness, body=checkpoint(size)), VerifierList(witness.verifier())
    )
    assert cosignature_timestamp(note.sigs[0]) == timestamp


def test_cosignature_with_a_timestamp_above_2_63_minus_1_is_invalid() -> None:
    # A correct Ed25519 signature over the message a too-late timestamp would give.
    timestamp = MAX_TIMESTAMP + 1
    message = b"cosignature/v1\ntime %d\n" % timestamp + SPEC_BODY
    raw = Ed25519Signer("w.example", seed("late")).sign(message)
    verifier = CosignatureSigner("w.example", seed("late")).verifier()
    assert not verifier.verify(SPEC_BODY, timestamp.to_bytes(8, "big") + raw)
    assert verifier.verify(
        SPEC_BODY, CosignatureSigner("w.example", seed("late"), lambda: 7).sign(SPEC_BODY)
    )
