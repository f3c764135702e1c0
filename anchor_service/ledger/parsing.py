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

Hostile bodies are refused before they are parsed: a body with more than
:data:`MAX_JSON_VALUES` JSON values (counted without parsing: brackets and commas outside
strings) costs more memory than any real request needs; and a bulk body's item limit is
checked before any item is validated (pydantic checks ``max_length`` first for JSON
arrays), so one bounded error is built, not three per item.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Annotated, Any, cast

from pydantic import Field, ValidationError, create_model

from anchor_service.errors import InvalidEntryError
from anchor_service.ledger.schema import BulkEntriesIn, EntryIn

__all__ = ["MAX_JSON_VALUES", "parse_bulk", "parse_entry"]

#: Most JSON values (strings, objects, arrays, members) in one request body. 10,000
#: typical entries hold about 360,000; parsing a million empty objects takes about
#: 150 MB, the most one request may cost.
MAX_JSON_VALUES = 1_000_000

# A JSON string (or an unterminated one, up to the end): possessive, so linear.
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+(?:"|\Z)', re.DOTALL)

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
    _check_value_count(raw)
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
    _check_value_count(raw)
    try:
        entries = _bulk_model(max_items).model_validate_json(raw).entries
    except ValidationError as exc:
        # valid JSON within the item limit: a repeated key explains more than its last
        # value (over the limit, the body is refused without reading its items)
        if exc.errors()[0]["type"] not in ("json_invalid", "too_long"):
            _reject_duplicate_keys(raw)
        raise _to_invalid_entry(exc, bulk=True, max_items=max_items) from None
    _reject_duplicate_keys(raw)
    _check_distinct(entries)
    return entries


@lru_cache(maxsize=8)
def _bulk_model(max_items: int) -> type[BulkEntriesIn]:
    """:class:`BulkEntriesIn` with the item limit as a ``max_length`` (checked first)."""
    items = Annotated[list[EntryIn], Field(min_length=1, max_length=max_items)]
    model = create_model("BulkEntriesIn", __base__=BulkEntriesIn, entries=(items, ...))
    return cast(type[BulkEntriesIn], model)


def _check_value_count(raw: bytes | str) -> None:
    """Refuse a body with more than MAX_JSON_VALUES values before parsing it.

    Values are strings, and objects, arrays and members (``{``, ``[`` and ``,`` outside
    strings). Byte counts decide most bodies; strings are only matched (linear, C speed)
    when the counts cannot.
    """
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    quotes = data.count(b'"')
    structural = data.count(b",") + data.count(b"[") + data.count(b"{")
    if quotes // 2 + structural <= MAX_JSON_VALUES:
        return
    at_least_strings = (quotes - data.count(b'\\"')) // 2
    if at_least_strings <= MAX_JSON_VALUES:
        outside, strings = _STRING.subn(b"", data)
        values = strings + outside.count(b",") + outside.count(b"[") + outside.count(b"{")
        if values <= MAX_JSON_VALUES:
            return
    raise InvalidEntryError(
        f"request body has more than {MAX_JSON_VALUES} JSON values; "
        "split it into smaller requests"
    )


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


def _to_invalid_entry(
    exc: ValidationError, *, bulk: bool, max_items: int = 0
) -> InvalidEntryError:
    error = exc.errors(include_url=False, include_input=False)[0]
    if bulk and error["type"] == "too_long" and tuple(error["loc"]) == ("entries",):
        got = (error.get("ctx") or {}).get("actual_length", "more")
        return InvalidEntryError(
            f"entries: at most {max_items} entries per bulk request, got {got}",
            field="entries",
        )
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
