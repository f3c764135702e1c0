"""Masking secrets in log output: defence in depth, behind "never log secrets".

What :class:`Redactor` masks, in this order:

1. the configured secrets (:func:`secrets_of`: every ``SecretStr`` setting such as the
   signer key and keystore password, and the database password), replaced by ``***``
   wherever they appear; a hex private key also with or without ``0x``, in any case;
2. API tokens (``ak_<16 hex id>_<secret>``): the secret part, keeping the public id;
3. ``Bearer <token>`` values and the password of ``scheme://user:password@host`` URLs;
4. anything shaped like an unknown private key, ``0x`` + exactly 64 hex digits, is cut
   to its first and last 4 digits (``0x1a2b...9f8e``). Transaction hashes, block hashes
   and roots have that shape too; the short form still lets a reader match them with the
   anchors API, and reveals 32 of 256 bits of a key (not enough to matter).

Secrets shorter than :data:`MIN_SECRET_LENGTH` are not masked as plain text (a
two-character password would otherwise garble every line).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

from pydantic import SecretStr

from anchor_service.settings import Settings

__all__ = ["MASK", "MIN_SECRET_LENGTH", "Redactor", "secrets_of"]

MASK = "***"
MIN_SECRET_LENGTH = 4

_HEX_KEY = re.compile(r"(?:0x)?[0-9a-fA-F]{64}")
_API_TOKEN = re.compile(r"\b(ak_[0-9a-f]{16}_)[A-Za-z0-9_-]+")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+")
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s/]+@")
# The user-information part of a database URL as SQLAlchemy's make_url reads it (the
# password runs to the first "@"); no SQLAlchemy import, so logging works in the
# verifier-only install.
_DATABASE_URL_PASSWORD = re.compile(r"[\w+]+://[^:/]*:(?P<password>[^@]*)@")
_KEY_SHAPED = re.compile(
    r"(?<![0-9a-zA-Z])0x([0-9a-fA-F]{4})[0-9a-fA-F]{56}([0-9a-fA-F]{4})(?![0-9a-fA-F])"
)


class Redactor:
    """Masks secrets in text; build it once (it compiles one pattern of the secrets)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        patterns = sorted(
            {_secret_pattern(secret) for secret in secrets if len(secret) >= MIN_SECRET_LENGTH},
            key=len,
            reverse=True,
        )
        self._configured = re.compile("|".join(patterns)) if patterns else None

    def redact(self, text: str) -> str:
        """``text`` with every secret masked (see the module docstring)."""
        if self._configured is not None:
            text = self._configured.sub(MASK, text)
        if "ak_" in text:
            text = _API_TOKEN.sub(rf"\g<1>{MASK}", text)
        text = _BEARER.sub(rf"\g<1>{MASK}", text)
        if "://" in text:
            text = _URL_PASSWORD.sub(rf"\g<1>{MASK}@", text)
        if "0x" in text:
            text = _KEY_SHAPED.sub(r"0x\1...\2", text)
        return text


def secrets_of(settings: Settings) -> list[str]:
    """The secret values in ``settings``: every ``SecretStr`` field and the database password."""
    found: list[str] = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
    match = _DATABASE_URL_PASSWORD.match(settings.database_url)
    if match is not None and match["password"]:
        found.append(unquote(match["password"]))
    return [secret for secret in found if secret]


def _secret_pattern(secret: str) -> str:
    if _HEX_KEY.fullmatch(secret):
        digits = secret.removeprefix("0x")
        return rf"(?i:(?:0x)?{digits})"
    return re.escape(secret)
