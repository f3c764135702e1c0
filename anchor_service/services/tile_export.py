"""Export the log's tlog-tiles resources to a directory any static server or CDN serves.

The layout is the API's under ``/tlog/`` (c2sp.org/tlog-tiles): ``checkpoint`` (when the
published head has a signed checkpoint), ``tile/<L>/<N>[.p/<W>]`` and, only when asked
(they hold personal data), ``tile/entries/<N>[.p/<W>]``. Serve the directory as the
log's prefix, e.g. ``https://example.com/anchor/tlog/``.

Incremental: a resource's path fixes its content (a partial tile's path names its
width), so a file already there is never rewritten; each new one is written to a
temporary file in its directory and renamed into place, so a server never serves half a
file. Hash tiles are readable by all (mode 0644), entry bundles by the owner and group
only (0640: give the web server's group access, not the world). Partial tiles of older
heads stay (the spec allows deleting them once the full tile exists; keeping them serves
clients still on an older checkpoint). After writing,
the tree root is recomputed from the exported files and must equal the published
head's; the ``checkpoint`` file is replaced last, so it never names tiles not yet there.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from anchor_service.db.session import Database, unit_of_work
from anchor_service.merkle import TileClient, tile_paths
from anchor_service.services.tiles import PublishedHead, published_head, read_resources

__all__ = ["CHUNK", "ExportResult", "export_tiles"]

CHUNK = 256
"""Resources read from the database (one query) and flushed to disk (one sync) at a time."""

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What one export did: the head exported, files written and already there."""

    size: int
    root: bytes
    written: int
    present: int
    bytes_written: int
    checkpoint: bool


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
        missing = [path for path in paths if not (directory / str(path)).is_file()]
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
        present=len(paths) - len(missing),
        bytes_written=written,
        checkpoint=head.checkpoint is not None,
    )


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
