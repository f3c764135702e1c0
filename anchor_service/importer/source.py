"""Read entries from a JSONL or CSV file for an import, with positions.

JSONL: one entry per line, the same JSON document as ``POST /v1/entries``; blank lines
are skipped. CSV: a header row, then one row per posting with the columns
``external_id, occurred_at, description, account, amount, currency, metadata``
(``description`` and ``metadata`` optional; ``metadata`` a JSON object as text);
consecutive rows with the same ``external_id`` form one entry, whose ``occurred_at``,
``description`` and ``metadata`` are given on its first row (later rows leave them
empty or repeat them).

Each :class:`SourceRecord` carries the line it starts on, the byte offset and line count
just after it, and the raw bytes since the previous record, so an import can commit a
batch, remember where it stopped, and fingerprint what it has read.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from anchor_service.errors import InvalidEntryError
from anchor_service.importer.errors import SourceFormatError
from anchor_service.ledger import EntryIn, parse_entry

__all__ = ["CSV_COLUMNS", "SourceRecord", "read_records"]

CSV_COLUMNS = (
    "external_id", "occurred_at", "description", "account", "amount", "currency", "metadata"
)  # fmt: skip
_REQUIRED = ("external_id", "occurred_at", "account", "amount", "currency")
_ENTRY_FIELDS = ("occurred_at", "description", "metadata")
_FIRST_LINE_COLUMN = re.compile(r" line 1,? column ")


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One entry read from the file: ``entry`` when it parsed, else ``error``."""

    line: int
    end_line: int
    end_offset: int
    raw: bytes
    entry: EntryIn | None
    error: InvalidEntryError | None
    error_line: int = 0  # the line the error is on (a CSV entry spans several)


@dataclass(slots=True)
class _Line:
    raw: bytes
    number: int
    end: int


def read_records(
    handle: BinaryIO, fmt: str, *, offset: int = 0, line: int = 0
) -> Iterator[SourceRecord]:
    """Records from byte ``offset`` on (after ``line`` lines); ``handle`` is opened ``rb``."""
    if fmt == "jsonl":
        return _jsonl(_lines(handle, offset, line))
    if fmt == "csv":
        handle.seek(0)
        header_line = handle.readline()
        header = _csv_header(header_line)
        leading = b""
        if offset == 0:  # the header's bytes go with the first record
            offset, line, leading = len(header_line), 1, header_line
        return _csv(_lines(handle, offset, line), header, leading)
    raise ValueError(f"unknown format {fmt!r}")


def _lines(handle: BinaryIO, offset: int, line: int) -> Iterator[_Line]:
    handle.seek(offset)
    while raw := handle.readline():
        offset += len(raw)
        line += 1
        yield _Line(raw, line, offset)


def _jsonl(lines: Iterator[_Line]) -> Iterator[SourceRecord]:
    pending = b""
    for item in lines:
        pending += item.raw
        if not item.raw.strip():
            continue
        entry: EntryIn | None = None
        error: InvalidEntryError | None = None
        try:
            entry = parse_entry(item.raw)
        except InvalidEntryError as exc:
            error = _worded_for(exc, "the line")
        yield SourceRecord(item.number, item.number, item.end, pending, entry, error, item.number)
        pending = b""


def _worded_for(error: InvalidEntryError, what: str) -> InvalidEntryError:
    """``error`` of :func:`parse_entry` worded for ``what`` was parsed (a JSONL line, a CSV
    entry): the parser calls it the "request body", and its position "line 1 column N"
    is a column of that one line."""
    detail = error.detail
    if not detail.startswith("request body "):
        return error
    detail = f"{what} " + detail.removeprefix("request body ")
    detail = _FIRST_LINE_COLUMN.sub(" column ", detail)
    return InvalidEntryError(detail, field=error.field, index=error.index)


def _csv_header(raw: bytes) -> list[str]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceFormatError("the CSV header is not valid UTF-8") from None
    names = [name.strip() for name in next(csv.reader([text]), [])]
    unknown = [name for name in names if name not in CSV_COLUMNS]
    missing = [name for name in _REQUIRED if name not in names]
    if unknown or missing or len(set(names)) != len(names):
        raise SourceFormatError(
            f"the CSV header must name the columns {', '.join(CSV_COLUMNS)} "
            f"(description and metadata optional, any order); got {', '.join(names) or 'nothing'}"
        )
    return names


