"""Parse request bodies into entries, turning every failure into :class:`InvalidEntryError`.

Parsing goes straight from JSON bytes to models (pydantic's own JSON parser: integers
stay exact, a lone surrogate is a syntax error). The first failing rule is reported, with
a dotted ``field`` path inside the entry and, for bulk requests, the item ``index``.
"""

from __future__ import annotations

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
        return EntryIn.model_validate_json(raw)
    except ValidationError as exc:
        raise _to_invalid_entry(exc, bulk=False) from None


def parse_bulk(raw: bytes | str, *, max_items: int) -> list[EntryIn]:
    """Parse ``{"entries": [...]}`` with 1 to ``max_items`` entries, distinct external ids."""
    try:
        entries = BulkEntriesIn.model_validate_json(raw).entries
    except ValidationError as exc:
        raise _to_invalid_entry(exc, bulk=True) from None
    if len(entries) > max_items:
        raise InvalidEntryError(
            f"entries: at most {max_items} entries per bulk request, got {len(entries)}",
            field="entries",
        )
    _check_distinct(entries)
    return entries


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
