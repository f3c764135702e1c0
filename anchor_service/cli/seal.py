"""``anchor-service seal``: seal what is pending now (the scheduler does it nightly)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import TYPE_CHECKING, Any, TextIO

from anchor_service.cli.parsers import Subparsers, add_command, add_json_flag, positive_int
from anchor_service.cli.progress import ProgressLine
from anchor_service.ledger.rules import format_utc
from anchor_service.settings import Settings

if TYPE_CHECKING:
    from anchor_service.services.sealing import Progress, SealedBatch

__all__ = ["batch_json", "register"]

logger = logging.getLogger(__name__)


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "seal",
        help="seal the pending entries into batches now",
        description=(
            "Extend the Merkle log over every entry stored so far, in batches of at most "
            "--max-batch-entries (default ANCHOR_SEAL_MAX_BATCH_ENTRIES), each with its "
            "settlement statement. Prints one line per batch, or 'nothing to seal'."
        ),
        examples=[
            "anchor-service seal",
            "anchor-service seal --max-batch-entries 100000",
            "anchor-service seal --json | jq '.[].root'",
        ],
        handler=run,
    )
    parser.add_argument(
        "--max-batch-entries",
        type=positive_int,
        metavar="N",
        help="most entries per batch (a larger backlog becomes several batches)",
    )
    add_json_flag(parser, "print the new batches as a JSON list on stdout")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from anchor_service.db.session import Database
    from anchor_service.services import sealing
    from anchor_service.services.sealing import seal_pending

    database = Database.from_settings(settings)
    service_logger = logging.getLogger(sealing.__name__)
    level = service_logger.level
    if sys.stderr.isatty():
        # The progress line replaces the service's per-batch log lines on a terminal.
        service_logger.setLevel(max(logging.WARNING, service_logger.getEffectiveLevel()))
    try:
        batches = seal_pending(
            database,
            settings,
            max_batch_entries=args.max_batch_entries,
            progress=_progress(sys.stderr),
        )
    finally:
        service_logger.setLevel(level)
        database.dispose()
    if args.json:
        print(json.dumps([batch_json(batch) for batch in batches], indent=2))
    elif not batches:
        print("nothing to seal: every stored entry is sealed already")
    else:
        for batch in batches:
            print(
                f"sealed batch {batch.seq}: entries [{batch.start_index}, {batch.end_index}), "
                f"tree size {batch.tree_size}, root {batch.root.hex()}, "
                f"statement sha256 {batch.statement_hash.hex()}"
            )
    return 0


def batch_json(batch: SealedBatch) -> dict[str, Any]:
    """A sealed batch as JSON (hashes in lower-case hex, times UTC RFC 3339)."""
    return {
        "seq": batch.seq,
        "start_index": batch.start_index,
        "end_index": batch.end_index,
        "tree_size": batch.tree_size,
        "entry_count": batch.entry_count,
        "root": batch.root.hex(),
        "statement_hash": batch.statement_hash.hex(),
        "period_start": format_utc(batch.period_start),
        "period_end": format_utc(batch.period_end),
        "sealed_at": format_utc(batch.sealed_at),
    }


def _progress(stream: TextIO) -> Progress:
    """A progress line redrawn in place on a terminal (with rate and time left); a log
    line per batch otherwise."""
    return ProgressLine(
        "sealing", logger=logger, stream=stream, interval=0, show_rate=stream.isatty()
    )
