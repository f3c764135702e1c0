"""Where the RFC 9162 proof probes live, and how the tests go through them.

Two sets in one format (the layout, fields and case names of transparency-dev/merkle's
``testdata``; see ``tests/vectors/rfc9162/README.md``):

- the project's own, generated from the naive reference tree of ``tests/service/merkle``
  and committed in ``tests/vectors/rfc9162/``: always there, so a plain clone checks them;
- the public probes copied from transparency-dev/merkle, beside the repository in
  ``../shared/vectors/rfc9162/`` (CI provides them): checked as well when present;
  missing, their tests skip locally and fail under ``CI=true``.

Standard library and pytest only: the contract tests use this from Brownie's environment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.ci import skip_or_fail

REPO_ROOT = Path(__file__).resolve().parents[2]
REPO_VECTORS = REPO_ROOT / "tests" / "vectors" / "rfc9162"
PUBLIC_VECTORS = REPO_ROOT.parent / "shared" / "vectors" / "rfc9162"
SOURCES = {"repo": REPO_VECTORS, "public": PUBLIC_VECTORS}
KINDS = ("inclusion", "consistency")


def require_public_vectors() -> None:
    """Skip the calling test without the public probes (fail it under ``CI=true``)."""
    if not PUBLIC_VECTORS.is_dir():
        skip_or_fail(
            f"public RFC 9162 probes not found at {PUBLIC_VECTORS}",
            must_run="the public golden-vector tests",
        )


def vector_files(base: Path, kind: str) -> list[Path]:
    """The probe files of ``kind`` under ``base``, sorted; none when ``base`` is missing."""
    return sorted((base / kind).rglob("*.json")) if base.is_dir() else []


@dataclass(frozen=True)
class Probe:
    """One probe file of one set; ``path`` is None for the stand-in of a missing set."""

    source: str
    path: Path | None

    @property
    def name(self) -> str:
        """The path inside its set (``inclusion/1/happy-path.json``): the case's name."""
        if self.path is None:
            return "missing"
        return self.path.relative_to(SOURCES[self.source]).as_posix()

    @property
    def id(self) -> str:
        return f"{self.source}:{self.name}"

    def load(self) -> dict[str, Any]:
        """The probe's fields; for the stand-in, the skip (or CI failure) instead."""
        if self.path is None:
            require_public_vectors()
            raise AssertionError(f"{PUBLIC_VECTORS} exists but holds no probes")
        case: dict[str, Any] = json.loads(self.path.read_text())
        return case


def probes(kind: str) -> list[Probe]:
    """Every probe of ``kind``: the repository's, then the public ones.

    Without the public set one stand-in takes its place, so that a run without it shows
    a skip (or, under ``CI=true``, a failure) rather than silently fewer tests.
    """
    found = [Probe("repo", path) for path in vector_files(REPO_VECTORS, kind)]
    public = [Probe("public", path) for path in vector_files(PUBLIC_VECTORS, kind)]
    return found + (public or [Probe("public", None)])


def probe_id(probe: Probe) -> str:
    """The test id of a probe (for ``pytest.mark.parametrize(ids=...)``)."""
    return probe.id
