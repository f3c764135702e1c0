"""Note keys: key IDs, verifier and signer key strings, Ed25519 keys, lists of known keys.

A key is named (``example.com/log``) and identified in signature lines by a
32-bit key ID::

    key ID = SHA-256(key name || 0x0A || signature type || public key)[:4]

Keys travel as strings, as golang.org/x/mod/sumdb/note formats them::

    verifier key  <name>+<hex(key ID)>+<base64(signature type || public key)>
    signer key    PRIVATE+KEY+<name>+<hex(key ID)>+<base64(signature type || seed)>

Parsing follows Go's ``NewVerifier``/``NewSigner`` check for check, so the
same strings are accepted and refused (the error texts of verifier keys are
Go's). A signer key is a secret: it is never repeated in a message or a
``repr``. This module knows plain Ed25519 (type 0x01); ``cosignature``
adds timestamped witness keys (type 0x04) on the same string format, and
``note`` looks keys up by name and ID (``VerifierList``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .encoding import decode_base64, encode_base64, is_valid_name
from .errors import InvalidSignerError, MalformedKeyError

__all__ = [
    "ED25519",
    "Ed25519Signer",
    "Ed25519Verifier",
    "Signer",
    "SignerKey",
    "Verifier",
    "VerifierKey",
    "generate_key",
    "key_id",
    "new_signer",
    "new_verifier",
    "parse_signer_key",
    "parse_verifier_key",
    "verifier_key",
]

ED25519 = 0x01
"""Signature type of plain Ed25519 note signatures (c2sp.org/signed-note)."""

_HEX_ID = re.compile(r"[0-9a-fA-F]{8}")


class Verifier(Protocol):
    """Checks signatures of one named key."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> int: ...

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Return whether ``signature`` (without the 4-byte key ID) signs ``message``."""
        ...


class Signer(Protocol):
    """Signs messages with one named key."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> int: ...

    def sign(self, message: bytes) -> bytes:
        """Return the signature of ``message`` (without the 4-byte key ID)."""
        ...


def key_id(name: str, key_type: int, public_key: bytes) -> int:
    """Return the key ID ``SHA-256(name || 0x0A || key_type || public_key)[:4]`` as a uint32."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([key_type]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


@dataclass(frozen=True, slots=True)
class VerifierKey:
    """A parsed verifier key of any signature type: name, type byte and public key bytes."""

    name: str
    key_type: int
    public_key: bytes

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.key_type, self.public_key)

    def __str__(self) -> str:
        material = encode_base64(bytes([self.key_type]) + self.public_key)
        return f"{self.name}+{self.key_id:08x}+{material}"


@dataclass(frozen=True, slots=True)
class SignerKey:
    """A parsed signer key: name, declared key ID, type byte and private key (never shown)."""

    name: str
    key_id: int
    key_type: int
    private_key: bytes = field(repr=False)


def parse_verifier_key(vkey: str) -> VerifierKey:
    """Parse ``name+hex(id)+base64(type || key)`` whose key ID matches its name and key.

    Raises :class:`MalformedKeyError` with Go's text: ``"malformed verifier id"``
    or ``"invalid verifier hash"``. The signature type is not checked here.
    """
    name, _, rest = vkey.partition("+")
    hex_id, _, material = rest.partition("+")
    try:
        key = decode_base64(material)
    except ValueError:
        key = b""
    if not _HEX_ID.fullmatch(hex_id) or not is_valid_name(name) or not key:
        raise MalformedKeyError("malformed verifier id")
    parsed = VerifierKey(name, key[0], key[1:])
    if int(hex_id, 16) != parsed.key_id:
        raise MalformedKeyError("invalid verifier hash")
    return parsed


def parse_signer_key(skey: str) -> SignerKey:
    """Parse ``PRIVATE+KEY+name+hex(id)+base64(type || key)``; the ID is checked by the caller.

    Raises :class:`MalformedKeyError` (``"malformed signer key"``), without the key.
    """
    private, _, rest = skey.partition("+")
    marker, _, rest = rest.partition("+")
    name, _, rest = rest.partition("+")
    hex_id, _, material = rest.partition("+")
    try:
        key = decode_base64(material)
    except ValueError:
        key = b""
    if (private, marker) != ("PRIVATE", "KEY") or not _HEX_ID.fullmatch(hex_id):
        raise MalformedKeyError("malformed signer key")
    if not is_valid_name(name) or not key:
        raise MalformedKeyError("malformed signer key")
    return SignerKey(name, int(hex_id, 16), key[0], key[1:])


@dataclass(frozen=True, slots=True, repr=False)
class Ed25519Verifier:
    """Verifies plain Ed25519 note signatures (type 0x01) of the key ``name``."""

    name: str
    public_key: bytes
    key_id: int = field(init=False)
    _key: Ed25519PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.public_key) != 32:
            raise MalformedKeyError("malformed verifier id")
        object.__setattr__(self, "key_id", key_id(self.name, ED25519, self.public_key))
        # Any 32 bytes load; bytes that are no curve point fail every verify, as in Go.
        object.__setattr__(self, "_key", Ed25519PublicKey.from_public_bytes(self.public_key))

    @property
    def vkey(self) -> str:
        """The verifier key string of this key."""
        return str(VerifierKey(self.name, ED25519, self.public_key))

    def __repr__(self) -> str:
        return f"Ed25519Verifier(name={self.name!r}, key_id={self.key_id:08x})"

    def verify(self, message: bytes, signature: bytes) -> bool:
        if len(signature) != 64:
            return False
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


class Ed25519Signer:
    """Signs notes with an Ed25519 key (type 0x01); built from a 32-byte seed."""

    __slots__ = ("_private", "key_id", "name")

    def __init__(self, name: str, seed: bytes) -> None:
        if len(seed) != 32:
            raise MalformedKeyError("malformed signer key")
        self.name = name
        self._private = Ed25519PrivateKey.from_private_bytes(seed)
        self.key_id = key_id(name, ED25519, self.public_key)

    @property
    def public_key(self) -> bytes:
        return self._private.public_key().public_bytes_raw()

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)

    def verifier(self) -> Ed25519Verifier:
        """The verifier of this signer's signatures."""
        return Ed25519Verifier(self.name, self.public_key)

    def __repr__(self) -> str:
        return f"Ed25519Signer(name={self.name!r}, key_id={self.key_id:08x})"


