"""Export the log's tlog-tiles resources to a directory any static server or CDN serves.

The layout is the API's under ``/tlog/`` (c2sp.org/tlog-tiles): ``checkpoint`` (when the
published head has a signed checkpoint), ``tile/<L>/<N>[.p/<W>]`` and, only when asked
(they hold personal data), ``tile/entries/<N>[.p/<W>]``. Serve the directory as the
log's prefix, e.g. ``https://example.com/anchor/tlog/``.

Incremental: a resource's path fixes its content (a partial tile's path names its
width), so a file already there is never rewritten, except an entry bundle holding a
leaf redacted since it was written (its bytes are erased in the file too); each new one
is written to a temporary file in its directory and renamed into place, so a server
never serves half a file. Hash tiles are readable by all (mode 0644), entry bundles by
the owner and group only (0640: give the web server's group access, not the world).
Partial tiles of older heads stay (the spec allows deleting them once the full tile
exists; keeping them serves clients still on an older checkpoint). After writing, the
tree root is recomputed from the exported files and must equal the published head's;
the ``checkpoint`` file is replaced last, so it never names tiles not yet there.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from anchor_service.db.repositories.leaves import LeafRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.merkle import TILE_WIDTH, TileClient, TileId, TilePath, tile_paths, tile_width
from anchor_service.services.tiles import PublishedHead, published_head, read_resources

__all__ = ["CHUNK", "ExportResult", "export_tiles"]

CHUNK = 256
"""Resources read from the database (one query) and flushed to disk (one sync) at a time."""

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What one export did: the head exported, files written (new or rewritten) and
    already there."""

    size: int
    root: bytes
    written: int
    present: int
    bytes_written: int
    checkpoint: bool
    erased: int = 0
    """Entry bundle files rewritten because a leaf in them was redacted since."""


def export_tiles(
    database: Database,
    directory: Path,
    *,
    include_entries: bool = False,
    progress: Progress | None = None,
) -> ExportResult:
    """Bring ``directory`` up to the published head; return what was done.

    Raises ``RuntimeError`` if the exported tiles do not reproduce the head's root.
    """
    directory.mkdir(parents=True, exist_ok=True)
    with unit_of_work(database.reader) as session:
        head = published_head(session)
        paths = list(tile_paths(head.size, entries=include_entries))
        new = [path for path in paths if not (directory / str(path)).is_file()]
        erased: list[TilePath] = []
        if include_entries:  # a redaction since an earlier export erases a leaf's bytes
            erased = _erased_bundles(session, directory, head.size, set(map(str, new)))
        missing = new + erased
        written = 0
        if progress is not None and missing:
            progress(0, len(missing))
        for start in range(0, len(missing), CHUNK):
            chunk = missing[start : start + CHUNK]
            staged = []
            for path, data in zip(chunk, read_resources(session, chunk), strict=True):
                mode = 0o640 if path.is_entries else 0o644
                staged.append(_stage(directory / str(path), data, mode))
                written += len(data)
            _publish(staged)
            if progress is not None:
                progress(start + len(chunk), len(missing))
    _check_root(directory, head)
    if head.checkpoint is not None:
        target = directory / "checkpoint"
        if not target.is_file() or target.read_bytes() != head.checkpoint:
            _write_atomically(target, head.checkpoint, 0o644)
    return ExportResult(
        size=head.size,
        root=head.root,
        written=len(missing),
        present=len(paths) - len(new),
        erased=len(erased),
        bytes_written=written,
        checkpoint=head.checkpoint is not None,
    )


def _erased_bundles(
    session: Session, directory: Path, size: int, queued: set[str]
) -> list[TilePath]:
    """The entry bundle files in ``directory`` that still hold a leaf redacted since.

    Any width of a bundle holding a redacted leaf is checked (older heads' partial
    bundles too): a file is rewritten only if its bytes differ from what is served now.
    """
    stale: list[TilePath] = []
    by_bundle: dict[int, int] = {}
    for index in LeafRepository(session).redacted_indices():
        if index < size:
            bundle = index // TILE_WIDTH
            by_bundle[bundle] = min(by_bundle.get(bundle, TILE_WIDTH), index % TILE_WIDTH)
    candidates = [
        TilePath(None, bundle, width)
        for bundle, first in sorted(by_bundle.items())
        for width in range(first + 1, tile_width(TileId(0, bundle), size) + 1)
        if str(TilePath(None, bundle, width)) not in queued
        and (directory / str(TilePath(None, bundle, width))).is_file()
    ]
    for path, data in zip(candidates, read_resources(session, candidates), strict=True):
        if (directory / str(path)).read_bytes() != data:
            stale.append(path)
    return stale


def _check_root(directory: Path, head: PublishedHead) -> None:
    if head.size == 0:
        return
    root = TileClient(lambda path: (directory / path).read_bytes(), head.size).root()
    if root != head.root:
        raise RuntimeError(
            f"the tiles in {directory} give root {root.hex()} at size {head.size}, not the "
            f"published {head.root.hex()}: a file there was changed; remove the directory "
            "and export again"
        )


def _write_atomically(target: Path, data: bytes, mode: int) -> None:
    _publish([_stage(target, data, mode)])


def _stage(target: Path, data: bytes, mode: int) -> tuple[Path, Path]:
    """Write ``data`` to a temporary file beside ``target``; return (temporary, target)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        temporary.chmod(mode)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary, target


def _publish(staged: list[tuple[Path, Path]]) -> None:
    """Flush the staged files to disk (one ``sync`` for all), then rename each into place:
    a file appears under its name only once its bytes are on disk."""
    try:
        os.sync()
        for temporary, target in staged:
            os.replace(temporary, target)
    finally:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
