"""The field rules of an entry, as plain functions (used by the schema's validators).

Each function takes the raw decoded JSON value, returns the normalised value, and
raises ``ValueError`` with a message meant for the API caller.

Unicode rule: ``external_id`` and ``account`` are ASCII only (listed characters), so an
identifier has one spelling; ``account`` is lower case only for the same reason.
``description`` and metadata strings are free Unicode text stored exactly as sent (no
normalisation), which must be valid UTF-8 (no lone surrogates).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from anchor_service.ledger.currencies import CURRENCY_CODES

__all__ = [
    "ACCOUNT_MAX_LENGTH",
    "ACCOUNT_PATTERN",
    "AMOUNT_LIMIT",
    "AMOUNT_PATTERN",
    "DESCRIPTION_MAX_LENGTH",
    "EXTERNAL_ID_MAX_LENGTH",
    "EXTERNAL_ID_PATTERN",
    "JSON_SAFE_INTEGER",
    "METADATA_MAX_DEPTH",
    "OCCURRED_AT_PATTERN",
    "REDACTION_REASON_MAX_LENGTH",
    "check_account",
    "check_currency",
    "check_description",
    "check_external_id",
    "check_metadata",
    "format_utc",
    "parse_amount",
    "parse_occurred_at",
]

EXTERNAL_ID_MAX_LENGTH = 128
EXTERNAL_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
ACCOUNT_MAX_LENGTH = 128
ACCOUNT_PATTERN = r"^[a-z0-9][a-z0-9._-]*(:[a-z0-9][a-z0-9._-]*)*$"
AMOUNT_PATTERN = r"^-?(0|[1-9][0-9]*)$"
#: Largest accepted absolute amount, in minor units.
AMOUNT_LIMIT = 10**30
DESCRIPTION_MAX_LENGTH = 1000
METADATA_MAX_DEPTH = 16
#: Integers in metadata must fit an IEEE double exactly (RFC 8785 numbers are doubles).
JSON_SAFE_INTEGER = 2**53 - 1
OCCURRED_AT_PATTERN = (
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})$"
)
#: Longest reason stored with a redaction (``entries.redaction_reason``).
REDACTION_REASON_MAX_LENGTH = 200

_EXTERNAL_ID_RE = re.compile(EXTERNAL_ID_PATTERN.strip("^$"))
_ACCOUNT_RE = re.compile(ACCOUNT_PATTERN.strip("^$"))
_AMOUNT_RE = re.compile(AMOUNT_PATTERN.strip("^$"))
# re.ASCII: without it \d also matches other scripts' digits (fullwidth, Arabic-Indic...).
_OCCURRED_AT_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))",
    re.ASCII,
)


def check_external_id(value: str) -> str:
    """Accept 1-128 ASCII letters, digits, ``.``, ``_``, ``:``, ``-``; first alphanumeric."""
    if _EXTERNAL_ID_RE.fullmatch(value) is None:
        raise ValueError(
            "must be 1-128 ASCII characters from A-Z a-z 0-9 . _ : - "
            "and start with a letter or digit"
        )
    return value


def check_account(value: str) -> str:
    """Accept lower-case ASCII segments (``a-z 0-9 . _ -``) joined by ``:``, 1-128 chars."""
    if len(value) > ACCOUNT_MAX_LENGTH or _ACCOUNT_RE.fullmatch(value) is None:
        raise ValueError(
            "must be at most 128 characters: lower-case segments of a-z 0-9 . _ - "
            "separated by ':', each starting with a letter or digit (e.g. wallet:user:981)"
        )
    return value


def check_currency(value: str) -> str:
    """Accept a current ISO 4217 alphabetic code (upper case)."""
    if value not in CURRENCY_CODES:
        raise ValueError(f"{value[:8]!r} is not a current ISO 4217 currency code")
    return value


def parse_amount(value: object) -> int:
    """Parse an amount in minor units from a JSON integer or a decimal-integer string.

    Rejects floats (``1.0``, ``1e5``), fractions, exponents, signs other than a leading
    ``-``, leading zeros, zero, and absolute values above 10**30.
    """
    if isinstance(value, bool):
        raise ValueError("must be an integer or a string of digits, not a boolean")
    if isinstance(value, int):
        amount = value
    elif isinstance(value, str):
        if len(value) > 40 or _AMOUNT_RE.fullmatch(value) is None:
            raise ValueError(
                "must be an integer in minor units: digits with an optional "
                "leading '-', no fraction, exponent, spaces or leading zeros"
            )
        amount = int(value)
    elif isinstance(value, float):
        raise ValueError(
            "must be an integer in minor units, not a JSON number with a fraction "
            "or exponent; send it as an integer or a string of digits"
        )
    else:
        raise ValueError("must be an integer or a string of digits")
    if amount == 0:
        raise ValueError("must not be zero")
    if abs(amount) > AMOUNT_LIMIT:
        raise ValueError("is beyond 10^30 minor units")
    return amount


def parse_occurred_at(value: object) -> datetime:
    """Parse an RFC 3339 timestamp that carries a time-zone offset; return it in UTC."""
    if not isinstance(value, str):
        raise ValueError("must be an RFC 3339 string with a time-zone offset")
    match = _OCCURRED_AT_RE.fullmatch(value)
    if match is None:
        raise ValueError(
            "must be an RFC 3339 timestamp with a time-zone offset, "
            "e.g. 2026-11-21T08:15:00+07:00 or 2026-11-21T01:15:00Z (at most 6 "
            "fractional digits)"
        )
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    try:
        if zulu:
            tz = UTC
        else:
            if int(off_h) > 23 or int(off_m) > 59:
                raise ValueError("offset out of range")
            offset = timedelta(hours=int(off_h), minutes=int(off_m))
            tz = timezone(-offset if sign == "-" else offset)
        micro = int((fraction or "0").ljust(6, "0"))
        parsed = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tz
        )
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"is not a valid date and time: {exc}") from None


def format_utc(moment: datetime) -> str:
    """Format an aware datetime as RFC 3339 in UTC with ``Z``.

    Fractional seconds appear only when non-zero, without trailing zeros.
    """
    utc = moment.astimezone(UTC)
    text = (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
        f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
    )
    if utc.microsecond:
        text += "." + f"{utc.microsecond:06d}".rstrip("0")
    return text + "Z"


def check_description(value: str) -> str:
    """Accept 1-1000 characters of Unicode text."""
    if not value:
        raise ValueError("must not be empty; omit the field instead")
    if len(value) > DESCRIPTION_MAX_LENGTH:
        raise ValueError(f"is longer than {DESCRIPTION_MAX_LENGTH} characters")
    _check_utf8(value)
    return value


def check_metadata(value: dict[str, Any]) -> dict[str, Any]:
    """Check a metadata object: JSON values only, finite numbers, safe integers, depth.

    Returns the same object. Size is checked when the entry is encoded (it depends on a
    setting).
    """
    _check_json_value(value, depth=1)
    return value


def _check_json_value(value: object, depth: int) -> None:
    if depth > METADATA_MAX_DEPTH:
        raise ValueError(f"is nested deeper than {METADATA_MAX_DEPTH} levels")
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, str):
        _check_utf8(value)
    elif isinstance(value, int):
        if abs(value) > JSON_SAFE_INTEGER:
            raise ValueError(
                "integers must be within +-(2^53-1) to survive canonical JSON; "
                "send larger numbers as strings"
            )
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("numbers must be finite")
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError("keys must be strings")
            _check_utf8(key)
            _check_json_value(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_json_value(item, depth + 1)
    else:
        raise ValueError(f"holds a non-JSON value of type {type(value).__name__}")


def _check_utf8(value: str) -> None:
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("text must be valid Unicode (no lone surrogates)") from None
