"""Entry point: builds the parser from the registered command modules, then dispatches.

Errors a handler lets through become one line on stderr and exit status 1: the service's
own (:class:`~anchor_service.errors.AnchorServiceError`) and database errors (the
latter only once a handler has imported SQLAlchemy, which the verifier-only install
lacks).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from anchor_service import __version__
from anchor_service.cli.commands import COMMANDS
from anchor_service.cli.database_check import database_hint, missing_database
from anchor_service.cli.extras import server_installed, server_missing_message
from anchor_service.cli.parsers import Handler
from anchor_service.errors import AnchorServiceError
from anchor_service.observability.logging_setup import configure_logging
from anchor_service.settings import Settings, load_settings

__all__ = ["Handler", "build_parser", "main"]

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
  anchor-service deploy --dev                 deploy the registry on a local chain
                                              (address: last line; a real chain:
                                              --admin MULTISIG --pauser ADDR)
  anchor-service registry status              is the registry on chain the one we know?
  anchor-service anchor --wait                anchor the newest sealed head, wait until
                                              it is confirmed
  anchor-service scheduler --once --json      one seal + anchor round, for cron jobs
  anchor-service verify tour-1.json           check a proof bundle against the chain
  anchor-service audit                        look for tampering (exit 1 when found)

`anchor-service COMMAND --help` explains a command, with examples; most commands take
--json to print their result for scripts. Long work (seal, audit, import) shows its
progress on stderr.

configuration comes from ANCHOR_* environment variables and ./.env
(e.g. ANCHOR_DATABASE_URL=postgresql://user@db.example/anchor); beside `make run`,
also from the .data/dev.env it writes (its local chain; not with ANCHOR_ENV=production).
"""


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with every command of :data:`~anchor_service.cli.commands.COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog="anchor-service",
        description="Blockchain-anchored audit log for ledger entries.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for module in COMMANDS:
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
    if args.needs_server and not server_installed():
        print(server_missing_message(args.command), file=sys.stderr)
        return 2
    try:
        settings = load_settings() if args.reads_dev_settings else Settings()
    except ValidationError as exc:
        print(f"error: invalid configuration:\n{exc}", file=sys.stderr)
        return 2
    configure_logging(settings)
    _quiet_http_clients()
    missing = missing_database(args, settings)
    if missing is not None:
        print(f"error: {missing}", file=sys.stderr)
        return 1
    try:
        return handler(args, settings)
    except AnchorServiceError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if not _is_database_error(exc):
            raise
        print(
            f"error: database: {type(exc).__name__}: {str(exc).splitlines()[0]}\n"
            f"{database_hint(settings)}",
            file=sys.stderr,
        )
        return 1


def _quiet_http_clients() -> None:
    """No INFO line per HTTP request (``import --url``) from httpx and httpcore: a
    command's output is its own; their warnings and errors still show."""
    for name in ("httpx", "httpcore"):
        http_logger = logging.getLogger(name)
        http_logger.setLevel(max(http_logger.getEffectiveLevel(), logging.WARNING))


def _is_database_error(exc: Exception) -> bool:
    """Whether ``exc`` is SQLAlchemy's; without importing it (a handler that raised one
    has imported it already, and the verifier-only install has none)."""
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    base: type[Exception] | None = getattr(sqlalchemy_exc, "SQLAlchemyError", None)
    return base is not None and isinstance(exc, base)
