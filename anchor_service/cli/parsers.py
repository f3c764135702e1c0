"""The parser set-up every command shares, written once.

A command module's ``register(subparsers)`` calls :func:`add_command` for each of its
(sub-)commands: help line, description and an ``examples:`` epilog, all printed as
written, the handler, and whether the command needs the full service (the ``server``
extra; only ``verify`` does not). :func:`add_json_flag` adds the ``--json`` switch most
commands have, and the integer types give the same wording for the same mistake.

Importing this module (and so every command module) needs no server dependency: the
light, verifier-only install builds the whole parser too.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal, Protocol, TypeAlias

if TYPE_CHECKING:
    from anchor_service.settings import Settings

__all__ = [
    "CommandModule",
    "DatabaseUse",
    "Handler",
    "Subparsers",
    "add_command",
    "add_json_flag",
    "integer",
    "non_negative_int",
    "positive_int",
]

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
Handler: TypeAlias = Callable[[argparse.Namespace, "Settings"], int]
#: What a command does with the configured database (see :func:`add_command`).
DatabaseUse: TypeAlias = Literal["reads", "creates", "checks", "none"]


class CommandModule(Protocol):
    """A module of :data:`~anchor_service.cli.commands.COMMANDS`."""

    def register(self, subparsers: Subparsers) -> None:
        """Add the module's command(s) to ``subparsers``."""


def add_command(
    subparsers: Subparsers,
    name: str,
    *,
    help: str,
    description: str | None = None,
    examples: Sequence[str] = (),
    epilog: str | None = None,
    handler: Handler | None = None,
    needs_server: bool = True,
    database: DatabaseUse = "reads",
) -> argparse.ArgumentParser:
    """Add the sub-command ``name``; text is printed as written (no re-wrapping).

    ``examples`` are command lines shown under ``examples:``, one per line (a line may
    carry a comment after some spaces); ``epilog`` replaces that with a text of its own.
    Without a ``handler`` the command only groups sub-commands (``db``, ``keys``).
    ``needs_server``: the handler needs the ``server`` extra (database, API, jobs);
    ``main`` says so instead of running it in a verifier-only install.
    ``database``: ``"reads"`` (the default: it needs the configured database to exist;
    ``main`` refuses to run it, creating nothing, when the SQLite file is missing),
    ``"creates"`` (it may create the database: ``dev``, ``db upgrade``), ``"checks"``
    (it reads it but says itself that it is missing, in its own error format: ``audit``)
    or ``"none"``.
    """
    if epilog is None and examples:
        epilog = "examples:\n" + "\n".join(f"  {line}" for line in examples)
    parser = subparsers.add_parser(
        name,
        help=help,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    if handler is not None:
        parser.set_defaults(
            handler=handler,
            command=parser.prog,
            needs_server=needs_server,
            database=database if needs_server else "none",
        )
    return parser


def add_json_flag(parser: argparse.ArgumentParser, help: str) -> None:
    """``--json``: print the command's result as JSON on stdout (``help`` says which)."""
    parser.add_argument("--json", action="store_true", help=help)


def integer(text: str) -> int:
    """An argument that must be an integer."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def positive_int(text: str) -> int:
    """An integer of at least 1 (a count or a size)."""
    value = integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    """An integer of 0 or more (a number of confirmations)."""
    value = integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value
