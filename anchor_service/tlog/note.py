"""Signed notes (c2sp.org/signed-note): open and verify, sign, as golang.org/x/mod/sumdb/note.

A signed note is a text ending in a newline, a blank line, and one or more
signature lines ``— <key name> base64(key ID || signature)``::

    If you think cryptography is the answer to your problem,
    then you don't know what your problem is.

    — PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNX...JnAM=

The rules :func:`open_note` enforces, each as the Go reference does:

- the note is valid UTF-8 with no control character but the newline;
- the text ends at the *last* blank line; at least one signature line follows,
  and the note ends with a newline;
- each signature line has the em-dash prefix, a valid key name, and standard
  padded base64 of at least 5 bytes; more than 100 lines is malformed;
- a signature whose name and key ID match no known key is kept, unverified;
  repeated identical unknown lines are kept once; a repeated known key is
  verified once; a known key whose signature fails rejects the whole note;
- if no known key signed, :class:`UnverifiedNoteError` carries the note.

Errors (see ``errors``): :class:`MalformedNoteError` (``"malformed note"``),
:class:`InvalidSignatureError`, :class:`AmbiguousKeyError`,
:class:`UnverifiedNoteError`, :class:`MismatchedVerifierError`,
:class:`InvalidSignerError` when signing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Protocol

from .encoding import decode_base64, encode_base64, is_valid_name
from .errors import (
    AmbiguousKeyError,
    InvalidSignatureError,
    InvalidSignerError,
    MalformedNoteError,
    MismatchedVerifierError,
    UnknownKeyError,
    UnverifiedNoteError,
)
from .keys import Signer, Verifier

__all__ = [
    "MAX_SIGNATURES",
    "Note",
    "Signature",
    "VerifierList",
    "VerifierLookup",
    "open_note",
    "sign_note",
]

MAX_SIGNATURES = 100
"""Most signature lines a note may have (Go's limit; the spec asks for at least 16)."""

_PREFIX = "— ".encode()
_SPLIT = b"\n\n"


class VerifierLookup(Protocol):
    """Finds the known verifier for a name and key ID."""

    def verifier(self, name: str, key_id: int) -> Verifier:
        """Return the verifier, or raise ``UnknownKeyError`` (or ``AmbiguousKeyError``)."""
        ...


class VerifierList:
    """The known keys, looked up by name and key ID as Go's ``VerifierList``.

    Listing two keys with the same name and ID is allowed, but a signature
    naming them raises :class:`AmbiguousKeyError`: it cannot be attributed.
    """

    def __init__(self, *verifiers: Verifier) -> None:
        self._by_key: defaultdict[tuple[str, int], list[Verifier]] = defaultdict(list)
        for verifier in verifiers:
            self._by_key[verifier.name, verifier.key_id].append(verifier)

    def verifier(self, name: str, key_id: int) -> Verifier:
        found = self._by_key.get((name, key_id))
        if not found:
            raise UnknownKeyError(name, key_id)
        if len(found) > 1:
            raise AmbiguousKeyError(name, key_id)
        return found[0]


@dataclass(frozen=True, slots=True)
class Signature:
    """One signature line: key name, key ID and the base64 of ``key ID || signature``."""

    name: str
    key_id: int
    base64: str

    @property
    def line(self) -> str:
        """The signature line, with its newline."""
        return f"— {self.name} {self.base64}\n"


@dataclass(frozen=True, slots=True)
class Note:
    """A note's text and its verified and unverified signatures, in the order they appeared."""

    text: str
    sigs: tuple[Signature, ...] = ()
    unverified_sigs: tuple[Signature, ...] = ()


def open_note(msg: bytes, known: VerifierLookup) -> Note:
    """Parse the signed note ``msg`` and verify the signatures of the ``known`` keys.

    Returns the note with at least one verified signature; raises the errors
    listed in the module docstring otherwise.
    """
    try:
        decoded = msg.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedNoteError("not valid UTF-8") from exc
    if any(char < " " and char != "\n" for char in decoded):
        raise MalformedNoteError("control character other than newline")
    split = msg.rfind(_SPLIT)
    if split < 0:
        raise MalformedNoteError("no blank line before the signatures")
    text, block = msg[: split + 1], msg[split + 2 :]
    if not block or not block.endswith(b"\n"):
        raise MalformedNoteError("no signature lines, or no final newline")

    verified: list[Signature] = []
    unverified: list[Signature] = []
    seen: set[tuple[str, int]] = set()
    seen_unverified: set[bytes] = set()
    for count, line in enumerate(block[:-1].split(b"\n"), start=1):
        if not line.startswith(_PREFIX):
            raise MalformedNoteError(f"signature line {count} lacks the em-dash prefix")
        body = line[len(_PREFIX) :]
        sig, raw = _parse_signature(body, count)
        if count > MAX_SIGNATURES:
            raise MalformedNoteError(f"more than {MAX_SIGNATURES} signatures")
        try:
            verifier = known.verifier(sig.name, sig.key_id)
        except UnknownKeyError:
            if body not in seen_unverified:
                seen_unverified.add(body)
                unverified.append(sig)
            continue
        if verifier.name != sig.name or verifier.key_id != sig.key_id:
            raise MismatchedVerifierError(sig.name, sig.key_id)
        if (sig.name, sig.key_id) in seen:
            continue
        seen.add((sig.name, sig.key_id))
        if not verifier.verify(text, raw[4:]):
            raise InvalidSignatureError(sig.name, sig.key_id)
        verified.append(sig)

    note = Note(text.decode("utf-8"), tuple(verified), tuple(unverified))
    if not verified:
        raise UnverifiedNoteError(note)
    return note


def _parse_signature(body: bytes, count: int) -> tuple[Signature, bytes]:
    """Parse ``<name> <base64>`` (after the prefix) of signature line ``count``; return raw too."""
    name, _, encoded = body.decode("utf-8").partition(" ")
    try:
        raw = decode_base64(encoded)
    except ValueError:
        raw = b""
    if not is_valid_name(name) or len(raw) < 5:
        raise MalformedNoteError(f"signature line {count} is not '— <name> <base64>'")
    return Signature(name, int.from_bytes(raw[:4], "big"), encoded), raw


def sign_note(note: Note | str, *signers: Signer) -> bytes:
    """Return the signed note: ``note``'s text, its signatures, then one per signer.

    As Go's ``Sign``: existing signatures (verified, then unverified) come
    first, except those by a key one of ``signers`` holds, which are replaced.
    Requires a text ending in a newline and free of control characters other
    than newlines (which no note could carry), valid existing signatures
    (:class:`MalformedNoteError`) and valid signer names (:class:`InvalidSignerError`).
    """
    if isinstance(note, str):
        note = Note(note)
    text = note.text
    if not text.endswith("\n") or any(char < " " and char != "\n" for char in text):
        raise MalformedNoteError("the text must end in a newline and hold no control characters")
    message = text.encode("utf-8")
    fresh: list[str] = []
    replaced: set[tuple[str, int]] = set()
    for signer in signers:
        if not is_valid_name(signer.name):
            raise InvalidSignerError(signer.name)
        replaced.add((signer.name, signer.key_id))
        raw = signer.key_id.to_bytes(4, "big") + signer.sign(message)
        fresh.append(Signature(signer.name, signer.key_id, encode_base64(raw)).line)

    kept: list[str] = []
    for sig in (*note.sigs, *note.unverified_sigs):
        if not is_valid_name(sig.name):
            raise MalformedNoteError(f"existing signature has an invalid name {sig.name!r}")
        if (sig.name, sig.key_id) in replaced:
            continue
        try:
            raw = decode_base64(sig.base64)
        except ValueError:
            raw = b""
        if len(raw) < 4 or int.from_bytes(raw[:4], "big") != sig.key_id:
            raise MalformedNoteError(f"existing signature of {sig.name} does not hold its key ID")
        kept.append(sig.line)
    return (text + "\n" + "".join(kept) + "".join(fresh)).encode("utf-8")