def new_verifier(vkey: str) -> Ed25519Verifier:
    """Return the verifier of an Ed25519 verifier key string, as Go's ``NewVerifier``.

    Raises :class:`MalformedKeyError`: ``"malformed verifier id"``, ``"invalid
    verifier hash"``, or ``"unknown verifier algorithm"`` for other types.
    """
    parsed = parse_verifier_key(vkey)
    if parsed.key_type != ED25519:
        raise MalformedKeyError("unknown verifier algorithm")
    return Ed25519Verifier(parsed.name, parsed.public_key)


def new_signer(skey: str) -> Ed25519Signer:
    """Return the signer of an Ed25519 signer key string, as Go's ``NewSigner``.

    Requires type 0x01, a 32-byte seed and the key ID of the derived public key;
    raises :class:`MalformedKeyError` otherwise.
    """
    parsed = parse_signer_key(skey)
    if parsed.key_type != ED25519:
        raise MalformedKeyError("unknown signer algorithm")
    signer = Ed25519Signer(parsed.name, parsed.private_key)
    if signer.key_id != parsed.key_id:
        raise MalformedKeyError("invalid signer key hash")
    return signer


def generate_key(name: str) -> tuple[str, str]:
    """Return a new Ed25519 ``(signer key, verifier key)`` pair named ``name``.

    The signer key is a secret. Raises :class:`InvalidSignerError` for an invalid name.
    """
    if not is_valid_name(name):
        raise InvalidSignerError(name)
    seed = Ed25519PrivateKey.generate().private_bytes_raw()
    verifier = Ed25519Signer(name, seed).verifier()
    skey = f"PRIVATE+KEY+{name}+{verifier.key_id:08x}+{encode_base64(bytes([ED25519]) + seed)}"
    return skey, verifier.vkey


def verifier_key(name: str, public_key: bytes) -> str:
    """Return the verifier key string of a 32-byte Ed25519 ``public_key`` named ``name``."""
    if not is_valid_name(name):
        raise MalformedKeyError("malformed verifier id")
    return Ed25519Verifier(name, public_key).vkey
