"""``anchor-service tiles export DIR [--watch SECONDS] [--include-entries] [--json]``.

Writes the log's C2SP tlog-tiles resources (the API's ``/tlog/`` layout) to a directory
a static web server or CDN serves (see :mod:`anchor_service.services.tile_export`).
Incremental; ``--watch`` keeps the directory mirrored until interrupted (Ctrl-C or
SIGTERM: exit 0; a file being written is removed, never left half-written).

Exit status: 0 exported, 1 the export failed (the tiles do not reproduce the head's
root, the directory cannot be written), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from anchor_service.cli.parsers import Subparsers, add_command, add_json_flag
from anchor_service.cli.progress import ProgressLine
from anchor_service.settings import Settings

if TYPE_CHECKING:
    from anchor_service.services.tile_export import ExportResult

__all__ = ["register"]

logger = logging.getLogger(__name__)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, got {text}")
    return value


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "tiles",
        help="the log as C2SP tlog-tiles files (export for a static server)",
        description="The log's C2SP tlog-tiles resources, as served under /tlog/.",
        examples=["anchor-service tiles export /srv/www/anchor/tlog --watch 10"],
    )
    commands = parser.add_subparsers(title="tiles commands", metavar="COMMAND", required=True)
    export = add_command(
        commands,
        "export",
        help="write the tiles (and optionally entry bundles) to a directory",
        description=(
            "Write the log's hash tiles (tile/<L>/<N>[.p/<W>]) of the published tree head to\n"
            "DIR, in the layout of the API's /tlog/ (c2sp.org/tlog-tiles), for any static\n"
            "web server or CDN: serve DIR as the log's prefix. Incremental: files already\n"
            "there are kept, new ones are written atomically (temporary file + rename).\n"
            "The root recomputed from DIR must equal the published head's.\n"
            "Entry bundles (tile/entries/...) hold the entries' personal data: they are\n"
            "written only with --include-entries, readable by owner and group only."
        ),
        examples=[
            "anchor-service tiles export ./tlog",
            "anchor-service tiles export /srv/www/anchor/tlog --watch 10",
            "anchor-service tiles export ./tlog --include-entries --json",
        ],
        handler=run_export,
    )
    export.add_argument("directory", metavar="DIR", type=Path, help="the directory to write")
    export.add_argument(
        "--watch",
        type=_seconds,
        metavar="SECONDS",
        help="keep DIR mirrored: export again every SECONDS until interrupted",
    )
    export.add_argument(
        "--include-entries",
        action="store_true",
        help="also write the entry bundles (the entries' exact bytes: personal data)",
    )
    add_json_flag(export, "print one JSON summary per export (one line each)")


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    from anchor_service.db.session import Database
    from anchor_service.services.tile_export import export_tiles

    directory: Path = args.directory
    if directory.exists() and not directory.is_dir():
        print(f"error: {directory} exists and is not a directory", file=sys.stderr)
        return 2
    if args.watch is not None:
        signal.signal(signal.SIGTERM, _interrupt)  # a service manager's stop: finish cleanly
    database = Database.from_settings(settings)
    last_size = -1
    try:
        while True:
            progress = ProgressLine(
                "exporting tiles", logger=logger, unit="files", stream=sys.stderr
            )
            try:
                result = export_tiles(
                    database, directory, include_entries=args.include_entries, progress=progress
                )
            except (RuntimeError, OSError) as error:
                progress.close()
                print(f"error: {error}", file=sys.stderr)
                return 1
            if args.watch is None or result.size != last_size or result.erased:
                _report(result, directory, as_json=args.json)
            last_size = result.size
            if args.watch is None:
                return 0
            time.sleep(args.watch)
    except KeyboardInterrupt:
        return 0
    finally:
        database.dispose()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _report(result: ExportResult, directory: Path, *, as_json: bool) -> None:
    if as_json:
        summary = {
            "directory": str(directory),
            "tree_size": result.size,
            "root": result.root.hex(),
            "written": result.written,
            "present": result.present,
            "bytes_written": result.bytes_written,
            "checkpoint": result.checkpoint,
            "erased": result.erased,
        }
        print(json.dumps(summary), flush=True)
        return
    if result.size == 0:
        print(f"nothing to export to {directory}: no tree head is published yet", flush=True)
        return
    print(
        f"exported tree size {result.size} (root {result.root.hex()}) to {directory}: "
        f"{result.written} files written ({result.bytes_written:,} bytes), "
        f"{result.present} already there"
        + (f"; {result.erased} entry bundles rewritten (leaves redacted)" if result.erased else ""),
        flush=True,
    )
