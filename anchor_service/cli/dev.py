"""``anchor-service dev`` (what ``make run`` calls): everything local, one command.

The work is development tooling, in :mod:`anchor_service.dev.stack`.
"""

from __future__ import annotations

import argparse

from anchor_service.cli.parsers import Subparsers, add_command
from anchor_service.settings import Settings

__all__ = ["register"]


def register(subparsers: Subparsers) -> None:
    add_command(
        subparsers,
        "dev",
        help="set up ./.data, migrate, and run everything locally (what `make run` does)",
        description="Prepare the embedded defaults and run the service until Ctrl-C.",
        examples=[
            "anchor-service dev                                     what `make run` runs",
            "ANCHOR_RPC_URL=http://127.0.0.1:8547 anchor-service dev   chain on another port",
        ],
        handler=run,
        database="creates",
    )


def run(_args: argparse.Namespace, settings: Settings) -> int:
    from anchor_service.dev.stack import run_dev

    return run_dev(settings)
