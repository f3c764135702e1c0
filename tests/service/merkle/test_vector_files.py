"""The committed RFC 9162 probes are exactly what the generator writes, and the same cases
as the public transparency-dev/merkle probes."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.vectors import PUBLIC_VECTORS, REPO_VECTORS, require_public_vectors

from .rfc9162_vectors import committed, generate, main, write

REGENERATE = "python -m tests.service.merkle.rfc9162_vectors --write"


def _differences(actual: dict[str, str], expected: dict[str, str]) -> list[str]:
    names = sorted(set(actual) | set(expected))
    return [name for name in names if actual.get(name) != expected.get(name)]


def test_committed_vectors_are_what_the_generator_writes() -> None:
    differing = _differences(committed(REPO_VECTORS), generate())
    assert not differing, f"stale or hand-edited, run `{REGENERATE}`: {differing[:20]}"
    assert main(["--check"]) == 0


def test_write_replaces_the_folder_with_exactly_the_generated_files(tmp_path: Path) -> None:
    target = tmp_path / "rfc9162"
    (target / "inclusion" / "9").mkdir(parents=True)
    (target / "inclusion" / "9" / "stale.json").write_text("{}")
    write(target)
    assert committed(target) == generate()


def test_generated_vectors_hold_the_same_cases_as_the_public_probes() -> None:
    require_public_vectors()
    public = {
        path.relative_to(PUBLIC_VECTORS).as_posix(): json.loads(path.read_text())
        for path in sorted(PUBLIC_VECTORS.rglob("*.json"))
    }
    ours = {name: json.loads(text) for name, text in generate().items() if name.endswith(".json")}
    assert sorted(ours) == sorted(public)
    assert [name for name in ours if ours[name] != public[name]] == []
