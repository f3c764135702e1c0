"""Witness key files: one ``cosignature/v1`` signer key string (type 0x04) per file.

A key file holds the signer key (``PRIVATE+KEY+<name>+<id>+<base64>``) and a newline.
It is written with mode 0600 and never over an existing file unless asked
(``force``); a file that the group or others may read or write is refused when
loaded, as ``ssh`` refuses an unprotected private key: the key may have leaked.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from anchor_service.tlog import (
    CosignatureSigner,
    MalformedKeyError,
    TlogError,
    generate_cosignature_key,
    new_cosignature_signer,
)
from anchor_service.witness.errors import WitnessKeyFileError

__all__ = ["create_key_file", "load_key_file"]

_UNSAFE_BITS = stat.S_IRWXG | stat.S_IRWXO


def create_key_file(path: Path, name: str, *, force: bool = False) -> str:
    """Write a new witness key named ``name`` to ``path`` (mode 0600); return its vkey.

    Refuses an existing ``path`` unless ``force`` (then it is replaced atomically).
    """
    if path.exists() and not force:
        raise WitnessKeyFileError(f"{path} exists; pass --force to replace the key in it")
    try:
        skey, vkey = generate_cosignature_key(name)
    except TlogError as exc:
        raise WitnessKeyFileError(
            f"invalid witness name {name!r}: no spaces, '+' or control characters"
        ) from exc
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(skey + "\n")
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise WitnessKeyFileError(f"cannot write {path}: {exc.strerror}") from exc
    return vkey


def load_key_file(path: Path) -> CosignatureSigner:
    """The witness signer in ``path``; refuses a file the group or others may access."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError as exc:
        raise WitnessKeyFileError(f"no witness key file at {path}") from exc
    except OSError as exc:
        raise WitnessKeyFileError(f"cannot read {path}: {exc.strerror}") from exc
    if mode & _UNSAFE_BITS:
        raise WitnessKeyFileError(
            f"{path} is accessible by others (mode {stat.S_IMODE(mode):04o}); "
            f"a witness key must be private: chmod 600 {path}"
        )
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise WitnessKeyFileError(f"cannot read {path} as a witness key file") from exc
    try:
        return new_cosignature_signer(text)
    except MalformedKeyError as exc:
        raise WitnessKeyFileError(
            f"{path} does not hold a witness signer key (type 0x04): {exc.reason}"
        ) from exc
