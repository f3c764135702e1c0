"""``anchor-service seal``: seal what is pending now (the scheduler does it nightly)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import TYPE_CHECKING, TextIO

from anchor_service.cli.parsers import Subparsers, add_command, add_json_flag, positive_int
from anchor_service.cli.progress import ProgressLine
from anchor_service.settings import Settings

if TYPE_CHECKING:
    from anchor_service.services.sealing import Progress

__all__ = ["register"]

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
    from anchor_service.api.schemas.batches import SealedBatchOut
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
        dumped = [SealedBatchOut.of(batch).model_dump(mode="json") for batch in batches]
        print(json.dumps(dumped, indent=2))
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


def _progress(stream: TextIO) -> Progress:
    """A progress line redrawn in place on a terminal (with rate and time left); a log
    line per batch otherwise."""
    return ProgressLine(
        "sealing", logger=logger, stream=stream, interval=0, show_rate=stream.isatty()
    )
