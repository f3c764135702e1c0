"""The page's JavaScript against the Python reference, in headless Chromium.

Canonical JSON (jcs.js over json.js) against the ``rfc8785`` package; Merkle inclusion
(merkle.js, WebCrypto SHA-256) against ``anchor_service.merkle``; the bundle reader
(bundle.js) against ``anchor_service.verifier.parse_bundle``. Inputs are generated here
(seeded), so a difference shows as the first input the two disagree on.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import random
import struct
from collections.abc import Callable
from typing import Any

import pytest
import rfc8785

from anchor_service import merkle
from anchor_service.merkle import ProofError
from anchor_service.verifier import BundleFormatError, parse_bundle

from .conftest import Served
from .page import VerifyPage

_CANONICALIZE = """
return args[0].map((text) => {
  try { return {text: m.jcs.canonicalize(m.json.parseJson(text))}; }
  catch (error) { return {error: `${error.name}: ${error.message}`}; }
});
"""
_SPECIAL_FLOATS = [
    0.0, -0.0, 1e21, 1e-7, 1e-6, 0.1, 0.2 + 0.1, 5e-324, 1.7976931348623157e308,
    2.0**53, 2.0**53 + 2, 123456789012345680000.0, 1e20, 9.999999999999999e22, -1.5,
    4.35, 0.000001234, 3.0e-8,
]  # fmt: skip


def _random_string(rng: random.Random) -> str:
    ranges = [(0x20, 0x7E), (0x00, 0x1F), (0xA0, 0x17F), (0x370, 0x3FF), (0xE000, 0xFFFD),
              (0x4E00, 0x4EFF), (0x10000, 0x1F9FF)]  # fmt: skip
    out = []
    for _ in range(rng.randrange(0, 8)):
        low, high = rng.choice(ranges)
        out.append(chr(rng.randint(low, high)))
    return "".join(out)


def _random_float(rng: random.Random) -> float:
    if rng.random() < 0.3:
        return rng.choice(_SPECIAL_FLOATS)
    while True:
        value: float = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        if math.isfinite(value):
            return value


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    kinds = ["null", "bool", "int", "float", "str"] + (["list", "dict"] * 2 if depth < 3 else [])
    kind = rng.choice(kinds)
    if kind == "null":
        return None
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "int":
        return rng.choice([rng.randint(-1000, 1000), rng.randint(-(2**53) + 1, 2**53 - 1)])
    if kind == "float":
        return _random_float(rng)
    if kind == "str":
        return _random_string(rng)
    if kind == "list":
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(0, 5))]
    return {_random_string(rng): _random_value(rng, depth + 1) for _ in range(rng.randrange(0, 6))}


@pytest.fixture(scope="module")
def loaded(browser: Any, served: Served) -> VerifyPage:
    return VerifyPage.open(browser, served.base_url)


def test_canonical_json_in_the_browser_equals_rfc8785_on_generated_documents(
    loaded: VerifyPage,
) -> None:
    rng = random.Random(8785)
    values = [_random_value(rng) for _ in range(400)] + [_SPECIAL_FLOATS]
    texts = [json.dumps(value, ensure_ascii=rng.random() < 0.5) for value in values]

    answers = loaded.run_modules(("json", "jcs"), _CANONICALIZE, texts)

    for text, value, answer in zip(texts, values, answers, strict=True):
        assert answer == {"text": rfc8785.dumps(value).decode("utf-8")}, text


def test_canonical_json_sorts_keys_by_utf16_code_units_not_code_points(
    loaded: VerifyPage,
) -> None:
    document = {"\ufb01": 1, "\U0001f600": 2, "z": 3, "\u00e9": 4}
    [answer] = loaded.run_modules(("json", "jcs"), _CANONICALIZE, [json.dumps(document)])

    assert answer == {"text": '{"z":3,"é":4,"😀":2,"ﬁ":1}'}
    assert answer["text"] == rfc8785.dumps(document).decode("utf-8")


@pytest.mark.parametrize(
    "text",
    ["9007199254740992", "-9007199254740992", "1000000000000000000000000000000",
     '"\\ud800"', '{"\\udc00": 1}', '["a\\ud83d"]', "1e400", "-1E999"],
)  # fmt: skip
def test_canonical_json_refuses_what_the_python_side_refuses(loaded: VerifyPage, text: str) -> None:
    with pytest.raises(ValueError):  # rfc8785 errors; UnicodeEncodeError for lone surrogates
        rfc8785.dumps(json.loads(text))

    [answer] = loaded.run_modules(("json", "jcs"), _CANONICALIZE, [text])

    assert answer["error"].startswith("CanonicalizationError: "), answer


def test_leaf_hashes_in_the_browser_equal_hashlib(loaded: VerifyPage) -> None:
    rng = random.Random(9162)
    blobs = [rng.randbytes(rng.randrange(0, 300)).hex() for _ in range(50)]

    hashes = loaded.run_modules(
        ("merkle",),
        "return Promise.all(args[0].map(async (hex) =>"
        " m.merkle.bytesToHex(await m.merkle.leafHash(m.merkle.hexToBytes(hex)))));",
        blobs,
    )

    assert hashes == [hashlib.sha256(b"\x00" + bytes.fromhex(blob)).hexdigest() for blob in blobs]


_ROOT_FROM_PROOF = """
const hex = m.merkle.hexToBytes;
return Promise.all(args[0].map(async ([index, size, leaf, proof]) => {
  try {
    const root = await m.merkle.rootFromInclusionProof(
      BigInt(index), BigInt(size), hex(leaf), proof.map(hex));
    return {root: m.merkle.bytesToHex(root)};
  } catch (error) { return {error: `${error.name}: ${error.message}`}; }
}));
"""


def test_inclusion_roots_in_the_browser_equal_the_python_merkle_core(loaded: VerifyPage) -> None:
    leaves = [merkle.leaf_hash(f"leaf {i}".encode()) for i in range(17)]
    cases = [
        (index, size, leaves[index].hex(), [node.hex() for node in merkle.inclusion_proof(
            leaves[:size], index)])
        for size in range(1, 18)
        for index in range(size)
    ]  # fmt: skip

    answers = loaded.run_modules(("merkle",), _ROOT_FROM_PROOF, cases)

    expected = [{"root": merkle.root(leaves[:size]).hex()} for _, size, _, _ in cases]
    assert answers == expected


def test_misfit_inclusion_proofs_are_refused_with_the_python_reasons(loaded: VerifyPage) -> None:
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(7)]
    proof = [node.hex() for node in merkle.inclusion_proof(leaves, 2)]
    cases = [
        (7, 7, leaves[0].hex(), proof),  # index not below size
        (2, 7, leaves[2].hex(), proof[:-1]),  # a hash short
        (2, 7, leaves[2].hex(), [*proof, proof[0]]),  # a hash too many
        (0, 1, leaves[0].hex(), proof[:1]),  # a one-leaf tree needs no path
    ]

    answers = loaded.run_modules(("merkle",), _ROOT_FROM_PROOF, cases)

    for (index, size, leaf, path), answer in zip(cases, answers, strict=True):
        with pytest.raises(ProofError) as caught:
            merkle.root_from_inclusion_proof(
                index, size, bytes.fromhex(leaf), [bytes.fromhex(node) for node in path]
            )
        assert answer == {"error": f"ProofError: {caught.value.reason}"}


Mutation = Callable[[dict[str, Any]], None]


def _drop(*path: str) -> Mutation:
    def mutate(bundle: dict[str, Any]) -> None:
        target = bundle
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


def _set(value: Any, *path: str | int) -> Mutation:
    def mutate(bundle: dict[str, Any]) -> None:
        target: Any = bundle
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


_MUTATIONS: dict[str, Mutation] = {
    "no version": _drop("version"),
    "no anchor": _drop("anchor"),
    "unknown field": _set(1, "extra"),
    "version 2": _set(2, "version"),
    "version as text": _set("1", "version"),
    "version as a float": lambda b: b.update(version=1.0),
    "redacted not a boolean": _set("yes", "redacted"),
    "redacted with an entry": _set(True, "redacted"),
    "entry null, not redacted": _set(None, "entry"),
    "entry a list": _set([], "entry"),
    "no salt": _drop("entry", "salt"),
    "upper-case salt": lambda b: b["entry"].update(salt=b["entry"]["salt"].upper()),
    "odd salt": lambda b: b["entry"].update(salt=b["entry"]["salt"] + "0"),
    "leaf without hash": _drop("leaf", "hash"),
    "leaf with extra field": _set(0, "leaf", "position"),
    "negative index": _set(-1, "leaf", "index"),
    "index past 2^64": _set(2**64, "leaf", "index"),
    "index a float": _set(2.0, "leaf", "index"),
    "index a boolean": _set(True, "leaf", "index"),
    "upper-case leaf hash": lambda b: b["leaf"].update(hash=b["leaf"]["hash"].upper()),
    "tree size 0": _set(0, "inclusion", "tree_size"),
    "path not a list": _set("00" * 32, "inclusion", "path"),
    "path item a number": _set(7, "inclusion", "path", 1),
    "short path item": _set("00" * 31, "inclusion", "path", 0),
    "statement hash with 0x": lambda b: b.update(statement_hash="0x" + b["statement_hash"]),
    "short registry": _set("0x" + "ab" * 19, "anchor", "registry"),
    "tx hash without 0x": lambda b: b["anchor"].update(tx_hash=b["anchor"]["tx_hash"][2:]),
    "chain id 0": _set(0, "anchor", "chain_id"),
    "block number null": _set(None, "anchor", "block_number"),
    "anchor a list": _set([], "anchor"),
}


def test_bundle_reader_refuses_what_the_python_verifier_refuses_naming_the_same_field(
    loaded: VerifyPage, served: Served
) -> None:
    texts = []
    expected = []
    for mutate in _MUTATIONS.values():
        bundle = copy.deepcopy(served.bundle())
        mutate(bundle)
        text = json.dumps(bundle)
        with pytest.raises(BundleFormatError) as caught:
            parse_bundle(text)
        texts.append(text)
        expected.append({"field": caught.value.field, "reason": caught.value.reason})

    answers = loaded.run_modules(
        ("bundle",),
        "return args[0].map((text) => {"
        "  try { m.bundle.parseBundle(text); return {accepted: true}; }"
        "  catch (error) { return {field: error.field, reason: error.reason}; } });",
        texts,
    )

    assert dict(zip(_MUTATIONS, answers, strict=True)) == dict(
        zip(_MUTATIONS, expected, strict=True)
    )


def test_bundle_reader_keeps_integers_exact_up_to_2_to_the_64(
    loaded: VerifyPage, served: Served
) -> None:
    bundle = served.bundle()
    bundle["anchor"]["block_number"] = 2**64 - 1
    text = json.dumps(bundle)
    assert parse_bundle(text).anchor.block_number == 2**64 - 1

    shown = loaded.run_modules(
        ("bundle",), "return String(m.bundle.parseBundle(args[0]).anchor.blockNumber);", text
    )

    assert shown == str(2**64 - 1)
