"""Every case of the Go reference's signed-note vectors (``vectors/c2sp/signed-note.json``).

Two copies run: the repository's ``tests/vectors/c2sp`` (always there) and the
shared folder beside the repository (``../shared/vectors/c2sp``); without the
shared folder its cases fail under ``CI=true`` and skip otherwise. The copies
must be identical.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from anchor_service.tlog import (
    MalformedKeyError,
    TlogError,
    VerifierList,
    new_signer,
    new_verifier,
    open_note,
    sign_note,
)

REPO = Path(__file__).resolve().parents[3]
SOURCES = {
    "repo": REPO / "tests" / "vectors" / "c2sp" / "signed-note.json",
    "shared": REPO.parent / "shared" / "vectors" / "c2sp" / "signed-note.json",
}
OPEN_CASES = 6
BAD_KEYS = 5


def _load(source: str) -> dict[str, Any]:
    path = SOURCES[source]
    if not path.is_file():
        message = f"signed-note vectors not found at {path}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _open_ids() -> list[str]:
    data = json.loads(SOURCES["repo"].read_text(encoding="utf-8"))
    return [case["name"] for case in data["open"]]


each_copy = pytest.mark.parametrize("source", sorted(SOURCES))


def test_repository_copy_matches_the_shared_vectors() -> None:
    shared = _load("shared")
    assert SOURCES["repo"].read_bytes() == SOURCES["shared"].read_bytes()
    assert shared["source"].startswith("golang.org/x/mod sumdb/note/note_test.go")


@each_copy
def test_vector_file_has_every_case(source: str) -> None:
    data = _load(source)
    assert len(data["open"]) == OPEN_CASES
    assert len(data["bad_verifier_keys"]) == BAD_KEYS
    assert {"keys", "sign", "source"} <= set(data)


@each_copy
def test_keys_parse_and_have_their_key_ids(source: str) -> None:
    for name, key in _load(source)["keys"].items():
        verifier = new_verifier(key["verifier_key"])
        assert (verifier.name, f"{verifier.key_id:08x}") == (name, key["key_id"])
        assert verifier.vkey == key["verifier_key"]
        if "signer_key" in key:
            signer = new_signer(key["signer_key"])
            assert signer.verifier() == verifier


@each_copy
@pytest.mark.parametrize("position", range(BAD_KEYS))
def test_bad_verifier_key_is_refused(source: str, position: int) -> None:
    with pytest.raises(MalformedKeyError):
        new_verifier(_load(source)["bad_verifier_keys"][position])


@each_copy
def test_sign_gives_the_exact_note(source: str) -> None:
    data = _load(source)
    case = data["sign"]
    signer = new_signer(data["keys"][case["signer"]]["signer_key"])
    assert sign_note(case["text"], signer).decode("utf-8") == case["want_note"]


@each_copy
@pytest.mark.parametrize("name", _open_ids())
def test_open_gives_the_reference_result(source: str, name: str) -> None:
    (case,) = [case for case in _load(source)["open"] if case["name"] == name]
    known = VerifierList(*(new_verifier(vkey) for vkey in case["verifiers"]))
    try:
        note = open_note(case["note"].encode("utf-8"), known)
    except TlogError as exc:
        assert f"error: {exc}" == case["want"]
        return
    assert case["want"] == "ok"
    assert [sig.name for sig in note.sigs] == case["want_verified"]
    assert [sig.name for sig in note.unverified_sigs] == case["want_unverified"]
    assert note.text + "\n" == case["note"][: len(note.text) + 1]
