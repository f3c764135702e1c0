"""C2SP tlog-tiles resources: their paths, entry bundles, and which ones a tree size has.

Paths (relative to the log's prefix, c2sp.org/tlog-tiles)::

    tile/<L>/<N>[.p/<W>]          hash tile of level L (0..63), index N, width W (1..255)
    tile/entries/<N>[.p/<W>]      entry bundle N: the leaves of level-0 tile N

``<N>`` is written in zero-padded 3-digit elements, all but the last prefixed with ``x``
(1234067 is ``x001/x234/067``); a full tile (256 hashes) has no ``.p/<W>`` suffix.
:func:`tile_path` writes a path, :func:`parse_tile_path` reads one back and accepts only
the canonical spelling, so every resource has exactly one path.

Spec tiles are the stored tiles (:mod:`.tiles`) cut at a tree size: in a tree of ``s``
leaves, tile ``(L, N)`` holds its first ``tile_width(TileId(L, N), s)`` hashes.

An entry bundle is the leaves' bytes, each prefixed by its length as a big-endian
uint16: a leaf must fit :data:`MAX_ENTRY_SIZE` (65,535) bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from .errors import TileError
from .tiles import TILE_WIDTH, TileId, tile_levels, tile_width

__all__ = [
    "MAX_ENTRY_SIZE",
    "MAX_TILE_LEVEL",
    "TilePath",
    "encode_entry_bundle",
    "parse_tile_path",
    "split_entry_bundle",
    "tile_path",
    "tile_paths",
]

MAX_ENTRY_SIZE = 0xFFFF
"""Largest leaf an entry bundle can hold (its length prefix is a uint16)."""

MAX_TILE_LEVEL = 63
"""Highest tile level a path may name."""

_NUMBER = r"(?:0|[1-9][0-9]*)"
_PATH_RE = re.compile(
    rf"tile/(?P<level>entries|{_NUMBER})/(?P<index>(?:x[0-9]{{3}}/)*[0-9]{{3}})"
    rf"(?:\.p/(?P<width>[1-9][0-9]*))?"
)


@dataclass(frozen=True, slots=True)
class TilePath:
    """One tlog-tiles resource: a hash tile (``level`` set) or an entry bundle (``None``).

    ``width`` is 1..255 for a partial resource and 256 for a full one.
    """

    level: int | None
    index: int
    width: int = TILE_WIDTH

    @property
    def is_entries(self) -> bool:
        """True for an entry bundle."""
        return self.level is None

    @property
    def is_full(self) -> bool:
        """True for a full tile or bundle (256 hashes or leaves; immutable)."""
        return self.width == TILE_WIDTH

    @property
    def tile(self) -> TileId:
        """The stored tile this resource cuts (level 0 for an entry bundle)."""
        return TileId(0 if self.level is None else self.level, self.index)

    def __str__(self) -> str:
        return tile_path(self.level, self.index, self.width)


def _encode_index(index: int) -> str:
    digits = f"{index:03d}"
    digits = "0" * (-len(digits) % 3) + digits
    parts = [digits[pos : pos + 3] for pos in range(0, len(digits), 3)]
    return "/".join([f"x{part}" for part in parts[:-1]] + parts[-1:])


def tile_path(level: int | None, index: int, width: int = TILE_WIDTH) -> str:
    """Return the path of a hash tile (``level`` 0..63) or an entry bundle (``level=None``).

    Raises ``ValueError`` for a level, index or width out of range.
    """
    if level is not None and not 0 <= level <= MAX_TILE_LEVEL:
        raise ValueError(f"tile level {level} is not 0..{MAX_TILE_LEVEL}")
    if index < 0:
        raise ValueError(f"tile index {index} is negative")
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"tile width {width} is not 1..{TILE_WIDTH}")
    head = "tile/entries/" if level is None else f"tile/{level}/"
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return head + _encode_index(index) + suffix


def parse_tile_path(path: str) -> TilePath:
    """Read a canonical tile or entry bundle path (``tile/...``, no leading slash).

    Raises ``ValueError`` naming what is wrong for anything else (a non-canonical index
    such as ``x000/001``, a level over 63, a width of 0 or over 255, leading zeros).
    """
    match = _PATH_RE.fullmatch(path)
    if match is None:
        raise ValueError(f"{path!r} is not a tlog-tiles path (tile/<L>/<N>[.p/<W>])")
    raw_level, raw_index, raw_width = match.group("level", "index", "width")
    level = None if raw_level == "entries" else int(raw_level)
    index = int(raw_index.replace("x", "").replace("/", ""))
    width = TILE_WIDTH if raw_width is None else int(raw_width)
    if level is not None and level > MAX_TILE_LEVEL:
        raise ValueError(f"tile level {level} is over {MAX_TILE_LEVEL}")
    if raw_width is not None and width >= TILE_WIDTH:
        raise ValueError(f"a partial tile's width must be 1..{TILE_WIDTH - 1}, not {width}")
    parsed = TilePath(level, index, width)
    if tile_path(level, index, width) != path:
        raise ValueError(f"{path!r} is not the canonical spelling {str(parsed)!r}")
    return parsed


def tile_paths(size: int, *, entries: bool = False) -> Iterator[TilePath]:
    """Yield every hash tile (and, with ``entries``, entry bundle) of a tree of ``size``.

    Full tiles first within each level, then the level's partial tile if it has one:
    exactly the resources a log must serve for a checkpoint of that size.
    """
    for level in tile_levels(size):
        complete = size >> (8 * level)
        for index in range(-(-complete // TILE_WIDTH)):
            width = tile_width(TileId(level, index), size)
            yield TilePath(level, index, width)
            if entries and level == 0:
                yield TilePath(None, index, width)


def encode_entry_bundle(leaves: Iterable[bytes]) -> bytes:
    """Return the entry bundle of ``leaves``: each one's length (big-endian uint16), then it.

    Raises :class:`TileError` for a leaf over :data:`MAX_ENTRY_SIZE` bytes.
    """
    parts = []
    for leaf in leaves:
        if len(leaf) > MAX_ENTRY_SIZE:
            raise TileError(f"a leaf of {len(leaf)} bytes is over the {MAX_ENTRY_SIZE} limit")
        parts.append(len(leaf).to_bytes(2, "big"))
        parts.append(leaf)
    return b"".join(parts)


def split_entry_bundle(bundle: bytes, count: int | None = None) -> Sequence[bytes]:
    """Return the leaves of an entry bundle; with ``count``, require exactly that many.

    Raises :class:`TileError` for a truncated bundle or the wrong number of leaves.
    """
    leaves: list[bytes] = []
    pos = 0
    while pos < len(bundle):
        if pos + 2 > len(bundle):
            raise TileError(f"entry bundle truncated in the length of leaf {len(leaves)}")
        length = int.from_bytes(bundle[pos : pos + 2], "big")
        if pos + 2 + length > len(bundle):
            raise TileError(f"entry bundle truncated in leaf {len(leaves)}")
        leaves.append(bundle[pos + 2 : pos + 2 + length])
        pos += 2 + length
    if count is not None and len(leaves) != count:
        raise TileError(f"entry bundle holds {len(leaves)} leaves, not {count}")
    return leaves
