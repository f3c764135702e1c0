"""The RFC 9162 golden probes: the project's own (``tests/vectors/rfc9162``, generated from
the naive tree) and the public ones from transparency-dev/merkle (``shared/vectors/rfc9162``).

``wantErr: true`` cases must be rejected, the others accepted, by both the
boolean and the checking verifiers. The public folder lives beside the repository
(CI clones it there); without it its tests fail under ``CI=true`` and skip
otherwise (``tests.support.vectors``). The project's own always run.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from anchor_service.merkle import (
    VerificationError,
    check_consistency,
    check_inclusion,
    verify_consistency,
    verify_inclusion,
)
from tests.support.vectors import (
    PUBLIC_VECTORS,
    REPO_VECTORS,
    Probe,
    probe_id,
    probes,
    require_public_vectors,
    vector_files,
)

MIN_FILES = {"inclusion": 90, "consistency": 90}

# Upstream compares equal-size roots byte for byte, whatever their length, and
# this probe (roots: the 12-byte string "don't care 2") must be accepted; every
# other place requires 32-byte hashes.
EQUAL_SIZE_SHORT_ROOTS = "consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


def _proof(data: dict[str, Any]) -> list[bytes]:
    return [_b64(item) for item in data["proof"] or []]


def test_project_vectors_are_present() -> None:
    for kind, minimum in MIN_FILES.items():
        assert len(vector_files(REPO_VECTORS, kind)) >= minimum, f"too few {kind} vectors"
    assert (REPO_VECTORS / EQUAL_SIZE_SHORT_ROOTS).is_file()


def test_golden_vectors_are_present() -> None:
    require_public_vectors()
    for kind, minimum in MIN_FILES.items():
        assert len(vector_files(PUBLIC_VECTORS, kind)) >= minimum, f"too few {kind} vectors"
    assert (PUBLIC_VECTORS / EQUAL_SIZE_SHORT_ROOTS).is_file()


@pytest.mark.parametrize("probe", probes("inclusion"), ids=probe_id)
def test_inclusion_vector(probe: Probe) -> None:
    data = probe.load()
    args = (data["leafIdx"], data["treeSize"], _b64(data["leafHash"]), _proof(data))
    root = _b64(data["root"])
    want_valid = not data["wantErr"]

    assert verify_inclusion(*args, root) is want_valid
    if want_valid:
        check_inclusion(*args, root)
    else:
        with pytest.raises(VerificationError):
            check_inclusion(*args, root)


@pytest.mark.parametrize("probe", probes("consistency"), ids=probe_id)
def test_consistency_vector(probe: Probe) -> None:
    data = probe.load()
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
