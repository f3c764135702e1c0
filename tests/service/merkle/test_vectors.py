"""The golden RFC 9162 probes from transparency-dev/merkle (``shared/vectors/rfc9162``).

``wantErr: true`` cases must be rejected, the others accepted, by both the
boolean and the checking verifiers. The folder lives beside the repository
(CI clones it there); without it these tests fail under ``CI=true`` and skip
otherwise.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest

from anchor_service.merkle import (
    VerificationError,
    check_consistency,
    check_inclusion,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).resolve().parents[3] / ".." / "shared" / "vectors" / "rfc9162"
MIN_FILES = {"inclusion": 90, "consistency": 90}

# Upstream compares equal-size roots byte for byte, whatever their length, and
# this probe (roots: the 12-byte string "don't care 2") must be accepted; every
# other place requires 32-byte hashes.
EQUAL_SIZE_SHORT_ROOTS = "consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"


def _files(kind: str) -> list[Path]:
    return sorted((VECTORS / kind).rglob("*.json")) if VECTORS.is_dir() else []


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


def _proof(data: dict[str, Any]) -> list[bytes]:
    return [_b64(item) for item in data["proof"] or []]


def _case_id(path: Path) -> str:
    return path.relative_to(VECTORS).as_posix()


def test_golden_vectors_are_present() -> None:
    if not VECTORS.is_dir():
        message = f"golden vectors not found at {VECTORS.resolve()}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    for kind, minimum in MIN_FILES.items():
        assert len(_files(kind)) >= minimum, f"too few {kind} vectors"
    assert (VECTORS / EQUAL_SIZE_SHORT_ROOTS).is_file()


@pytest.mark.parametrize("path", _files("inclusion"), ids=_case_id)
def test_inclusion_vector(path: Path) -> None:
    data = _load(path)
    args = (data["leafIdx"], data["treeSize"], _b64(data["leafHash"]), _proof(data))
    root = _b64(data["root"])
    want_valid = not data["wantErr"]

    assert verify_inclusion(*args, root) is want_valid
    if want_valid:
        check_inclusion(*args, root)
    else:
        with pytest.raises(VerificationError):
            check_inclusion(*args, root)


@pytest.mark.parametrize("path", _files("consistency"), ids=_case_id)
def test_consistency_vector(path: Path) -> None:
    data = _load(path)
    args = (data["size1"], data["size2"], _proof(data), _b64(data["root1"]), _b64(data["root2"]))
    want_valid = not data["wantErr"]
    assert verify_consistency(*args) is want_valid
    if want_valid:
        check_consistency(*args)
    else:
        with pytest.raises(VerificationError):
            check_consistency(*args)


def test_equal_sizes_with_equal_hash_roots_are_consistent() -> None:
    root = bytes(range(32))
    assert verify_consistency(1, 1, [], root, root)
    assert verify_consistency(5, 5, [], root, root)
    assert not verify_consistency(5, 5, [], root, bytes(32))
