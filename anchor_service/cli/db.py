"""``anchor-service db``: database migrations."""

from __future__ import annotations

import argparse
import json

from anchor_service.db import migrate
from anchor_service.db.engine import normalize_database_url
from anchor_service.settings import Settings

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "db",
        help="database migrations",
        description="Apply or check the database migrations (ANCHOR_DATABASE_URL).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(title="db commands", metavar="COMMAND", required=True)
    upgrade = commands.add_parser(
        "upgrade",
        help="apply migrations up to the newest (idempotent)",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    upgrade.add_argument("--json", action="store_true", help="print the revision as JSON")
    upgrade.set_defaults(handler=run_upgrade)
    current = commands.add_parser(
        "current",
        help="show the database's migration revision (exit 1 when not up to date)",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    current.add_argument("--json", action="store_true", help="print the revisions as JSON")
    current.set_defaults(handler=run_current)


_EPILOG = """\
examples:
  anchor-service db upgrade
  ANCHOR_DATABASE_URL=postgresql://anchor@db.example/anchor anchor-service db upgrade
  anchor-service db current || anchor-service db upgrade
  anchor-service db current --json | jq .up_to_date"""


def _describe(settings: Settings) -> str:
    return normalize_database_url(settings.database_url).render_as_string(hide_password=True)


def run_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    migrate.upgrade(settings)
    current = migrate.current_revision(settings)
    if args.json:
        print(json.dumps({"database": _describe(settings), "revision": current}, indent=2))
    else:
        print(f"database {_describe(settings)} is at revision {current}")
    return 0


def run_current(args: argparse.Namespace, settings: Settings) -> int:
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
