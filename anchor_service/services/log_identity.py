"""The log's identity: its origin line and the Ed25519 key that signs its notes.

Checkpoints (c2sp.org/tlog-checkpoint) and receipts are signed notes
(c2sp.org/signed-note) by one key, whose name is the log's origin. The signer key
string (``PRIVATE+KEY+<origin>+<hex key id>+<base64(0x01 || seed)>``) comes from

- ``ANCHOR_LOG_KEY``: the string itself (from a secret store), or else
- ``ANCHOR_LOG_KEY_PATH``: a file holding it, written by ``anchor-service log-key create``
  with mode 0600. A file that group or others may read or write is refused (the error
  names the file and the ``chmod 600`` fix).

``ANCHOR_LOG_ORIGIN``, when set, must equal the key's name (a key named for another log
would sign checkpoints no verifier of this log accepts); unset, the key's name is the
origin. Everything a caller needs is in :class:`LogIdentity`: the origin, the
:class:`~anchor_service.tlog.Ed25519Signer` and the verifier key string
(``<origin>+<hex key id>+<base64(0x01 || public key)>``) auditors put in their policy.

Errors are :class:`~anchor_service.errors.LogKeyError`, one line each; no message,
``repr`` or log line ever holds the signer key.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path

from anchor_service.errors import LogKeyError
from anchor_service.private_files import OPEN_BITS, read_private, write_private
from anchor_service.settings import Settings
from anchor_service.tlog import (
    Ed25519Signer,
    InvalidSignerError,
    MalformedKeyError,
    generate_key,
    new_signer,
)

__all__ = [
    "DEV_LOG_ORIGIN",
    "LogIdentity",
    "create_log_key",
    "load_log_identity",
    "log_key_configured",
    "read_log_key_file",
]

#: The origin of the key ``anchor-service dev`` creates on its first start.
DEV_LOG_ORIGIN = "localhost/anchor-service/dev"


@dataclass(frozen=True)
class LogIdentity:
    """The log's origin, its note signer and the verifier key string of that signer."""

    origin: str
    signer: Ed25519Signer = field(repr=False)
    verifier_key: str

    @property
    def key_id(self) -> int:
        """The signer's 32-bit key ID (the first 4 bytes of each signature line)."""
        return self.signer.key_id

    @property
    def key_id_hex(self) -> str:
        return f"{self.signer.key_id:08x}"


def log_key_configured(settings: Settings) -> bool:
    """Whether a log key is configured at all (``ANCHOR_LOG_KEY`` or ``_PATH``)."""
    return settings.log_key is not None or settings.log_key_path is not None


def load_log_identity(settings: Settings) -> LogIdentity:
    """The log identity of ``settings``; raises :class:`LogKeyError` when no key is
    configured, the key file is missing or open to others, the key is malformed, or its
    name is not ``ANCHOR_LOG_ORIGIN``."""
    if settings.log_key is not None:
        source = "ANCHOR_LOG_KEY"
        skey = settings.log_key.get_secret_value().strip()
    elif settings.log_key_path is not None:
        source = f"the log key file {settings.log_key_path}"
        skey = read_log_key_file(settings.log_key_path)
    else:
        raise LogKeyError(
            "no log key: set ANCHOR_LOG_KEY_PATH to a key file (create one with "
            "`anchor-service log-key create --path FILE --origin ORIGIN`) or ANCHOR_LOG_KEY "
            "to the key itself"
        )
    signer = _signer(skey, source)
    if settings.log_origin is not None and settings.log_origin != signer.name:
        raise LogKeyError(
            f"{source} is the key of '{signer.name}' but ANCHOR_LOG_ORIGIN is "
            f"'{settings.log_origin}': the origin must be the key's name (set "
            f"ANCHOR_LOG_ORIGIN={signer.name}, or create a key for '{settings.log_origin}')"
        )
    return _identity(signer)


def read_log_key_file(path: Path) -> str:
    """The signer key string in the file at ``path``; refuses a file group or others
    may access, naming it and the ``chmod 600`` fix."""
    try:
        mode, data = read_private(path)
    except FileNotFoundError:
        raise LogKeyError(
            f"the log key file {path} does not exist: create it with "
            f"`anchor-service log-key create --path {path}`"
        ) from None
    except IsADirectoryError:
        raise LogKeyError(f"the log key file {path} is a directory, not a key file") from None
    except OSError as exc:
        raise LogKeyError(f"cannot read the log key file {path}: {exc.strerror}") from None
    if mode & OPEN_BITS:
        raise LogKeyError(
            f"the log key file {path} may be read by group or others (mode "
            f"{stat.S_IMODE(mode):04o}); refusing to use it: run `chmod 600 {path}`"
        )
    try:
        return data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise LogKeyError(
            f"the log key file {path} does not hold a note signer key (PRIVATE+KEY+...)"
        ) from None


def create_log_key(
    target: Settings | Path, origin: str | None = None, *, force: bool = False
) -> LogIdentity:
    """Create a new Ed25519 log key named ``origin`` and write it to a file (mode 0600).

    ``target``: the file, or settings whose ``log_key_path`` names it; ``origin``
    defaults to the settings' ``log_origin``. An existing file is kept (error) unless
    ``force``; then it is replaced atomically.
    """
    if isinstance(target, Settings):
        origin = origin if origin is not None else target.log_origin
        if target.log_key_path is None:
            raise LogKeyError("no key file to write: set ANCHOR_LOG_KEY_PATH or pass --path FILE")
        path = target.log_key_path
    else:
        path = target
    if not origin:
        raise LogKeyError(
            "no origin for the log key: set ANCHOR_LOG_ORIGIN or pass --origin "
            "(e.g. ledger.example.co.id/anchor/v1)"
        )
    try:
        skey, _vkey = generate_key(origin)
    except InvalidSignerError:
        raise LogKeyError(
            f"'{origin}' cannot name a log key: an origin is non-empty, without spaces, "
            "'+' or control characters (e.g. ledger.example.co.id/anchor/v1)"
        ) from None
    if path.exists() and not force:
        raise LogKeyError(
            f"{path} exists already; pass --force to replace it (checkpoints signed with "
            "the old key will then need the old verifier key)"
        )
    _write_private(path, skey + "\n", replace=force)
    return _identity(_signer(skey, f"the new key file {path}"))


def _signer(skey: str, source: str) -> Ed25519Signer:
    try:
        return new_signer(skey)
    except MalformedKeyError as exc:
        raise LogKeyError(
            f"{source} does not hold a valid note signer key (PRIVATE+KEY+...): {exc}"
        ) from None


def _identity(signer: Ed25519Signer) -> LogIdentity:
    return LogIdentity(origin=signer.name, signer=signer, verifier_key=signer.verifier().vkey)


def _write_private(path: Path, text: str, *, replace: bool) -> None:
    """Write ``text`` to ``path`` (mode 0600; :func:`write_private`), creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        write_private(path, text.encode("ascii"), replace=replace)
    except FileExistsError:
        raise LogKeyError(f"{path} exists already; pass --force to replace it") from None