@dataclass(slots=True)
class _Row:
    values: dict[str, str] | None  # None: blank, or does not fit the header (problem)
    problem: str
    first: int
    last: int
    end: int
    raw: bytes


def _rows(lines: Iterator[_Line], header: list[str]) -> Iterator[_Row]:
    consumed: list[_Line] = []

    def texts() -> Iterator[str]:
        for item in lines:
            consumed.append(item)
            yield item.raw.decode("utf-8", errors="surrogateescape")

    for fields in csv.reader(texts(), strict=True):
        taken, consumed[:] = list(consumed), []
        raw = b"".join(item.raw for item in taken)
        first, last, end = taken[0].number, taken[-1].number, taken[-1].end
        if not fields:
            yield _Row(None, "", first, last, end, raw)  # a blank line
            continue
        problem = ""
        if len(fields) != len(header):
            problem = f"expected {len(header)} columns as in the header, got {len(fields)}"
        elif any(not value.isascii() and not _is_utf8(value) for value in fields):
            problem = "not valid UTF-8"
        values = None if problem else dict(zip(header, fields, strict=True))
        yield _Row(values, problem, first, last, end, raw)


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _csv(lines: Iterator[_Line], header: list[str], leading: bytes) -> Iterator[SourceRecord]:
    group: list[_Row] = []
    pending = leading
    try:
        for row in _rows(lines, header):
            pending += row.raw
            if row.values is None and not row.problem:
                continue  # blank line: its bytes go with the next record
            if group and (
                row.values is None
                or group[0].values is None
                or row.values["external_id"] != group[0].values["external_id"]
            ):
                yield _csv_record(group, pending[: -len(row.raw)])
                group, pending = [], row.raw
            group.append(row)
        if group:
            yield _csv_record(group, pending)
    except csv.Error as exc:
        raise SourceFormatError(f"CSV syntax error: {exc}") from None


def _csv_record(rows: list[_Row], raw: bytes) -> SourceRecord:
    first = rows[0]
    entry: EntryIn | None = None
    error: InvalidEntryError | None = None
    error_line = first.first
    try:
        entry = _entry_from_rows(rows)
    except _RowError as exc:
        error, error_line = exc, exc.line
    except InvalidEntryError as exc:
        error = exc
    return SourceRecord(first.first, rows[-1].last, rows[-1].end, raw, entry, error, error_line)


class _RowError(InvalidEntryError):
    """An error found on one row of a CSV entry: ``line`` says which."""

    def __init__(self, detail: str, *, line: int, field: str | None = None) -> None:
        super().__init__(detail, field=field)
        self.line = line


def _posting_index(field: str | None) -> int | None:
    parts = (field or "").split(".")
    if len(parts) >= 2 and parts[0] == "postings" and parts[1].isdigit():
        return int(parts[1])
    return None


def _entry_from_rows(rows: list[_Row]) -> EntryIn:
    if rows[0].values is None:
        raise InvalidEntryError(rows[0].problem)
    head = rows[0].values
    postings: list[dict[str, str]] = []
    for position, row in enumerate(rows):
        if row.values is None:
            raise _RowError(row.problem, line=row.first)
        values = row.values
        for name in _ENTRY_FIELDS:
            value = values.get(name, "")
            if position and value and value != head.get(name, ""):
                raise _RowError(
                    f"{name}: differs from the entry's first row (line {rows[0].first}); "
                    "give it on the first row only",
                    line=row.first,
                    field=name,
                )
        postings.append({key: values[key] for key in ("account", "amount", "currency")})
    document: dict[str, object] = {
        "external_id": head["external_id"],
        "occurred_at": head["occurred_at"],
        "postings": postings,
    }
    if head.get("description"):
        document["description"] = head["description"]
    body = json.dumps(document)
    metadata = head.get("metadata", "").strip()
    if metadata:
        try:
            parsed = json.loads(metadata)
        except ValueError as exc:
            raise InvalidEntryError(f"metadata: not valid JSON: {exc}", field="metadata") from None
        if not isinstance(parsed, dict):
            raise InvalidEntryError("metadata: must be a JSON object", field="metadata")
        body = body[:-1] + ', "metadata": ' + metadata + "}"  # exact text: big integers stay
    try:
        return parse_entry(body)
    except InvalidEntryError as exc:
        posting = _posting_index(exc.field)
        if posting is not None and posting < len(rows):
            raise _RowError(exc.detail, line=rows[posting].first, field=exc.field) from None
        raise _worded_for(exc, "the entry") from None
