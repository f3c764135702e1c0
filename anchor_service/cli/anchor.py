"""``anchor-service anchor [--wait] [--timeout S] [--json]``: anchor the newest sealed head.

Without ``--wait`` it returns once the anchor is sent (or says why nothing was sent).
With ``--wait`` it follows the anchor until it is confirmed (``ANCHOR_CONFIRMATIONS``
blocks, block hash re-checked) or failed, printing each step (transaction sent, block,
confirmations n/N); an unreachable node is retried with backoff until the timeout.

Exit codes: 0 submitted, confirmed, or nothing to do; 1 failed; 3 not confirmed within
the timeout, or the chain stayed unreachable (the anchor goes on in the background
jobs: nothing recorded is lost).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TYPE_CHECKING

from anchor_service.cli.parsers import Subparsers, add_command, add_json_flag
from anchor_service.settings import Settings

if TYPE_CHECKING:
    from anchor_service.api.schemas.anchors import AnchorOutcomeCliOut
    from anchor_service.services.anchoring.anchorer import Anchorer
    from anchor_service.services.anchoring.views import AnchorChange

__all__ = ["EXIT_NOT_CONFIRMED", "register"]

#: Exit code when ``--wait`` ran out of time (or the chain stayed unreachable).
EXIT_NOT_CONFIRMED = 3


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "anchor",
        help="anchor the newest sealed tree head on chain",
        description=(
            "Send the newest sealed tree head to the registry (or follow up the anchor in "
            "flight). With --wait, return once it is confirmed.\n\n"
            "exit status: 0 submitted, confirmed or nothing to do; 1 failed; 3 not "
            "confirmed within --timeout (the scheduler keeps following it)."
        ),
        examples=[
            "anchor-service anchor",
            "anchor-service anchor --wait --timeout 120",
            "anchor-service seal && anchor-service anchor --wait --json | jq .outcome",
        ],
        handler=run,
    )
    parser.add_argument(
        "--wait", action="store_true", help="wait until the anchor is confirmed or failed"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        metavar="S",
        help="with --wait: give up waiting after S seconds (default 600)",
    )
    parser.add_argument("--poll", type=float, default=1.0, metavar="S", help=argparse.SUPPRESS)
    add_json_flag(parser, "print the result as JSON")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from anchor_service.db.session import Database
    from anchor_service.services.anchoring.anchorer import Anchorer

    database = Database.from_settings(settings)
    try:
        anchorer = Anchorer.from_settings(settings, database)
        return _anchor(anchorer, args)
    finally:
        database.dispose()


def _anchor(anchorer: Anchorer, args: argparse.Namespace) -> int:
    from anchor_service.api.schemas.anchors import AnchorOut, AnchorOutcomeCliOut
    from anchor_service.db.models_anchoring import AnchorStatus
    from anchor_service.services.anchoring.views import OutcomeKind

    deadline = time.monotonic() + args.timeout
    outcome = anchorer.anchor_latest()
    while args.wait and outcome.kind is OutcomeKind.UNAVAILABLE and time.monotonic() < deadline:
        _say(args, outcome.message)
        time.sleep(min(outcome.retry_in or 1.0, max(deadline - time.monotonic(), 0.0)))
        outcome = anchorer.anchor_latest()
    if not args.json:
        print(outcome.message, flush=True)
    result = AnchorOutcomeCliOut.of_outcome(outcome)
    if outcome.kind is OutcomeKind.FAILED:
        return _finish(args, result, 1)
    if outcome.kind is OutcomeKind.UNAVAILABLE:
        return _finish(args, result, EXIT_NOT_CONFIRMED)
    anchor = outcome.anchor
    if not args.wait or anchor is None or not anchor.status.in_flight:
        return _finish(args, result, 0)

    required = anchorer.required_confirmations
    _say(args, f"waiting for {required} confirmation(s) of anchor #{anchor.id}")
    view = anchorer.wait_confirmed(
        anchor.id,
        max(deadline - time.monotonic(), 0.0),
        poll_interval=args.poll,
        progress=lambda change: _progress(args, change),
    )
    result.anchor = AnchorOut.of(view)
    if view.status is AnchorStatus.CONFIRMED:
        result.outcome = "confirmed"
        _say(args, f"anchor #{view.id} confirmed: tree size {view.tree_size}, registry seq "
                   f"{view.chain_seq}, block {view.block_number}")  # fmt: skip
        return _finish(args, result, 0)
    if view.status is AnchorStatus.FAILED:
        result.outcome = "failed"
        _say(args, f"anchor #{view.id} failed: {view.error}", error=True)
        return _finish(args, result, 1)
    result.outcome = "not_confirmed"
    _say(
        args,
        f"anchor #{view.id} is still {view.status} after {args.timeout:g} s; "
        "the scheduler keeps following it",
        error=True,
    )
    return _finish(args, result, EXIT_NOT_CONFIRMED)


def _progress(args: argparse.Namespace, change: AnchorChange) -> None:
    _say(args, f"[{change.kind}] {change.message}")


def _say(args: argparse.Namespace, message: str, *, error: bool = False) -> None:
    """Progress goes to stdout, or to stderr with --json (stdout carries the JSON)."""
    stream = sys.stderr if (args.json or error) else sys.stdout
    print(message, file=stream, flush=True)


def _finish(args: argparse.Namespace, result: AnchorOutcomeCliOut, code: int) -> int:
    if args.json:
        print(json.dumps(result.model_dump(mode="json"), indent=2))
    return code
