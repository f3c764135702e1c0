"""Witness cosignatures (c2sp.org/tlog-cosignature): timestamped Ed25519, ``cosignature/v1``.

A cosignature is a note signature on a checkpoint by a witness key of
signature type 0x04, so its key ID is::

    SHA-256(<witness name> || 0x0A || 0x04 || 32-byte Ed25519 public key)[:4]

Its signature bytes are a ``timestamped_signature``: the signing time as a
big-endian u64 (POSIX seconds, at most 2**63 - 1), then the 64-byte Ed25519
signature of this message::

    cosignature/v1
    time 1679315147
    <the whole checkpoint body: origin, size, root hash, extension lines>

The witness vouches for the first three lines only; extension lines are
signed but carry no statement. Key strings use the ``keys`` formats with
type byte 0x04. ML-DSA-44 cosignatures (type 0x06) are not supported.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .checkpoint import parse_checkpoint
from .encoding import decode_base64, encode_base64, is_valid_name
from .errors import InvalidSignerError, MalformedCheckpointError, MalformedKeyError
from .keys import Ed25519Signer, Ed25519Verifier, VerifierKey, parse_signer_key, parse_verifier_key
from .note import Signature

__all__ = [
    "COSIGNATURE_V1",
    "MAX_TIMESTAMP",
    "CosignatureSigner",
    "CosignatureVerifier",
    "cosignature_timestamp",
    "cosignature_verifier_key",
    "cosigned_message",
    "generate_cosignature_key",
    "new_cosignature_signer",
    "new_cosignature_verifier",
]

COSIGNATURE_V1 = 0x04
"""Signature type of timestamped Ed25519 witness cosignatures."""

MAX_TIMESTAMP = (1 << 63) - 1
"""Latest timestamp a cosignature may carry."""

_SIGNATURE_SIZE = 8 + 64


def cosigned_message(timestamp: int, body: bytes) -> bytes:
    """Return the ``cosignature/v1`` message for checkpoint ``body`` signed at ``timestamp``.

    Requires ``0 <= timestamp <= MAX_TIMESTAMP`` (``ValueError``) and a valid
    checkpoint body (:class:`MalformedCheckpointError`).
    """
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise ValueError(f"timestamp {timestamp} is outside 0..2**63-1")
    parse_checkpoint(body.decode("utf-8"))
    return b"cosignature/v1\ntime %d\n" % timestamp + body


@dataclass(frozen=True, slots=True, repr=False)
class CosignatureVerifier:
    """Verifies ``cosignature/v1`` cosignatures of the witness key ``name``."""

    name: str
    public_key: bytes
    key_id: int = field(init=False)
    _ed25519: Ed25519Verifier = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_ed25519", Ed25519Verifier(self.name, self.public_key))
        key = VerifierKey(self.name, COSIGNATURE_V1, self.public_key)
        object.__setattr__(self, "key_id", key.key_id)

    @property
    def vkey(self) -> str:
        """The verifier key string (type 0x04) of this witness."""
        return cosignature_verifier_key(self.name, self.public_key)

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Return whether ``signature`` (timestamp, Ed25519) cosigns checkpoint ``message``."""
        if len(signature) != _SIGNATURE_SIZE:
            return False
        try:
            signed = cosigned_message(int.from_bytes(signature[:8], "big"), message)
        except (ValueError, MalformedCheckpointError):  # UnicodeDecodeError is a ValueError
            return False
        return self._ed25519.verify(signed, signature[8:])

    def __repr__(self) -> str:
        return f"CosignatureVerifier(name={self.name!r}, key_id={self.key_id:08x})"


class CosignatureSigner:
    """Signs checkpoints as the witness ``name``; the time comes from ``clock`` (POSIX seconds)."""

    __slots__ = ("_clock", "_ed25519", "key_id", "name")

    def __init__(self, name: str, seed: bytes, clock: Callable[[], float] = time.time) -> None:
        self.name = name
        self._ed25519 = Ed25519Signer(name, seed)
        self._clock = clock
        self.key_id = VerifierKey(name, COSIGNATURE_V1, self._ed25519.public_key).key_id

    def sign(self, message: bytes) -> bytes:
        """Return ``timestamp || Ed25519 signature`` cosigning the checkpoint body ``message``."""
        timestamp = int(self._clock())
        signature = self._ed25519.sign(cosigned_message(timestamp, message))
        return timestamp.to_bytes(8, "big") + signature

    def verifier(self) -> CosignatureVerifier:
        """The verifier of this witness's cosignatures."""
        return CosignatureVerifier(self.name, self._ed25519.public_key)

    def __repr__(self) -> str:
        return f"CosignatureSigner(name={self.name!r}, key_id={self.key_id:08x})"


def cosignature_verifier_key(name: str, public_key: bytes) -> str:
    """Return the type-0x04 verifier key string of a 32-byte witness ``public_key``."""
    if not is_valid_name(name) or len(public_key) != 32:
        raise MalformedKeyError("malformed verifier id")
    return str(VerifierKey(name, COSIGNATURE_V1, public_key))


def new_cosignature_verifier(vkey: str) -> CosignatureVerifier:
    """Return the verifier of a witness key string: type 0x04, 32 bytes, matching key ID.

    Raises :class:`MalformedKeyError` (Go's texts, and ``"unknown verifier
    algorithm"`` for any other type, plain Ed25519 0x01 included).
    """
    parsed = parse_verifier_key(vkey)
    if parsed.key_type != COSIGNATURE_V1:
        raise MalformedKeyError("unknown verifier algorithm")
    if len(parsed.public_key) != 32:
        raise MalformedKeyError("malformed verifier id")
    return CosignatureVerifier(parsed.name, parsed.public_key)


def new_cosignature_signer(skey: str, clock: Callable[[], float] = time.time) -> CosignatureSigner:
    """Return the witness signer of a type-0x04 signer key string whose key ID matches."""
    parsed = parse_signer_key(skey)
    if parsed.key_type != COSIGNATURE_V1:
        raise MalformedKeyError("unknown signer algorithm")
    if len(parsed.private_key) != 32:
        raise MalformedKeyError("malformed signer key")
    signer = CosignatureSigner(parsed.name, parsed.private_key, clock)
    if signer.key_id != parsed.key_id:
        raise MalformedKeyError("invalid signer key hash")
    return signer


def generate_cosignature_key(name: str) -> tuple[str, str]:
    """Return a new witness ``(signer key, verifier key)`` pair (type 0x04); the first is secret."""
    if not is_valid_name(name):
        raise InvalidSignerError(name)
    seed = Ed25519PrivateKey.generate().private_bytes_raw()
    verifier = CosignatureSigner(name, seed).verifier()
    material = encode_base64(bytes([COSIGNATURE_V1]) + seed)
    return f"PRIVATE+KEY+{name}+{verifier.key_id:08x}+{material}", verifier.vkey


def cosignature_timestamp(signature: Signature) -> int:
    """Return the timestamp inside a cosignature line; ``ValueError`` if it holds no cosignature.

    The signature is not verified: use this on the verified signatures of an opened note.
    """
    raw = decode_base64(signature.base64)
    if len(raw) != 4 + _SIGNATURE_SIZE:
        raise ValueError(f"a cosignature is {4 + _SIGNATURE_SIZE} bytes, got {len(raw)}")
    timestamp = int.from_bytes(raw[4:12], "big")
    if timestamp > MAX_TIMESTAMP:
        raise ValueError(f"timestamp {timestamp} exceeds 2**63-1")
    return timestamp
