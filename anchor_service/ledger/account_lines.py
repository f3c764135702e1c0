"""Account lines and the Merkle-sum tree over them (statement version 2, ``accounts``).

One *line* per account the batch touched, per currency what moved::

    {"account": "creator:7:payouts",
     "currencies": {"IDR": {"credits": "4500000", "debits": "0", "entries": 3,
                            "net": "4500000"}}}

``debits`` is the total of the account's negative amounts as a magnitude, ``credits``
the total of its positive ones, ``net`` is ``credits - debits`` (decimal strings, like
the statement's totals) and ``entries`` the number of entries of the batch with a posting
of that account in that currency. The leaf bytes are the RFC 8785 (JCS) serialisation.

Lines are sorted by account (UTF-8 byte order) into an RFC 9162-shaped tree
(:mod:`anchor_service.merkle.ranges`) whose every node is ``(hash, sums)``, ``sums``
being, per currency, the ``debits``, ``credits`` and ``entries`` of its subtree:

- leaf:  ``hash = SHA-256(0x00 || JCS(line))``, ``sums`` = the line's own;
- node:  ``sums`` = the children's added per currency,
  ``hash = SHA-256(0x01 || left.hash || right.hash || JCS(sums))``, where the JCS form of
  sums is ``{"IDR": {"credits": "9", "debits": "9", "entries": 4}}``;
- empty tree (a batch without postings): ``(SHA-256(""), {})``.

The statement's ``accounts`` object is ``{"root": hex(root.hash), "lines": N, "sums":
JCS form of root.sums}``; its ``debits`` and ``credits`` equal the statement's ``totals``
(``entries`` counts an entry once per account it touches).

In proofs the path (~log2(N) nodes) is binary, base64-encoded (:func:`encode_path`):
hex and decimal JSON would make a line proof of a 100k-account batch ~3 kB, this ~1.5.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from anchor_service.ledger.jcs import canonical_json, json_string

__all__ = [
    "EMPTY_LINES_ROOT",
    "AccountLine",
    "CurrencyLine",
    "LineNode",
    "Sums",
    "combine_lines",
    "decode_path",
    "encode_path",
    "line_from_json",
    "line_node",
    "lines_from_postings",
    "sums_canonical",
    "sums_from_json",
    "sums_to_json",
]

Sums = dict[str, tuple[int, int, int]]
"""Per currency ``(debits, credits, entries)``."""


@dataclass(frozen=True, slots=True)
class CurrencyLine:
    """One currency of a line: moved out, moved in (both >= 0), entries touching it."""

    debits: int
    credits: int
    entries: int

    @property
    def net(self) -> int:
        return self.credits - self.debits


@dataclass(frozen=True, slots=True)
class AccountLine:
    """An account's line: its movements per currency (currency codes sorted)."""

    account: str
    currencies: Mapping[str, CurrencyLine]

    def to_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "currencies": {
                code: {
                    "credits": str(line.credits),
                    "debits": str(line.debits),
                    "entries": line.entries,
                    "net": str(line.net),
                }
                for code, line in sorted(self.currencies.items())
            },
        }

    def canonical(self) -> bytes:
        """The leaf bytes: JCS of :meth:`to_json` (built directly: millions per seal)."""
        parts = [
            f'{json_string(code)}:{{"credits":"{line.credits}","debits":"{line.debits}",'
            f'"entries":{line.entries},"net":"{line.net}"}}'
            for code, line in sorted(self.currencies.items())
        ]
        text = f'{{"account":{json_string(self.account)},"currencies":{{{",".join(parts)}}}}}'
        return text.encode("utf-8")

    @property
    def sums(self) -> Sums:
        return {
            code: (line.debits, line.credits, line.entries)
            for code, line in self.currencies.items()
        }


@dataclass(frozen=True, slots=True)
class LineNode:
    """A node of the Merkle-sum tree: its hash and its subtree's sums."""

    hash: bytes
    sums: Sums


EMPTY_LINES_ROOT = LineNode(hashlib.sha256(b"").digest(), {})


def sums_to_json(sums: Sums) -> dict[str, dict[str, Any]]:
    """``{"IDR": {"credits": "9", "debits": "9", "entries": 4}}`` (hashed as JCS)."""
    return {
        code: {"credits": str(credits), "debits": str(debits), "entries": entries}
        for code, (debits, credits, entries) in sorted(sums.items())
    }


def sums_from_json(value: Any) -> Sums:
    """The inverse of :func:`sums_to_json`; ``ValueError`` if malformed or negative."""
    if not isinstance(value, dict):
        raise ValueError("sums must be an object")
    sums: Sums = {}
    for code, item in value.items():
        if not isinstance(item, dict) or set(item) != {"credits", "debits", "entries"}:
            raise ValueError(f"sums of {code!r} must have credits, debits and entries")
        sums[code] = (
            _amount(item["debits"]),
            _amount(item["credits"]),
            _count(item["entries"]),
        )
    return sums


def line_node(line: AccountLine) -> LineNode:
    """The leaf of ``line``."""
    return LineNode(hashlib.sha256(b"\x00" + line.canonical()).digest(), line.sums)


def combine_lines(left: LineNode, right: LineNode) -> LineNode:
    """The parent of two nodes: sums added, hash over both hashes and the sums."""
    sums = dict(left.sums)
    for code, (debits, credits, entries) in right.sums.items():
        have = sums.get(code, (0, 0, 0))
        sums[code] = (have[0] + debits, have[1] + credits, have[2] + entries)
    digest = hashlib.sha256(b"\x01" + left.hash + right.hash + sums_canonical(sums))
    return LineNode(digest.digest(), sums)


