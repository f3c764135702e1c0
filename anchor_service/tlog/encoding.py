"""The small text encodings every C2SP format shares: base64, decimals, key names.

Python's own parsers are too lenient for these formats (``int()`` takes
``"+7"``, ``" 7"``, ``"7_0"`` and non-ASCII digits; ``base64.b64decode``
skips characters outside the alphabet unless told not to), so each rule is
written out here once, and the modules call these helpers with their own error.
"""

from __future__ import annotations

import base64
import re

__all__ = [
    "decode_base64",
    "encode_base64",
    "is_valid_name",
    "parse_decimal",
]

_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_DECIMAL = re.compile(r"0|[1-9][0-9]*")

# Unicode's White_Space property: exactly the runes Go's unicode.IsSpace reports.
# (Python's str.isspace() differs: it also counts U+001C..U+001F.)
_WHITE_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"
)


def encode_base64(data: bytes) -> str:
    """Return the standard, padded base64 encoding of ``data`` (RFC 4648 §4)."""
    return base64.b64encode(data).decode("ascii")


def decode_base64(text: str, *, canonical: bool = False) -> bytes:
    """Decode standard, padded base64 (RFC 4648 §4); raise ``ValueError`` otherwise.

    Padding is required and nothing outside the alphabet is skipped. With
    ``canonical``, the unused bits of the last character must be zero (Go's
    ``StdEncoding.Strict()``), so each value has exactly one encoding.
    """
    if not _BASE64.fullmatch(text):
        raise ValueError("not standard padded base64")
    data = base64.b64decode(text, validate=True)  # binascii.Error is a ValueError
    if canonical and encode_base64(data) != text:
        raise ValueError("non-canonical base64: unused bits are set")
    return data


def parse_decimal(text: str, *, bits: int = 64) -> int:
    """Parse an ASCII decimal with no leading zeroes (``"0"`` alone) below ``2**bits``.

    Raises ``ValueError`` for anything else: signs, spaces, underscores,
    leading zeroes, non-ASCII digits, or a value that does not fit.
    """
    if not _DECIMAL.fullmatch(text):
        raise ValueError(f"{text!r} is not a decimal with no leading zeroes")
    value = int(text)
    if value >= 1 << bits:
        raise ValueError(f"{text} does not fit in {bits} bits")
    return value


def is_valid_name(name: str) -> bool:
    """Return whether ``name`` is a valid key name: non-empty UTF-8, no spaces, no ``+``.

    The rule of c2sp.org/signed-note, with Go's definition of a space
    (Unicode White_Space); lone surrogates are not UTF-8 and are refused.
    """
    if not name or "+" in name or any(char in _WHITE_SPACE for char in name):
        return False
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
