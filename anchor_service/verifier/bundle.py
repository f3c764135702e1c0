"""The proof bundle: a typed, strict reading and writing of its JSON.

Format, version 1 (hashes are 64 lower-case hex digits without ``0x``; the transaction
hash and the registry address are ``0x``-prefixed as usual on Ethereum)::

    {"version": 1,
     "entry": {... the stored canonical document, "salt": "<hex>" included ...},
     "leaf": {"index": 17, "hash": "<hex>"},
     "inclusion": {"tree_size": 50, "root": "<hex>", "path": ["<hex>", ...]},
     "statement_hash": "<hex>",
     "anchor": {"chain_id": 1337, "registry": "0x<40 hex>", "seq": 0,
                "tx_hash": "0x<64 hex>", "block_number": 12}}

The leaf bytes are exactly the RFC 8785 (JCS) serialisation of ``entry``. A bundle whose
document was erased has ``"entry": null`` and ``"redacted": true`` (``redacted`` is
otherwise absent or ``false``).

Optional fields:

- ``"checkpoint": "<signed note text>"``: a C2SP signed checkpoint (c2sp.org/tlog-checkpoint)
  of the tree the inclusion proof is against, with the log's signature and any witness
  cosignature lines; checked against the auditor's trust policy (``anchor_service.tlog``).
- ``"redaction_record": {"index": 12, "hash": "<hex>"}`` (redacted bundles only): the log
  leaf that records the erasure, by its index and leaf hash.

Reading is strict, so that everything in a bundle is something a check looks at: unknown
or missing fields, duplicate keys, wrong types, upper-case or ``0x``-prefixed hashes are
all :class:`BundleFormatError`, whose ``field`` is a dotted path (``inclusion.path.2``).
Whether the values are *right* is for :mod:`anchor_service.verifier.checks` to say.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

import pydantic_core
from pydantic import BaseModel, Field

from anchor_service.verifier.errors import BundleFormatError

__all__ = [
    "BUNDLE_VERSION",
    "AnchorRef",
    "BundleAnchorOut",
    "BundleFormatError",
    "ProofBundle",
    "RedactionRecordRef",
    "dump_bundle",
    "parse_bundle",
]

BUNDLE_VERSION = 1
_UINT64_LIMIT = 2**64
_MAX_DEPTH = 200
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


@dataclass(frozen=True, slots=True)
class AnchorRef:
    """Where the bundle says its tree head was anchored."""

    chain_id: int
    registry: str
    seq: int
    tx_hash: bytes
    block_number: int


class BundleAnchorOut(BaseModel):
    """The ``anchor`` object of a bundle: where its tree head was anchored.

    The one JSON form of an :class:`AnchorRef`; the API's anchored heads
    (``GET /v1/log/head``) extend it with the anchor's status.
    """

    chain_id: int = Field(examples=[1337])
    registry: str = Field(description="Registry address, 0x-prefixed.")
    seq: int = Field(description="Anchor sequence number in the registry.", examples=[0])
    tx_hash: str = Field(description="Anchor transaction hash, 0x-prefixed.")
    block_number: int

    @classmethod
    def of(cls, anchor: AnchorRef, **more: Any) -> Self:
        """From the reference; ``more`` fills a subclass's own fields."""
        return cls(
            chain_id=anchor.chain_id,
            registry=anchor.registry,
            seq=anchor.seq,
            tx_hash="0x" + anchor.tx_hash.hex(),
            block_number=anchor.block_number,
            **more,
        )


@dataclass(frozen=True, slots=True)
class RedactionRecordRef:
    """The log leaf recording that this bundle's document was erased."""

    index: int
    leaf_hash: bytes


@dataclass(frozen=True, slots=True)
class ProofBundle:
    """A parsed proof bundle (hashes as 32 raw bytes).

    ``entry`` is ``None`` exactly when ``redacted`` is true.
    """

    entry: dict[str, Any] | None
    leaf_index: int
    leaf_hash: bytes
    tree_size: int
    root: bytes
    path: tuple[bytes, ...]
    statement_hash: bytes
    anchor: AnchorRef
    redacted: bool = False
    version: int = BUNDLE_VERSION
    checkpoint: str | None = None
    redaction_record: RedactionRecordRef | None = None

    def to_json(self) -> dict[str, Any]:
        """The bundle as a JSON-ready dict, in the format above."""
        document: dict[str, Any] = {"version": self.version, "entry": self.entry}
        if self.redacted:
            document["redacted"] = True
        document["leaf"] = {"index": self.leaf_index, "hash": self.leaf_hash.hex()}
        document["inclusion"] = {
            "tree_size": self.tree_size,
            "root": self.root.hex(),
            "path": [node.hex() for node in self.path],
        }
        document["statement_hash"] = self.statement_hash.hex()
        document["anchor"] = BundleAnchorOut.of(self.anchor).model_dump()
        if self.checkpoint is not None:
            document["checkpoint"] = self.checkpoint
        if self.redaction_record is not None:
            document["redaction_record"] = {
                "index": self.redaction_record.index,
                "hash": self.redaction_record.leaf_hash.hex(),
            }
        return document


