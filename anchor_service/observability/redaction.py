"""Masking secrets in log output: defence in depth, behind "never log secrets".

What :class:`Redactor` masks, in this order:

1. the configured secrets (:func:`secrets_of`: every ``SecretStr`` setting such as the
   signer key, the log key (``ANCHOR_LOG_KEY``) and keystore password, and the database
   password), replaced by ``***`` wherever they appear; a hex private key also with or
   without ``0x``, in any case;
2. API tokens (``ak_<16 hex id>_<secret>``): the secret part, keeping the public id;
3. ``Bearer <token>`` values; in ``http(s)``/``ws(s)`` URLs (a node's) the user
   information and the path and query (node providers put API keys in either:
   ``https://mainnet.example/v3/KEY``), leaving ``https://***@host:port/***``; in other
   URLs (``postgresql://user:password@host/db``) the password; the
   configured RPC URL's password and path/query are configured secrets as well
   (urllib3 logs the path without the host);
4. anything shaped like an unknown private key, ``0x`` + exactly 64 hex digits, is cut
   to its first and last 4 digits (``0x1a2b...9f8e``). Transaction hashes, block hashes
   and roots have that shape too; the short form still lets a reader match them with the
   anchors API, and reveals 32 of 256 bits of a key (not enough to matter);
5. any note signer key string (``PRIVATE+KEY+<name>+<key id>+<base64>``: the log key
   read from ``ANCHOR_LOG_KEY_PATH``, a witness key) keeps its name and key ID only:
   ``PRIVATE+KEY+<name>+<key id>+***``.

Secrets shorter than :data:`MIN_SECRET_LENGTH` are not masked as plain text (a
two-character password would otherwise garble every line).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

from pydantic import SecretStr

from anchor_service.settings import Settings

__all__ = ["MASK", "MIN_SECRET_LENGTH", "Redactor", "public_url", "secrets_of"]

MASK = "***"
MIN_SECRET_LENGTH = 4

_HEX_KEY = re.compile(r"(?:0x)?[0-9a-fA-F]{64}")
_API_TOKEN = re.compile(r"\b(ak_[0-9a-f]{16}_)[A-Za-z0-9_-]+")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+")
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s/]+@")
# An HTTP or WebSocket URL (a node's): scheme://[userinfo@]host[:port][/path][?query]:
# group 1 the scheme, group 2 the user information, group 3 host and port, 4 the rest.
_NODE_URL = re.compile(
    r"(?i)\b((?:http|ws)s?://)([^@\s/?#'\"<>]*@)?([^\s/?#'\"<>,]*)([/?#][^\s'\"<>,]*)?"
)
# The user-information part of a database URL as SQLAlchemy's make_url reads it (the
# password runs to the first "@"); no SQLAlchemy import, so logging works in the
# verifier-only install.
_DATABASE_URL_PASSWORD = re.compile(r"[\w+]+://[^:/]*:(?P<password>[^@]*)@")
_NOTE_SIGNER_KEY = re.compile(r"(PRIVATE\+KEY\+[^+\s]+\+[0-9A-Fa-f]{8}\+)[A-Za-z0-9+/=]+")
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
            text = _NODE_URL.sub(_mask_node_url, text)
            text = _URL_PASSWORD.sub(rf"\g<1>{MASK}@", text)
        if "0x" in text:
            text = _KEY_SHAPED.sub(r"0x\1...\2", text)
        if "PRIVATE+KEY+" in text:
            text = _NOTE_SIGNER_KEY.sub(rf"\g<1>{MASK}", text)
        return text


def public_url(url: str) -> str:
    """``url`` as answers may show it: ``scheme://host:port`` only, without the user
    information, path, query and fragment (any of them may hold an API key). A text
    that is not a URL (``foo``) is cut at its first ``/``, ``?``, ``#`` or ``@``."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        port = parts.port
    except ValueError:
        host, port, parts = None, None, None
    if parts is None or not parts.scheme or host is None:
        return re.split(r"[/?#@\s]", url.strip(), maxsplit=1)[0] if url.strip() else url
    shown = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{shown}" + (f":{port}" if port is not None else "")


def secrets_of(settings: Settings) -> list[str]:
    """The secret values in ``settings``: every ``SecretStr`` field, the database
    password, and the RPC URL's password and path/query."""
    found: list[str] = list(_url_secrets(settings.rpc_url))
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


def _mask_node_url(match: re.Match[str]) -> str:
    scheme, userinfo, host, rest = match.group(1, 2, 3, 4)
    shown = scheme + (f"{MASK}@" if userinfo else "") + host
    if rest and rest not in ("/", "?", "#"):
        shown += f"/{MASK}" if rest.startswith("/") else MASK
    return shown


def _url_secrets(url: str) -> list[str]:
    """The password and path-with-query of ``url`` (a path of ``/`` is no secret)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return []
    found = [unquote(parts.password)] if parts.password else []
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if path not in ("", "/"):
        found.append(path)
    return found
