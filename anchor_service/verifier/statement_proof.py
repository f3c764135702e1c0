"""Statement proofs: one account's line, or its complete history, in one anchored batch.

Format, version 1 (hashes 64 lower-case hex digits; the statement is the batch's whole
statement document, version 2, whose JCS bytes hash to ``statement_hash``)::

    {"version": 1, "kind": "account-line", "account": "creator:7:payouts",
     "statement": {... statement v2 ...}, "statement_hash": "<hex>",
     "head": {"tree_size": 1500, "root": "<hex>"},
     "anchor": {"chain_id": 1337, "registry": "0x..", "seq": 4, "tx_hash": "0x..",
                "block_number": 12},
     "line": {... the account line ...}, "position": 17,
     "path": "<base64>"}

``path`` is the range proof of the line at ``position`` in the lines tree of
``statement.accounts.lines`` leaves (:mod:`anchor_service.merkle.ranges`), its nodes
(hash and sums) in the binary form of
:func:`anchor_service.ledger.account_lines.encode_path`. A history proof has ``"kind":
"account-history"`` and, instead of ``line``, ``position`` and ``path``::

     "index": {"start": 40, "end": 43,
               "before": {"account": "creator:6:payouts", "leaf_index": 1333} | null,
               "after": {"account": "escrow:project:42", "leaf_index": 1201} | null,
               "path": ["<hex>", ...]},
     "entries": [{"leaf_index": 1210, "leaf_hash": "<hex>", "entry": {...} | null,
                  "path": ["<hex>", ...]}, ...]

``[start, end)`` are the positions of the account's pairs in the account index (empty
for an account without entries: then ``start == end`` is where it would be), ``before``
and ``after`` the leaves at ``start - 1`` and ``end`` (``null`` at the tree's edges), and
``index.path`` the range proof of ``[start - 1 or start, end + 1 or end)``. ``entries`` are
the account's entries in leaf order, each with its log inclusion path against
``head.root`` (``entry`` is ``null`` when the entry was redacted).

Reading checks the structure only (a malformed file is :class:`BundleFormatError`); the
values, the line and the entries included, are for :mod:`.statement_checks` to judge.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from anchor_service.verifier.bundle import (
    _DECODER,
    AnchorRef,
    BundleAnchorOut,
    _anchor_ref,
    _DuplicateKeyError,
    _hash,
    _hashes,
    _object,
    _require_shallow,
    _uint,
)
from anchor_service.verifier.errors import BundleFormatError

__all__ = [
    "HISTORY_KIND",
    "LINE_KIND",
    "STATEMENT_PROOF_VERSION",
    "EntryProof",
    "HistoryProof",
    "LineProof",
    "StatementHead",
    "StatementProof",
    "dump_statement_proof",
    "parse_statement_proof",
]

STATEMENT_PROOF_VERSION = 1
LINE_KIND = "account-line"
HISTORY_KIND = "account-history"


@dataclass(frozen=True, slots=True)
class StatementHead:
    """The anchored head the statement belongs to (what the chain checks look at)."""

    tree_size: int
    root: bytes
    statement_hash: bytes
    anchor: AnchorRef


@dataclass(frozen=True, slots=True)
class EntryProof:
    """One entry of a history: its document (``None`` if redacted) and log inclusion path."""

    leaf_index: int
    leaf_hash: bytes
    entry: dict[str, Any] | None
    path: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "leaf_index": self.leaf_index,
            "leaf_hash": self.leaf_hash.hex(),
            "entry": self.entry,
            "path": [node.hex() for node in self.path],
        }


@dataclass(frozen=True, slots=True)
class LineProof:
    """An account line and its path to the statement's ``accounts`` root."""

    account: str
    statement: dict[str, Any]
    head: StatementHead
    line: Any
    position: int
    path: str
    kind: Literal["account-line"] = "account-line"

    def to_json(self) -> dict[str, Any]:
        return {
            **_common(self.kind, self.account, self.statement, self.head),
            "line": self.line,
            "position": self.position,
            "path": self.path,
        }


@dataclass(frozen=True, slots=True)
class HistoryProof:
    """An account's pairs in the account index, bracketed, with every entry."""

    account: str
    statement: dict[str, Any]
    head: StatementHead
    start: int
    end: int
    before: Any
    after: Any
    index_path: tuple[bytes, ...]
    entries: tuple[EntryProof, ...]
    kind: Literal["account-history"] = "account-history"

    def to_json(self) -> dict[str, Any]:
        return {
            **_common(self.kind, self.account, self.statement, self.head),
            "index": {
                "start": self.start,
                "end": self.end,
                "before": self.before,
                "after": self.after,
                "path": [node.hex() for node in self.index_path],
            },
            "entries": [entry.to_json() for entry in self.entries],
        }


