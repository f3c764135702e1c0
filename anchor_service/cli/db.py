"""``anchor-service db``: database migrations."""

from __future__ import annotations

import argparse
import json

from anchor_service.cli.parsers import Subparsers, add_command, add_json_flag
from anchor_service.settings import Settings

__all__ = ["register"]

_EXAMPLES = [
    "anchor-service db upgrade",
    "ANCHOR_DATABASE_URL=postgresql://anchor@db.example/anchor anchor-service db upgrade",
    "anchor-service db current || anchor-service db upgrade",
    "anchor-service db current --json | jq .up_to_date",
]


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "db",
        help="database migrations",
        description="Apply or check the database migrations (ANCHOR_DATABASE_URL).",
        examples=_EXAMPLES,
    )
    commands = parser.add_subparsers(title="db commands", metavar="COMMAND", required=True)
    upgrade = add_command(
        commands,
        "upgrade",
        help="apply migrations up to the newest (idempotent)",
        examples=_EXAMPLES,
        handler=run_upgrade,
        database="creates",
    )
    add_json_flag(upgrade, "print the revision as JSON")
    current = add_command(
        commands,
        "current",
        help="show the database's migration revision (exit 1 when not up to date)",
        examples=_EXAMPLES,
        handler=run_current,
    )
    add_json_flag(current, "print the revisions as JSON")


def _describe(settings: Settings) -> str:
    from anchor_service.db.engine import normalize_database_url

    return normalize_database_url(settings.database_url).render_as_string(hide_password=True)


def run_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from anchor_service.db import migrate

    migrate.upgrade(settings)
    current = migrate.current_revision(settings)
    if args.json:
        print(json.dumps({"database": _describe(settings), "revision": current}, indent=2))
    else:
        print(f"database {_describe(settings)} is at revision {current}")
    return 0


def run_current(args: argparse.Namespace, settings: Settings) -> int:
    from anchor_service.db import migrate

    current = migrate.current_revision(settings)
    head = migrate.head_revision()
    if args.json:
        document = {
            "database": _describe(settings),
            "revision": current,
            "head": head,
            "up_to_date": current == head,
        }
        print(json.dumps(document, indent=2))
        return 0 if current == head else 1
    state = "up to date" if current == head else f"newest is {head}; run `db upgrade`"
    print(f"database {_describe(settings)} is at revision {current or 'none'} ({state})")
    return 0 if current == head else 1
