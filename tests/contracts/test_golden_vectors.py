"""The RFC 9162 golden probes run through the on-chain verifiers (and the Python ones).

Probes: `<repo>/../shared/vectors/rfc9162/` (transparency-dev/merkle testdata).
Consistency probes go through `verifyConsistency` of AnchorRegistry (MerkleLog)
and of AnchorRegistryV2 (MerkleLogAsm); inclusion probes through
`verifyInclusion` of both libraries, exposed by the test-only harnesses.
Without the probes the tests skip, and fail under CI=true.

Every probe is checked two ways: the on-chain verdict must equal the probe's
(`wantErr: false` accepted, `true` rejected), and it must equal the verdict of
`anchor_service.merkle` on the same input.

Some probes hold deliberately malformed hashes (empty, 9 or 12 bytes), whose
verdict is about the raw bytes. A bytes32 cannot carry them, so they are
right-padded with zero bytes (as Solidity converts short bytes to bytes32)
and only the Solidity-against-Python check applies to them.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT

from anchor_service.merkle import verify_consistency, verify_inclusion

VECTORS = REPO_ROOT.parent / "shared" / "vectors" / "rfc9162"


@pytest.fixture(scope="module", autouse=True)
def isolation() -> None:
    """Overrides conftest's per-test snapshot: these tests only make calls."""


@pytest.fixture(scope="module", params=["AnchorRegistry", "AnchorRegistryV2"])
def consistency_verifier(request: Any, registry: Any, registry_v2: Any) -> Any:
    return registry if request.param == "AnchorRegistry" else registry_v2


@pytest.fixture(scope="module", params=["MerkleLog", "MerkleLogAsm"])
def inclusion_verifier(request: Any, merkle_log: Any, merkle_log_asm: Any) -> Any:
    return merkle_log if request.param == "MerkleLog" else merkle_log_asm


def probes(kind: str) -> list[Path | None]:
    found = sorted(VECTORS.glob(f"{kind}/**/*.json"))
    return list(found) if found else [None]


def probe_id(path: Path | None) -> str:
    return "missing" if path is None else str(path.relative_to(VECTORS))


def load(path: Path | None) -> dict[str, Any]:
    if path is None:
        message = f"golden vectors not found at {VECTORS}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    case: dict[str, Any] = json.loads(path.read_text())
    return case


def raw(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def bytes32(value: bytes) -> bytes:
    assert len(value) <= 32, "a probe hash longer than 32 bytes cannot be passed as bytes32"
    return value.ljust(32, b"\0")


def well_formed(*hashes: bytes) -> bool:
    return all(len(value) == 32 for value in hashes)


def hx(value: bytes) -> str:
    return "0x" + value.hex()


@pytest.mark.parametrize("path", probes("consistency"), ids=probe_id)
def test_consistency_probe_gets_its_expected_verdict(
    consistency_verifier: Any, path: Path | None
) -> None:
    case = load(path)
    size1, size2 = case["size1"], case["size2"]
    raw_hashes = [raw(case["root1"]), raw(case["root2"]), *map(raw, case["proof"] or [])]
    root1, root2, *proof = map(bytes32, raw_hashes)

    on_chain = consistency_verifier.verifyConsistency(
        size1, size2, hx(root1), hx(root2), list(map(hx, proof))
    )

    assert on_chain is verify_consistency(size1, size2, proof, root1, root2)
    if well_formed(*raw_hashes):
        assert on_chain is not case["wantErr"], case["desc"]


@pytest.mark.parametrize("path", probes("inclusion"), ids=probe_id)
def test_inclusion_probe_gets_its_expected_verdict(
    inclusion_verifier: Any, path: Path | None
) -> None:
    case = load(path)
    index, size = case["leafIdx"], case["treeSize"]
    raw_hashes = [raw(case["leafHash"]), raw(case["root"]), *map(raw, case["proof"] or [])]
    leaf, root, *proof = map(bytes32, raw_hashes)

    on_chain = inclusion_verifier.verifyInclusion(
        index, size, hx(leaf), list(map(hx, proof)), hx(root)
    )

    assert on_chain is verify_inclusion(index, size, leaf, proof, root)
    if well_formed(*raw_hashes):
        assert on_chain is not case["wantErr"], case["desc"]