StatementProof = LineProof | HistoryProof


def _common(
    kind: str, account: str, statement: dict[str, Any], head: StatementHead
) -> dict[str, Any]:
    return {
        "version": STATEMENT_PROOF_VERSION,
        "kind": kind,
        "account": account,
        "statement": statement,
        "statement_hash": head.statement_hash.hex(),
        "head": {"tree_size": head.tree_size, "root": head.root.hex()},
        "anchor": BundleAnchorOut.of(head.anchor).model_dump(),
    }


def dump_statement_proof(proof: StatementProof, *, indent: int | None = None) -> bytes:
    """The proof as UTF-8 JSON (compact unless ``indent``)."""
    separators = (",", ":") if indent is None else None
    return json.dumps(
        proof.to_json(), indent=indent, separators=separators, ensure_ascii=False
    ).encode("utf-8")


_COMMON = ("version", "kind", "account", "statement", "statement_hash", "head", "anchor")


def parse_statement_proof(raw: bytes | str | Mapping[str, Any]) -> StatementProof:
    """Read a statement proof; :class:`BundleFormatError` names the first bad field."""
    if isinstance(raw, Mapping):
        document: Any = raw
    else:
        try:
            text = raw.decode("utf-8") if isinstance(raw, bytes | bytearray) else raw
            _require_shallow(text)
            document = _DECODER.decode(text)
        except UnicodeDecodeError as exc:
            raise BundleFormatError(f"not UTF-8 text: {exc}") from None
        except _DuplicateKeyError as exc:
            raise BundleFormatError(f"duplicate key {exc.key!r} in a JSON object") from None
        except (ValueError, RecursionError) as exc:
            raise BundleFormatError(f"not valid JSON: {exc}") from None
    if type(document) is not dict:
        raise BundleFormatError("must be a JSON object")
    kind = document.get("kind")
    if kind == LINE_KIND:
        top = _object(document, None, required=(*_COMMON, "line", "position", "path"))
    elif kind == HISTORY_KIND:
        top = _object(document, None, required=(*_COMMON, "index", "entries"))
    else:
        raise BundleFormatError(f'must be "{LINE_KIND}" or "{HISTORY_KIND}"', "kind")
    if type(top["version"]) is not int or top["version"] != STATEMENT_PROOF_VERSION:
        raise BundleFormatError(f"unsupported version {top['version']!r}, expected 1", "version")
    account = top["account"]
    if type(account) is not str or not account:
        raise BundleFormatError("must be the account name", "account")
    if type(top["statement"]) is not dict:
        raise BundleFormatError("must be the statement document (an object)", "statement")
    head = _head(top)
    if kind == LINE_KIND:
        if type(top["path"]) is not str:
            raise BundleFormatError("must be the nodes as base64 text", "path")
        return LineProof(
            account=account,
            statement=top["statement"],
            head=head,
            line=top["line"],
            position=_uint(top["position"], "position"),
            path=top["path"],
        )
    index = _object(top["index"], "index", required=("start", "end", "before", "after", "path"))
    if type(index["path"]) is not list:
        raise BundleFormatError("must be an array of hashes", "index.path")
    if type(top["entries"]) is not list:
        raise BundleFormatError("must be an array", "entries")
    return HistoryProof(
        account=account,
        statement=top["statement"],
        head=head,
        start=_uint(index["start"], "index.start"),
        end=_uint(index["end"], "index.end"),
        before=index["before"],
        after=index["after"],
        index_path=_hashes(index["path"], "index.path"),
        entries=tuple(_entry(item, f"entries.{i}") for i, item in enumerate(top["entries"])),
    )


def _head(top: dict[str, Any]) -> StatementHead:
    head = _object(top["head"], "head", required=("tree_size", "root"))
    return StatementHead(
        tree_size=_uint(head["tree_size"], "head.tree_size", minimum=1),
        root=_hash(head["root"], "head.root"),
        statement_hash=_hash(top["statement_hash"], "statement_hash"),
        anchor=_anchor_ref(top["anchor"]),
    )


def _entry(value: Any, field: str) -> EntryProof:
    item = _object(value, field, required=("leaf_index", "leaf_hash", "entry", "path"))
    if item["entry"] is not None and type(item["entry"]) is not dict:
        raise BundleFormatError("must be the logged document or null", f"{field}.entry")
    if type(item["path"]) is not list:
        raise BundleFormatError("must be an array of hashes", f"{field}.path")
    return EntryProof(
        leaf_index=_uint(item["leaf_index"], f"{field}.leaf_index"),
        leaf_hash=_hash(item["leaf_hash"], f"{field}.leaf_hash"),
        entry=item["entry"],
        path=_hashes(item["path"], f"{field}.path"),
    )
