"""Witness key files: one ``cosignature/v1`` signer key string (type 0x04) per file.

A key file holds the signer key (``PRIVATE+KEY+<name>+<id>+<base64>``) and a newline.
It is written with mode 0600 and never over an existing file unless asked
(``force``); a file that the group or others may read or write is refused when
loaded, as ``ssh`` refuses an unprotected private key: the key may have leaked.
"""

from __future__ import annotations

import stat
from pathlib import Path

from anchor_service.private_files import OPEN_BITS, read_private, write_private
from anchor_service.tlog import (
    CosignatureSigner,
    MalformedKeyError,
    TlogError,
    generate_cosignature_key,
    new_cosignature_signer,
)
from anchor_service.witness.errors import WitnessKeyFileError

__all__ = ["create_key_file", "load_key_file"]


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
    try:
        write_private(path, (skey + "\n").encode("ascii"), replace=force)
    except OSError as exc:
        raise WitnessKeyFileError(f"cannot write {path}: {exc.strerror}") from exc
    return vkey


def load_key_file(path: Path) -> CosignatureSigner:
    """The witness signer in ``path``; refuses a file the group or others may access."""
    try:
        mode, data = read_private(path)
    except FileNotFoundError as exc:
        raise WitnessKeyFileError(f"no witness key file at {path}") from exc
    except OSError as exc:
        raise WitnessKeyFileError(f"cannot read {path}: {exc.strerror}") from exc
    if mode & OPEN_BITS:
        raise WitnessKeyFileError(
            f"{path} is accessible by others (mode {stat.S_IMODE(mode):04o}); "
            f"a witness key must be private: chmod 600 {path}"
        )
    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError as exc:
        raise WitnessKeyFileError(f"cannot read {path} as a witness key file") from exc
    try:
        return new_cosignature_signer(text)
    except MalformedKeyError as exc:
        raise WitnessKeyFileError(
            f"{path} does not hold a witness signer key (type 0x04): {exc.reason}"
        ) from exc
