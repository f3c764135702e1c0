"""RFC 8785 (JSON Canonicalization Scheme) serialisation.

:func:`canonical_json` returns exactly what ``rfc8785.dumps`` returns. For the values the
service meets most (strings, booleans, null, safe integers, keys sorting the same in
UTF-16 and code-point order) the standard library encoder produces the same bytes about
five times faster, so those take a fast path; anything else (floats, keys with characters
at or above U+E000) goes to the ``rfc8785`` package. Tests check both paths agree.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

__all__ = ["canonical_json", "json_string"]

_SAFE_INTEGER = 2**53 - 1
_encode_string = json.encoder.encode_basestring
_fast_encoder = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
)


def canonical_json(value: Any) -> bytes:
    """Serialise a JSON value (dict, list, str, int, float, bool, None) per RFC 8785.

    Raises ``rfc8785.CanonicalizationError`` (a ``ValueError``) for values JCS cannot
    represent (non-finite floats, integers beyond 2^53-1, lone surrogates).
    """
    if _fast_path_exact(value):
        return _fast_encoder.encode(value).encode("utf-8")
    return rfc8785.dumps(value)


def json_string(text: str) -> str:
    """Return the RFC 8785 JSON string literal of ``text`` (quotes included)."""
    return str(_encode_string(text))


def _fast_path_exact(value: Any) -> bool:
    """True when the standard library encoder yields RFC 8785 bytes for ``value``.

    Holds for str/bool/None, integers within +-(2^53-1), and objects whose keys contain
    no character at or above U+E000 (below it, UTF-16 and code-point order agree).
    Strings escape identically: ``"``, ``\\``, and U+0000-U+001F (short forms for
    \\b \\t \\n \\f \\r, else lower-case ``\\u00xx``); everything else is literal.
    """
    if value is None or isinstance(value, bool | str):
        return True
    if isinstance(value, int):
        return -_SAFE_INTEGER <= value <= _SAFE_INTEGER
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or (not key.isascii() and max(key) >= "\ue000"):
                return False
            if not _fast_path_exact(item):
                return False
        return True
    if isinstance(value, list):
        return all(_fast_path_exact(item) for item in value)
    return False