_SAFE_COUNT = 2**53 - 1


def sums_canonical(sums: Sums) -> bytes:
    """``JCS(sums_to_json(sums))``, the bytes a node hashes: built directly for ASCII
    currency codes and counts JCS writes as plain integers (every real node: 100k lines
    are ~100k nodes, and the generic encoder took ~1 s of them), else by
    :func:`~anchor_service.ledger.jcs.canonical_json` itself."""
    if not all(code.isascii() and abs(n) <= _SAFE_COUNT for code, (_, _, n) in sums.items()):
        return canonical_json(sums_to_json(sums))
    parts = [
        f'{json_string(code)}:{{"credits":"{credits}","debits":"{debits}","entries":{entries}}}'
        for code, (debits, credits, entries) in sorted(sums.items())
    ]
    return f"{{{','.join(parts)}}}".encode()


def encode_path(nodes: Iterable[LineNode]) -> str:
    """The proof form of a path: base64 (RFC 4648, with padding) of the nodes one after
    the other, each ``hash (32 bytes) || currency count (1 byte)`` then per currency,
    sorted: ``code (3 ASCII bytes) || debits || credits || entries``, the numbers as
    unsigned LEB128 varints (7 bits a byte, low first, high bit set on all but the last)."""
    out = bytearray()
    for node in nodes:
        out += node.hash
        out.append(len(node.sums))
        for code, values in sorted(node.sums.items()):
            out += code.encode("ascii")
            for value in values:
                out += _varint(value)
    return base64.b64encode(bytes(out)).decode("ascii")


def decode_path(text: Any) -> list[LineNode]:
    """The inverse of :func:`encode_path`; ``ValueError`` if malformed."""
    if not isinstance(text, str):
        raise ValueError("the path must be base64 text")
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise ValueError("the path is not valid base64") from None
    nodes: list[LineNode] = []
    at = 0
    while at < len(raw):
        if at + 33 > len(raw):
            raise ValueError("the path ends inside a node")
        digest, count = raw[at : at + 32], raw[at + 32]
        at += 33
        sums: Sums = {}
        for _ in range(count):
            code = raw[at : at + 3]
            if len(code) != 3 or not code.isalpha() or not code.isupper():
                raise ValueError("the path has a malformed currency code")
            at += 3
            values = []
            for _field in range(3):
                value, at = _read_varint(raw, at)
                values.append(value)
            sums[code.decode("ascii")] = (values[0], values[1], values[2])
        nodes.append(LineNode(bytes(digest), sums))
    return nodes


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def _read_varint(raw: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(raw) or shift > 7 * 16:  # amounts stay below 2^112
            raise ValueError("the path has a malformed number")
        byte = raw[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


def line_from_json(value: Any) -> AccountLine:
    """A line read back from its JSON form; ``ValueError`` when malformed, negative, or
    when ``net`` is not ``credits - debits``."""
    if not isinstance(value, dict) or set(value) != {"account", "currencies"}:
        raise ValueError("a line must have exactly account and currencies")
    account, currencies = value["account"], value["currencies"]
    if not isinstance(account, str) or not isinstance(currencies, dict) or not currencies:
        raise ValueError("a line needs an account (text) and at least one currency")
    lines: dict[str, CurrencyLine] = {}
    for code, item in currencies.items():
        if not isinstance(item, dict) or set(item) != {"credits", "debits", "entries", "net"}:
            raise ValueError(f"currency {code!r} must have credits, debits, entries and net")
        line = CurrencyLine(
            _amount(item["debits"]), _amount(item["credits"]), _count(item["entries"])
        )
        if item["net"] != str(line.net):
            raise ValueError(f"{code} net {item['net']!r} is not credits - debits ({line.net})")
        if line.entries < 1:
            raise ValueError(f"{code}: a line counts at least one entry")
        lines[code] = line
    return AccountLine(account, lines)


def lines_from_postings(rows: Iterable[tuple[str, str, int, int]]) -> Iterator[AccountLine]:
    """Lines from ``(account, currency, leaf_index, amount)`` rows sorted by account (byte
    order), currency and leaf index: streaming, one account held at a time."""
    account: str | None = None
    currencies: dict[str, list[int]] = {}
    last: dict[str, int] = {}
    for row_account, currency, leaf_index, amount in rows:
        if row_account != account:
            if account is not None:
                yield _line(account, currencies)
            account, currencies, last = row_account, {}, {}
        acc = currencies.setdefault(currency, [0, 0, 0])
        if amount < 0:
            acc[0] -= amount
        else:
            acc[1] += amount
        if last.get(currency) != leaf_index:
            acc[2] += 1
            last[currency] = leaf_index
    if account is not None:
        yield _line(account, currencies)


def _line(account: str, currencies: dict[str, list[int]]) -> AccountLine:
    return AccountLine(
        account, {code: CurrencyLine(d, c, e) for code, (d, c, e) in sorted(currencies.items())}
    )


def _amount(value: Any) -> int:
    if (
        not isinstance(value, str)
        or not (value.isascii() and value.isdigit())
        or (len(value) > 1 and value[0] == "0")
    ):
        raise ValueError(f"an amount must be a non-negative decimal string, got {value!r}")
    return int(value)


def _count(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise ValueError(f"a count must be a non-negative integer, got {value!r}")
    return value


def _hash(value: Any) -> bytes:
    if not isinstance(value, str) or len(value) != 64 or value != value.lower():
        raise ValueError(f"a hash must be 64 lower-case hex digits, got {value!r}")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise ValueError(f"a hash must be 64 lower-case hex digits, got {value!r}") from None