def dump_bundle(bundle: ProofBundle, *, indent: int | None = 2) -> bytes:
    """The bundle as UTF-8 JSON (what :func:`parse_bundle` reads back)."""
    return json.dumps(bundle.to_json(), indent=indent, ensure_ascii=False).encode("utf-8")


def _reject_api_error(document: Any) -> None:
    """An API error answer saved in place of a bundle (``curl -o`` keeps any answer)."""
    if (
        isinstance(document, Mapping)
        and "version" not in document
        and isinstance(document.get("error"), str)
        and "detail" in document
    ):
        raise BundleFormatError(
            f"this is an API error document, not a proof bundle: {document['error']}: "
            f"{json.dumps(document['detail'], ensure_ascii=False)[:500]}"
        )


def parse_bundle(raw: bytes | str | Mapping[str, Any]) -> ProofBundle:
    """Read a bundle from JSON text (or an already decoded JSON object).

    Raises :class:`BundleFormatError` naming the first field that breaks the format.
    """
    if isinstance(raw, Mapping):
        document: Any = raw
    else:
        try:
            text = raw.decode("utf-8") if isinstance(raw, bytes | bytearray) else raw
        except UnicodeDecodeError as exc:
            raise BundleFormatError(f"not UTF-8 text: {exc}") from None
        try:
            _require_shallow(text)
            document = _DECODER.decode(text)
        except _DuplicateKeyError as exc:
            raise BundleFormatError(f"duplicate key {exc.key!r} in a JSON object") from None
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, nesting too deep
            raise BundleFormatError(f"not valid JSON: {exc}") from None
    _reject_api_error(document)
    top = _object(
        document,
        None,
        required=("version", "entry", "leaf", "inclusion", "statement_hash", "anchor"),
        optional=("redacted", "checkpoint", "redaction_record"),
    )
    version = top["version"]
    if type(version) is not int or version != BUNDLE_VERSION:
        raise BundleFormatError(f"unsupported version {version!r}, expected 1", "version")
    redacted = top.get("redacted", False)
    if type(redacted) is not bool:
        raise BundleFormatError("must be true or false", "redacted")
    entry = top["entry"]
    if redacted:
        if entry is not None:
            raise BundleFormatError("must be null in a redacted bundle", "entry")
    else:
        if entry is None:
            raise BundleFormatError(
                'is null but the bundle is not marked "redacted": true', "entry"
            )
        entry = _entry(entry)
    leaf = _object(top["leaf"], "leaf", required=("index", "hash"))
    inclusion = _object(top["inclusion"], "inclusion", required=("tree_size", "root", "path"))
    path = inclusion["path"]
    if type(path) is not list:
        raise BundleFormatError("must be an array of hashes", "inclusion.path")
    checkpoint = top.get("checkpoint")
    if checkpoint is not None and (type(checkpoint) is not str or not checkpoint):
        raise BundleFormatError("must be the signed checkpoint note as text", "checkpoint")
    record = None
    if "redaction_record" in top:
        if not redacted:
            raise BundleFormatError("only a redacted bundle has one", "redaction_record")
        fields = _object(top["redaction_record"], "redaction_record", required=("index", "hash"))
        record = RedactionRecordRef(
            _uint(fields["index"], "redaction_record.index"),
            _hash(fields["hash"], "redaction_record.hash"),
        )
    return ProofBundle(
        entry=entry,
        leaf_index=_uint(leaf["index"], "leaf.index"),
        leaf_hash=_hash(leaf["hash"], "leaf.hash"),
        tree_size=_uint(inclusion["tree_size"], "inclusion.tree_size", minimum=1),
        root=_hash(inclusion["root"], "inclusion.root"),
        path=_hashes(path, "inclusion.path"),
        statement_hash=_hash(top["statement_hash"], "statement_hash"),
        anchor=_anchor_ref(top["anchor"]),
        redacted=redacted,
        checkpoint=checkpoint,
        redaction_record=record,
    )


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` refusing duplicate keys (JSON parsers disagree on them)."""
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKeyError(key)
            seen.add(key)
    return result


def _require_shallow(text: str) -> None:
    """Raise ``ValueError`` if ``text`` nests arrays and objects more than ~200 deep.

    The standard library's decoder recurses in C, bounded only by Python's recursion
    limit, and importing web3 (through py_ecc) raises that limit to 100,000: deeper input
    would then overflow the C stack and kill the process. Below 200 brackets in all (the
    usual case, counted cheaply) nothing can nest that deep; otherwise pydantic-core's
    parser, which refuses nesting beyond its limit of about 200, decides.
    """
    if text.count("[") + text.count("{") > _MAX_DEPTH:
        pydantic_core.from_json(text)


def _no_constants(name: str) -> Any:
    """``parse_constant`` refusing NaN and Infinity, which are not JSON."""
    raise ValueError(f"{name} is not a JSON value")


_DECODER = json.JSONDecoder(object_pairs_hook=_unique_keys, parse_constant=_no_constants)


def _object(
    value: Any, field: str | None, *, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> dict[str, Any]:
    where = f"{field}." if field else ""
    if type(value) is not dict:
        raise BundleFormatError("must be a JSON object", field)
    if len(value) == len(required) and all(map(value.__contains__, required)):
        return value
    for key in required:
        if key not in value:
            raise BundleFormatError("field required", where + key)
    for key in value:
        if key not in required and key not in optional:
            raise BundleFormatError("unknown field", where + str(key))
    return value


def _entry(value: Any) -> dict[str, Any]:
    if type(value) is not dict:
        raise BundleFormatError("must be a JSON object (the logged document) or null", "entry")
    salt = value.get("salt")
    if type(salt) is not str or not salt or _hex_bytes(salt) is None:
        raise BundleFormatError("must be the salt as lower-case hex digits", "entry.salt")
    return value


def _uint(value: Any, field: str, *, minimum: int = 0) -> int:
    if type(value) is not int or not minimum <= value < _UINT64_LIMIT:
        raise BundleFormatError(f"must be an integer from {minimum} to 2^64-1", field)
    return value


def _hash(value: Any, field: str, *, prefix: str = "") -> bytes:
    if type(value) is str and len(value) == 64 + len(prefix) and value.startswith(prefix):
        decoded = _hex_bytes(value[len(prefix) :])
        if decoded is not None:
            return decoded
    what = f"{prefix} and 64" if prefix else "64"
    raise BundleFormatError(f"must be {what} lower-case hex digits", field)


def _hashes(values: list[Any], field: str) -> tuple[bytes, ...]:
    """``tuple(_hash(v) for v in values)``, decoding all of them at once when they are valid."""
    try:
        joined = "".join(values)
    except TypeError:  # not all strings
        joined = ""
    if joined and set(map(len, values)) == {64} and (decoded := _hex_bytes(joined)):
        return tuple([decoded[i : i + 32] for i in range(0, len(decoded), 32)])
    return tuple(_hash(value, f"{field}.{i}") for i, value in enumerate(values))


def _hex_bytes(text: str) -> bytes | None:
    """``bytes.fromhex(text)`` if ``text`` is lower-case hex digits only, else ``None``."""
    try:
        decoded = bytes.fromhex(text)
    except ValueError:
        return None
    return decoded if decoded.hex() == text else None


def _anchor_ref(value: object) -> AnchorRef:
    """The ``anchor`` object of a bundle (or of another anchored proof), checked."""
    anchor = _object(
        value, "anchor", required=("chain_id", "registry", "seq", "tx_hash", "block_number")
    )
    registry = anchor["registry"]
    if type(registry) is not str or _ADDRESS.fullmatch(registry) is None:
        raise BundleFormatError("must be an address: 0x and 40 hex digits", "anchor.registry")
    return AnchorRef(
        chain_id=_uint(anchor["chain_id"], "anchor.chain_id", minimum=1),
        registry=registry,
        seq=_uint(anchor["seq"], "anchor.seq"),
        tx_hash=_hash(anchor["tx_hash"], "anchor.tx_hash", prefix="0x"),
        block_number=_uint(anchor["block_number"], "anchor.block_number"),
    )
