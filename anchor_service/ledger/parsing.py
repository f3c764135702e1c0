"""Parse request bodies into entries, turning every failure into :class:`InvalidEntryError`.

Parsing goes straight from JSON bytes to models (pydantic's own JSON parser: integers
stay exact, a lone surrogate is a syntax error). The first failing rule is reported, with
a dotted ``field`` path inside the entry and, for bulk requests, the item ``index``.

A JSON object with the same key twice is refused: pydantic's parser keeps the last value,
so ``{"amount": "1", "amount": "2"}`` would store an amount the sender may not have meant
(and that another JSON reader, keeping the first, would see differently). Bodies that
pass validation are read once more with an ``object_pairs_hook`` that rejects repeated
keys; that second reader never sees deep nesting or huge integers (validation has
refused them already). A single entry that fails validation but is valid JSON is read
for repeated keys first: ``{"amount": "1", "amount": "2"}`` is reported as the repeated
key, not as the balance error its last value causes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from anchor_service.errors import InvalidEntryError
from anchor_service.ledger.schema import BulkEntriesIn, EntryIn

__all__ = ["parse_bulk", "parse_entry"]

_MESSAGES = {
    "missing": "field required",
    "extra_forbidden": "unknown field",
    "string_type": "must be a string",
    "list_type": "must be an array",
    "dict_type": "must be a JSON object",
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
}


def parse_entry(raw: bytes | str) -> EntryIn:
    """Parse one entry from a JSON body."""
    try:
        entry = EntryIn.model_validate_json(raw)
    except ValidationError as exc:
        if exc.errors()[0]["type"] != "json_invalid":  # valid JSON, at most 200 deep
            _reject_duplicate_keys(raw)  # a repeated key explains more than its last value
        raise _to_invalid_entry(exc, bulk=False) from None
    _reject_duplicate_keys(raw)
    return entry


def parse_bulk(raw: bytes | str, *, max_items: int) -> list[EntryIn]:
    """Parse ``{"entries": [...]}`` with 1 to ``max_items`` entries, distinct external ids."""
    try:
        entries = BulkEntriesIn.model_validate_json(raw).entries
    except ValidationError as exc:
        raise _to_invalid_entry(exc, bulk=True) from None
    _reject_duplicate_keys(raw)
    if len(entries) > max_items:
        raise InvalidEntryError(
            f"entries: at most {max_items} entries per bulk request, got {len(entries)}",
            field="entries",
        )
    _check_distinct(entries)
    return entries


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise _DuplicateKeyError(key)
            seen.add(key)
    return obj


def _reject_duplicate_keys(raw: bytes | str) -> None:
    """Raise InvalidEntryError when any JSON object in ``raw`` repeats a key."""
    try:
        json.loads(raw, object_pairs_hook=_unique_keys)
    except _DuplicateKeyError as exc:
        raise InvalidEntryError(
            f"request body has the key {exc.key!r} twice in one JSON object; "
            "every key must appear once"
        ) from None
    except ValueError:  # an integer too long for ``json``: pydantic's error says so
        return


def _check_distinct(entries: Sequence[EntryIn]) -> None:
    first_seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        earlier = first_seen.setdefault(entry.external_id, index)
        if earlier != index:
            raise InvalidEntryError(
                f"external_id: {entry.external_id!r} appears more than once in this "
                f"request (first at index {earlier})",
                field="external_id",
                index=index,
            )


def _to_invalid_entry(exc: ValidationError, *, bulk: bool) -> InvalidEntryError:
    error = exc.errors(include_url=False, include_input=False)[0]
    if error["type"] == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "syntax error")
        return InvalidEntryError(f"request body is not valid JSON: {reason}")
    loc: list[Any] = list(error["loc"])
    index: int | None = None
    if bulk and len(loc) >= 2 and loc[0] == "entries" and isinstance(loc[1], int):
        index = loc[1]
        loc = loc[2:]
    field = ".".join(str(part) for part in loc) or None
    message = _message(error)
    detail = f"{field}: {message}" if field else message
    return InvalidEntryError(detail, field=field, index=index)


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    return str(error["msg"])
