"""The command groups of ``anchor-service``, in ``--help`` order.

Each module listed here defines ``register(subparsers)``, which adds its sub-command(s)
through :func:`anchor_service.cli.parsers.add_command` with a handler
``(args, settings) -> exit code``. A new command is a new module plus one entry here.

Command modules import only what building their parser needs; a handler imports the
database, API or job code it runs when it runs, so the verifier-only install (no
``server`` extra) still builds the whole parser and lists every command.
"""

from __future__ import annotations

from anchor_service.cli import (
    anchor,
    audit,
    db,
    deploy,
    dev,
    import_entries,
    keys,
    log_key,
    policy,
    reconcile,
    redact,
    registry,
    scheduler,
    seal,
    serve,
    tiles,
    verify,
    verify_consistency,
    verify_receipt,
    verify_statement,
    witness,
)
from anchor_service.cli.parsers import CommandModule

__all__ = ["COMMANDS"]

COMMANDS: tuple[CommandModule, ...] = (
    serve,
    scheduler,
    dev,
    db,
    keys,
    log_key,
    policy,
    import_entries,
    seal,
    anchor,
    deploy,
    verify,
    verify_consistency,
    verify_receipt,
    verify_statement,
    audit,
    redact,
    reconcile,
    registry,
    witness,
    tiles,
)
