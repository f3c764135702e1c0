"""Reading and writing the bundle format: strict, with the offending field named."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import pytest

from anchor_service import merkle
from anchor_service.ledger import canonical_json
from anchor_service.verifier import (
    BUNDLE_FORMAT,
    AnchorRef,
    BundleFormatError,
    ProofBundle,
    dump_bundle,
    parse_bundle,
    verify_bundle,
)

from .anchored import make_entries

ENTRIES = make_entries(5)
LEAVES = [entry.leaf_hash for entry in ENTRIES]


def bundle_json(index: int = 2) -> dict[str, Any]:
    """A well-formed bundle of leaf ``index`` in a tree of 5 (anchor fields made up)."""
    return ProofBundle(
        entry=json.loads(ENTRIES[index].document),
        leaf_index=index,
        leaf_hash=LEAVES[index],
        tree_size=len(LEAVES),
        root=merkle.root(LEAVES),
        path=tuple(merkle.inclusion_proof(LEAVES, index)),
        statement_hash=bytes(range(32)),
        anchor=AnchorRef(1337, "0x" + "ab" * 20, 0, bytes(range(32, 64)), 12),
    ).to_json()


def test_dumped_bundle_reads_back_equal() -> None:
    bundle = parse_bundle(bundle_json())
    assert parse_bundle(dump_bundle(bundle)) == bundle
    assert parse_bundle(dump_bundle(bundle, indent=None).decode()) == bundle


def test_json_shape_is_the_documented_one() -> None:
    document = bundle_json()
    assert list(document) == ["version", "entry", "leaf", "inclusion", "statement_hash", "anchor"]
    assert document["version"] == 1
    assert document["leaf"] == {"index": 2, "hash": LEAVES[2].hex()}
    assert document["anchor"]["tx_hash"] == "0x" + bytes(range(32, 64)).hex()
    assert all(len(node) == 64 for node in document["inclusion"]["path"])


def test_leaf_bytes_are_the_jcs_of_the_entry_as_stored() -> None:
    document = bundle_json(1)
    assert canonical_json(document["entry"]) == ENTRIES[1].document
    assert merkle.leaf_hash(canonical_json(document["entry"])).hex() == document["leaf"]["hash"]


def test_redacted_bundle_round_trips_with_null_entry() -> None:
    document = bundle_json()
    document.update(entry=None, redacted=True)
    bundle = parse_bundle(document)
    assert (bundle.entry, bundle.redacted) == (None, True)
    assert json.loads(dump_bundle(bundle)) == document


def test_format_check_describes_what_was_read() -> None:
    report = verify_bundle(parse_bundle(bundle_json()), None, min_confirmations=0)
    check = report.check(BUNDLE_FORMAT)
    assert check.ok
    assert check.reason == (
        "version 1, entry with salt, leaf 2 of tree size 5, 3 path hashes, anchor 0 on chain 1337"
    )


def _drop(*path: str) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        target: Any = document
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


def _put(*path: str | int, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        target: Any = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _upper(*path: str | int) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        target: Any = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = target[path[-1]].upper()

    return mutate


MALFORMED: list[tuple[str, Callable[[dict[str, Any]], None], str | None, str]] = [
    ("missing anchor", _drop("anchor"), "anchor", "field required"),
    ("missing leaf hash", _drop("leaf", "hash"), "leaf.hash", "field required"),
    ("unknown top-level field", _put("extra", value=1), "extra", "unknown field"),
    ("unknown anchor field", _put("anchor", "timestamp", value=1), "anchor.timestamp",
     "unknown field"),
    ("version 2", _put("version", value=2), "version", "unsupported version 2"),
    ("version as string", _put("version", value="1"), "version", "unsupported version"),
    ("leaf not an object", _put("leaf", value=[]), "leaf", "must be a JSON object"),
    ("index negative", _put("leaf", "index", value=-1), "leaf.index", "integer from 0"),
    ("index boolean", _put("leaf", "index", value=True), "leaf.index", "integer from 0"),
    ("index float", _put("leaf", "index", value=2.0), "leaf.index", "integer from 0"),
    ("index too big", _put("leaf", "index", value=2**64), "leaf.index", "2^64-1"),
    ("tree size zero", _put("inclusion", "tree_size", value=0), "inclusion.tree_size",
     "integer from 1"),
    ("chain id zero", _put("anchor", "chain_id", value=0), "anchor.chain_id", "integer from 1"),
    ("upper-case root", _upper("inclusion", "root"), "inclusion.root", "lower-case hex"),
    ("0x-prefixed leaf hash", _put("leaf", "hash", value="0x" + "00" * 31), "leaf.hash",
     "64 lower-case hex"),
    ("short statement hash", _put("statement_hash", value="ab" * 31), "statement_hash",
     "64 lower-case hex"),
    ("path element not hex", _put("inclusion", "path", 1, value="zz" * 32),
     "inclusion.path.1", "64 lower-case hex"),
    ("path element a number", _put("inclusion", "path", 2, value=7), "inclusion.path.2",
     "64 lower-case hex"),
    ("path not a list", _put("inclusion", "path", value="ab" * 32), "inclusion.path",
     "array of hashes"),
    ("tx hash without 0x", _put("anchor", "tx_hash", value="ab" * 32), "anchor.tx_hash",
     "0x and 64 lower-case hex"),
    ("registry too short", _put("anchor", "registry", value="0x1234"), "anchor.registry",
     "40 hex digits"),
    ("entry a string", _put("entry", value="{}"), "entry", "JSON object"),
    ("entry without salt", _drop("entry", "salt"), "entry.salt", "salt"),
    ("salt not hex", _put("entry", "salt", value="not hex"), "entry.salt", "hex"),
    ("entry null, not redacted", _put("entry", value=None), "entry", '"redacted": true'),
    ("redacted with entry", _put("redacted", value=True), "entry", "must be null"),
    ("redacted not boolean", _put("redacted", value="yes"), "redacted", "true or false"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mutate", "field", "reason"), [pytest.param(m, f, r, id=n) for n, m, f, r in MALFORMED]
)
def test_malformed_bundle_is_refused_naming_the_field(
    mutate: Callable[[dict[str, Any]], None], field: str | None, reason: str
) -> None:
    document = bundle_json()
    mutate(document)
    for raw in (document, json.dumps(document)):
        with pytest.raises(BundleFormatError) as info:
            parse_bundle(raw)
        assert info.value.field == field
        assert reason in info.value.reason
        assert str(info.value).startswith(f"{field}: ")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "not valid JSON"),
        (b"{", "not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"version": 1, "version": 1}', "duplicate key 'version'"),
        (b"NaN", "NaN is not a JSON value"),
        (b"[Infinity]", "Infinity is not a JSON value"),
    ],
)
def test_unreadable_document_is_refused(raw: bytes, reason: str) -> None:
    with pytest.raises(BundleFormatError) as info:
        parse_bundle(raw)
    assert reason in info.value.reason
    assert info.value.field is None


def test_duplicate_key_inside_the_entry_is_refused() -> None:
    text = json.dumps(bundle_json()).replace('"salt":', '"external_id": "x", "salt":', 1)
    with pytest.raises(BundleFormatError, match="duplicate key 'external_id'"):
        parse_bundle(text)


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_deep_nesting_is_refused_where_web3_raised_the_recursion_limit(opening: str) -> None:
    import anchor_service.chain  # noqa: F401  (py_ecc sets the recursion limit to 100,000)

    assert sys.getrecursionlimit() >= 100_000
    with pytest.raises(BundleFormatError, match="not valid JSON: recursion limit exceeded"):
        parse_bundle(opening * 100_000)


def test_many_brackets_without_deep_nesting_are_read() -> None:
    document = bundle_json()
    document["entry"]["metadata"] = {"items": [[i] for i in range(500)]}
    assert parse_bundle(json.dumps(document)).entry == document["entry"]


# --- the optional fields: checkpoint, redaction_record -------------------------------------


def test_checkpoint_and_redaction_record_read_back_equal() -> None:
    document = bundle_json()
    document["checkpoint"] = "example.com/log\n5\nAAAA\n\n— example.com/log AAAA\n"
    bundle = parse_bundle(document)
    assert bundle.checkpoint == document["checkpoint"]
    assert parse_bundle(dump_bundle(bundle)) == bundle
    redacted = bundle_json()
    redacted.update(entry=None, redacted=True,
                    redaction_record={"index": 4, "hash": LEAVES[4].hex()})  # fmt: skip
    parsed = parse_bundle(redacted)
    assert parsed.redaction_record is not None
    assert (parsed.redaction_record.index, parsed.redaction_record.leaf_hash) == (4, LEAVES[4])
    assert parse_bundle(dump_bundle(parsed)) == parsed
    assert list(parsed.to_json())[-1] == "redaction_record"


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"checkpoint": 5}, "checkpoint", "must be the signed checkpoint note as text"),
        ({"checkpoint": ""}, "checkpoint", "must be the signed checkpoint note as text"),
        ({"redaction_record": {"index": 4, "hash": "00" * 32}}, "redaction_record",
         "only a redacted bundle has one"),
    ],
)  # fmt: skip
def test_optional_fields_are_strict(change: dict[str, Any], field: str, reason: str) -> None:
    document = bundle_json()
    document.update(change)
    with pytest.raises(BundleFormatError) as info:
        parse_bundle(document)
    assert (info.value.field, info.value.reason) == (field, reason)


def test_redaction_record_fields_are_strict() -> None:
    document = bundle_json()
    document.update(entry=None, redacted=True, redaction_record={"index": -1, "hash": "00" * 32})
    with pytest.raises(BundleFormatError) as info:
        parse_bundle(document)
    assert info.value.field == "redaction_record.index"
    document["redaction_record"] = {"index": 1}
    with pytest.raises(BundleFormatError) as info:
        parse_bundle(document)
    assert (info.value.field, info.value.reason) == ("redaction_record.hash", "field required")
