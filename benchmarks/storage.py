"""Bytes per entry on disk: the log's PostgreSQL tables (heap and TOAST, and indexes,
``pg_table_size`` + ``pg_indexes_size`` = ``pg_total_relation_size``) and an exported tile
directory (the blocks its files and directories take, and their bytes). Imported by the
benchmarks beside it (``tiles_bench``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

_TABLES = """
SELECT c.relname, pg_table_size(c.oid), pg_indexes_size(c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname = current_schema()
ORDER BY pg_total_relation_size(c.oid) DESC
"""


@dataclass(frozen=True, slots=True)
class TableSize:
    name: str
    table: int
    """Heap, TOAST, free space and visibility maps (``pg_table_size``)."""
    indexes: int

    @property
    def total(self) -> int:
        return self.table + self.indexes


@dataclass(frozen=True, slots=True)
class TileSize:
    files: int
    content: int
    """The files' bytes (what a client downloads)."""
    allocated: int
    """Blocks the files and directories take on the file system."""


def table_sizes(url: str) -> list[TableSize]:
    """Every table of the database at ``url``, largest first (``ANALYZE``/``VACUUM`` first
    for settled figures)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(_TABLES)).all()
    finally:
        engine.dispose()
    return [TableSize(str(name), int(table), int(indexes)) for name, table, indexes in rows]


def tile_size(directory: Path) -> TileSize:
    """The files under ``directory``: how many, their bytes, the blocks they take."""
    files = content = 0
    allocated = directory.stat().st_blocks * 512
    for root, names, filenames in os.walk(directory):
        for name in names:
            allocated += os.lstat(os.path.join(root, name)).st_blocks * 512
        for name in filenames:
            status = os.lstat(os.path.join(root, name))
            files += 1
            content += status.st_size
            allocated += status.st_blocks * 512
    return TileSize(files, content, allocated)


def print_bytes_per_entry(url: str, directory: Path, entries: int, shown: int = 4) -> int:
    """Print bytes per entry of the ``shown`` largest tables (the rest in one line), their
    total, the exported tiles and the sum of both; return that sum in bytes."""
    tables = table_sizes(url)
    tiles = tile_size(directory)
    per = max(entries, 1)
    database = sum(table.total for table in tables)
    print(f"bytes on disk per entry at {entries:,} entries")
    print(f"{'part':<34}{'table':>12}{'indexes':>12}{'total':>12}{'/entry':>10}")
    print("-" * 80)

    def line(label: str, table: int, indexes: int) -> None:
        total = table + indexes
        print(f"{label:<34}{table / 1e6:>10,.1f}MB{indexes / 1e6:>10,.1f}MB"
              f"{total / 1e6:>10,.1f}MB{total / per:>10,.1f}")  # fmt: skip

    for table in tables[:shown]:
        line(f"  {table.name}", table.table, table.indexes)
    rest = tables[shown:]
    if rest:
        line(
            f"  {len(rest)} other tables", sum(t.table for t in rest), sum(t.indexes for t in rest)
        )
    line("PostgreSQL tables + indexes", sum(t.table for t in tables),
         sum(t.indexes for t in tables))  # fmt: skip
    print(f"{'exported tiles (' + format(tiles.files, ',') + ' files)':<34}{'':>12}{'':>12}"
          f"{tiles.allocated / 1e6:>10,.1f}MB{tiles.allocated / per:>10,.1f}"
          f"   ({tiles.content / per:.1f} bytes/entry of content)")  # fmt: skip
    print("-" * 80)
    total = database + tiles.allocated
    print(f"{'total':<34}{'':>12}{'':>12}{total / 1e6:>10,.1f}MB{total / per:>10,.1f}")
    print("(PostgreSQL's WAL and the server's own files are not counted; tiles: blocks taken)")
    return total
