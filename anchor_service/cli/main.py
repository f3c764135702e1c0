"""Entry point: builds the parser from the registered command modules, then dispatches."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Protocol, cast

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from anchor_service import __version__
from anchor_service.cli.commands import COMMAND_MODULES
from anchor_service.errors import AnchorServiceError
from anchor_service.observability.logging_setup import configure_logging
from anchor_service.settings import Settings

__all__ = ["Handler", "build_parser", "main"]

Handler = Callable[[argparse.Namespace, Settings], int]

_EPILOG = """\
examples:
  anchor-service dev                          set up ./.data and run everything locally
  anchor-service db upgrade                   apply database migrations
  anchor-service keys create --role writer    print a new API key (last line)
  anchor-service keys list --json
  anchor-service keys revoke 3f9a1c2b7d4e5f60
  anchor-service serve --host 0.0.0.0 --port 8000 --workers 4
  anchor-service import payments.jsonl        bulk-load entries (CSV or JSONL; resumable)
  anchor-service seal                         seal the pending entries now
  anchor-service deploy                       deploy the registry (address: last line)
  anchor-service anchor --wait                anchor the newest sealed head, wait until
                                              it is confirmed
  anchor-service scheduler --once --json      one seal + anchor round, for cron jobs
  anchor-service verify tour-1.json           check a proof bundle against the chain
  anchor-service audit                        look for tampering (exit 1 when found)

`anchor-service COMMAND --help` explains a command, with examples; most commands take
--json to print their result for scripts. Long work (seal, audit, import) shows its
progress on stderr.

configuration comes from ANCHOR_* environment variables and ./.env
(e.g. ANCHOR_DATABASE_URL=postgresql://user@db.example/anchor).
"""


class _CommandModule(Protocol):
    def register(self, subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        ...


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with every command of :data:`COMMAND_MODULES`."""
    parser = argparse.ArgumentParser(
        prog="anchor-service",
        description="Blockchain-anchored audit log for ledger entries.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = cast(_CommandModule, importlib.import_module(name))
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``anchor-service``; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"error: invalid configuration:\n{exc}", file=sys.stderr)
        return 2
    configure_logging(settings)
    try:
        return handler(args, settings)
    except AnchorServiceError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(
            f"error: database: {type(exc).__name__}: {str(exc).splitlines()[0]}\n"
            "is the database reachable, and migrated (`anchor-service db upgrade`)?",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        return 130
