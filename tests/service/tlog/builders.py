"""Deterministic keys, checkpoints and policies for the tlog tests.

Seeds are derived from labels, so every run signs with the same keys and a
failing case can be replayed; the clock of witnesses is fixed.
"""

from __future__ import annotations

import hashlib

from anchor_service.tlog import (
    Checkpoint,
    CosignatureSigner,
    Ed25519Signer,
    sign_note,
)

ORIGIN = "example.com/log"
NOW = 1_700_000_000


def seed(label: str) -> bytes:
    """A 32-byte Ed25519 seed derived from ``label``."""
    return hashlib.sha256(label.encode()).digest()


def log_signer(name: str = ORIGIN) -> Ed25519Signer:
    return Ed25519Signer(name, seed("log:" + name))


def witness_signer(name: str, timestamp: int = NOW) -> CosignatureSigner:
    return CosignatureSigner(name, seed("witness:" + name), clock=lambda: timestamp)


def checkpoint(
    size: int = 42, origin: str = ORIGIN, extensions: tuple[str, ...] = ()
) -> Checkpoint:
    return Checkpoint(origin, size, hashlib.sha256(b"root %d" % size).digest(), extensions)


def signed_checkpoint(
    *signers: Ed25519Signer | CosignatureSigner, body: Checkpoint | None = None
) -> bytes:
    """A checkpoint note signed by ``signers``, in order."""
    return sign_note((body or checkpoint()).text, *signers)


def policy_text(witnesses: dict[str, CosignatureSigner], rest: str, logs: int = 1) -> str:
    """A policy with ``logs`` log lines, one witness line per entry, then ``rest``."""
    lines = [
        f"log {log_signer(ORIGIN if i == 0 else f'log{i}.example').verifier().vkey}"
        for i in range(logs)
    ]
    lines += [f"witness {name} {signer.verifier().vkey}" for name, signer in witnesses.items()]
    return "\n".join(lines) + "\n" + rest
