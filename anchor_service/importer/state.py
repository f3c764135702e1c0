"""Where an interrupted import stopped: the sidecar state file.

Saved atomically (temporary file, fsync, rename) after every committed batch: the byte
offset and line count after that batch, the running totals, and a fingerprint of the
part of the file already imported (its length and SHA-256). Resuming re-hashes that part:
lines after the saved position may be fixed or appended in the meantime, but a file
changed before it (or another file) is refused, since the saved position would no longer
mean the same thing.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from anchor_service.importer.errors import StateMismatchError

__all__ = ["STATE_VERSION", "ImportCounts", "ImportState", "prefix_hash"]

STATE_VERSION = 1
_CHUNK = 1 << 20


@dataclass(slots=True)
class ImportCounts:
    """Entries stored new, found stored already, conflicting, and invalid records."""

    imported: int = 0
    existing: int = 0
    conflicts: int = 0
    invalid: int = 0

    def add(self, other: ImportCounts) -> None:
        self.imported += other.imported
        self.existing += other.existing
        self.conflicts += other.conflicts
        self.invalid += other.invalid


@dataclass(slots=True)
class ImportState:
    """The position after the last committed batch, and the totals up to it."""

    format: str
    offset: int = 0
    line: int = 0
    prefix_sha256: str = hashlib.sha256().hexdigest()
    batches: int = 0
    counts: ImportCounts = field(default_factory=ImportCounts)

    def to_json(self) -> dict[str, Any]:
        return {"version": STATE_VERSION, **asdict(self)}

    def save(self, path: Path, source: Path) -> None:
        """Write the state atomically next to ``path`` (readers see old or new, never half)."""
        document = {**self.to_json(), "file": str(source)}
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(document, handle, indent=2)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> ImportState:
        """Read a state file; raises :class:`StateMismatchError` when it is unreadable."""
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            if document.get("version") != STATE_VERSION:
                raise ValueError(f"version {document.get('version')!r}")
            return cls(
                format=str(document["format"]),
                offset=int(document["offset"]),
                line=int(document["line"]),
                prefix_sha256=str(document["prefix_sha256"]),
                batches=int(document["batches"]),
                counts=ImportCounts(**{k: int(v) for k, v in document["counts"].items()}),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StateMismatchError(f"cannot read the state file {path}: {exc}") from None

    def check(self, source: Path, fmt: str) -> hashlib._Hash:
        """Check the state belongs to ``source`` read as ``fmt``; return the prefix hash."""
        if fmt != self.format:
            if self.offset or self.batches:
                raise StateMismatchError(
                    f"the saved position is for the {self.format} format, not {fmt}"
                )
            self.format = fmt  # nothing was stored: nothing is read another way
        size = source.stat().st_size
        if size < self.offset:
            raise StateMismatchError(
                f"{source} is now {size:,} bytes, shorter than the saved position "
                f"(byte {self.offset:,}, line {self.line:,})"
            )
        digest = prefix_hash(source, self.offset)
        if digest.hexdigest() != self.prefix_sha256:
            raise StateMismatchError(
                f"{source} changed before the saved position (line {self.line:,}, byte "
                f"{self.offset:,}) since the interrupted import"
            )
        return digest


def prefix_hash(source: Path, length: int) -> hashlib._Hash:
    """SHA-256 over the first ``length`` bytes of ``source`` (to be continued)."""
    digest = hashlib.sha256()
    remaining = length
    with source.open("rb") as handle:
        while remaining > 0:
            chunk = handle.read(min(_CHUNK, remaining))
            if not chunk:
                break
            digest.update(chunk)
            remaining -= len(chunk)
    return digest
