"""``anchor-service import FILE``: bulk-load entries from CSV or JSONL, resumably.

The command: its options, messages and summary. The work (reading, checking and storing
batches, the saved position) is the import engine, :mod:`anchor_service.importer`:
each batch is stored all or nothing through the API's validation and entry writer into
the configured database (or a running API with ``--url``), and after every committed
batch the position is saved in ``FILE.import-state.json``, so an interrupted import
continues where it stopped. Entries are idempotent by ``external_id``: running an
import again stores nothing twice. The state file is deleted once the whole file is read.

Exit status: 0 every record stored (or stored already); 1 stopped at a bad batch, or
records were skipped with ``--skip-invalid``; 2 unusable file, format or state.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from anchor_service.cli.import_report import import_summary, print_summary, report_problems
from anchor_service.cli.parsers import Subparsers, add_command, add_json_flag, integer
from anchor_service.cli.progress import ProgressLine
from anchor_service.settings import Settings

__all__ = ["register"]

logger = logging.getLogger(__name__)

_DESCRIPTION = """\
Load entries from a file into the configured database (ANCHOR_DATABASE_URL), or with
--url into a running API, in batches stored all or nothing, with the same rules as
POST /v1/entries. Entries are idempotent by external_id: an entry stored already with
the same body counts as existing, one stored with another body is a conflict.

formats (chosen by --format, else by the file name: .csv, or .jsonl/.ndjson):
  jsonl  one entry per line, the JSON body of POST /v1/entries
  csv    a header row, then one row per posting; consecutive rows with the same
         external_id form one entry; occurred_at, description and metadata (a JSON
         object) go on its first row:
           external_id,occurred_at,description,account,amount,currency,metadata
           pay-1,2026-11-21T08:15:00+07:00,Gift,wallet:user:981,-150000,IDR,"{""ref"": ""MT-1""}"
           pay-1,,,escrow:project:42,150000,IDR,

resuming: after each committed batch the position is saved in FILE.import-state.json
(with a hash of the part already read); run the same command again to continue
there. Lines after the position may be fixed meanwhile; a change before it is
refused unless --restart. The state file is deleted when the import completes.

errors: a bad record is reported as FILE:LINE: reason. By default the import stops
at the first batch with one (nothing of that batch stored; exit 1); --skip-invalid
reports them and stores the rest.

exit status: 0 all stored, 1 stopped or records skipped, 2 unusable file or state."""

_EXAMPLES = [
    "anchor-service import payments.jsonl",
    "anchor-service import export.csv --batch-size 5000",
    "anchor-service import export.txt --format csv --skip-invalid",
    "anchor-service import payments.jsonl --restart       ignore a saved position",
    "anchor-service import payments.jsonl --json | jq .imported",
    "ANCHOR_KEY=ak_... anchor-service import payments.jsonl --url https://api.example",
]


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "import",
        help="bulk-load entries from a CSV or JSONL file (resumable)",
        description=_DESCRIPTION,
        examples=_EXAMPLES,
        handler=run,
    )
    parser.add_argument("file", metavar="FILE", type=Path, help="the CSV or JSONL file")
    parser.add_argument(
        "--format", choices=("csv", "jsonl"), help="the file's format (default: by its name)"
    )
    parser.add_argument(
        "--batch-size",
        type=_batch_size,
        default=1000,
        metavar="N",
        help="entries per batch, each stored all or nothing (default 1000, at most 100000)",
    )
    start = parser.add_mutually_exclusive_group()
    start.add_argument(
        "--resume",
        dest="restart",
        action="store_false",
        help="continue from the saved position when there is one (the default)",
    )
    start.add_argument(
        "--restart",
        dest="restart",
        action="store_true",
        help="ignore a saved position and read the file from the start",
    )
    parser.add_argument(
        "--skip-invalid",
        action="store_true",
        help="report invalid and conflicting records and store the rest of their batch",
    )
    parser.add_argument(
        "--state-file",
        type=Path,
        metavar="PATH",
        help="where to save the position (default: FILE.import-state.json)",
    )
    remote = parser.add_argument_group(
        "remote import", "send the batches to a running API instead of the database"
    )
    remote.add_argument(
        "--url", metavar="URL", help="the API's base URL; batches go to POST /v1/entries/bulk"
    )
    remote.add_argument(
        "--key",
        metavar="KEY",
        help="a writer API key for --url (default: $ANCHOR_KEY; prefer the environment, "
        "command lines are visible to other users)",
    )
    add_json_flag(parser, "print a JSON summary on stdout at the end")
    parser.set_defaults(restart=False)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from anchor_service.importer import (
        FileImport,
        SourceFormatError,
        StateMismatchError,
        format_of,
        open_store,
        state_path_for,
    )

    source: Path = args.file
    fmt = args.format or format_of(source)
    if fmt is None:
        return _usage(f"cannot tell the format of {source}: pass --format csv or jsonl")
    if not source.is_file():
        return _usage(f"cannot read {source}: no such file")
    state_path: Path = args.state_file or state_path_for(source)
    try:
        work = FileImport.start(source, fmt, state_path, restart=args.restart)
    except StateMismatchError as exc:
        return _usage(
            f"cannot resume: {exc}.\n"
            f"Run with --restart to read {source} from the start (entries already stored "
            f"are recognised by their external_id), or delete {state_path}."
        )
    key: str | None = args.key or os.environ.get("ANCHOR_KEY")
    if args.url and not key:
        return _usage("--url needs an API key: --key KEY, or ANCHOR_KEY in the environment")
    if work.resumed_from is not None:
        logger.info(
            "resuming %s after line %d (byte %d)", source, work.state.line, work.state.offset
        )
    resources = ExitStack()
    store = open_store(
        settings, resources, url=args.url, key=key or "", skip_invalid=args.skip_invalid
    )
    progress = ProgressLine("import", logger=logger, unit="bytes", rate_unit="entries")
    started = time.monotonic()
    try:
        work.store_batches(
            store,
            batch_size=args.batch_size,
            on_batch=lambda outcome: report_problems(source, outcome),
            progress=progress,
        )
    except SourceFormatError as exc:
        progress.close()
        return _usage(f"{source}: {exc}")
    finally:
        progress.close()
        resources.close()
    if work.stopped is None:
        work.complete(progress)
    summary = import_summary(
        source,
        fmt,
        work.state,
        time.monotonic() - started,
        work.resumed_from,
        work.stopped,
        work.stopped_counts,
    )
    print_summary(summary, state_path, as_json=args.json)
    problems = work.state.counts.invalid + work.state.counts.conflicts
    return 0 if work.stopped is None and not problems else 1


def _usage(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _batch_size(text: str) -> int:
    value = integer(text)
    if not 1 <= value <= 100_000:
        raise argparse.ArgumentTypeError(f"must be 1 to 100000, got {value}")
    return value
