"""Random salts, drawn from the operating system's CSPRNG in blocks.

One ``os.urandom`` call per entry costs a system call each time (and a trip through the
GIL in a busy server); drawing 4 KiB at once and handing out 16-byte slices costs one
call per 256 salts. The bytes are the same CSPRNG output either way. The buffer is
per process (refilled after a fork) and guarded by a lock.
"""

from __future__ import annotations

import os
import threading

__all__ = ["SALT_SIZE", "new_salt"]

SALT_SIZE = 16
_BLOCK = SALT_SIZE * 256


class _SaltPool:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buffer = b""
        self._offset = 0
        self._pid = -1

    def take(self) -> bytes:
        with self._lock:
            if self._pid != os.getpid() or self._offset >= len(self._buffer):
                self._buffer = os.urandom(_BLOCK)
                self._offset = 0
                self._pid = os.getpid()
            salt = self._buffer[self._offset : self._offset + SALT_SIZE]
            self._offset += SALT_SIZE
            return salt


_pool = _SaltPool()


def new_salt() -> bytes:
    """A fresh, unpredictable 16-byte salt (never repeats a slice of the pool)."""
    return _pool.take()
