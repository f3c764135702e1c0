"""Private files (signing keys): written with mode 0600, refused when others may access them.

Shared by the log key (:mod:`anchor_service.services.log_identity`) and witness key files
(:mod:`anchor_service.witness.keyfile`), which turn the ``OSError`` raised here into
their own one-line errors. A file is written with mode 0600 from its first byte, and
read through one open descriptor, so that the mode checked is that of the bytes read.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

__all__ = ["OPEN_BITS", "read_private", "write_private"]

#: Permission bits a private file must not have: any access by group or others.
OPEN_BITS = stat.S_IRWXG | stat.S_IRWXO


def write_private(path: Path, data: bytes, *, replace: bool) -> None:
    """Write ``data`` to ``path`` with mode 0600: exclusively when not ``replace``
    (``FileExistsError`` if it exists), else through a private temporary file in the same
    directory renamed over it. Synced to disk; ``OSError`` when it cannot be written."""
    if not replace:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        return
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def read_private(path: Path, limit: int = 4096) -> tuple[int, bytes]:
    """``(st_mode, the first limit bytes)`` of the file at ``path``, from one descriptor.

    The caller refuses the bytes when ``st_mode & OPEN_BITS``; ``OSError`` (for example
    ``FileNotFoundError`` or ``IsADirectoryError``) when it cannot be read.
    """
    with path.open("rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        return mode, handle.read(limit)
