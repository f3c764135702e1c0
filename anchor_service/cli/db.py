"""``anchor-service db``: database migrations."""

from __future__ import annotations

import argparse

from anchor_service.db import migrate
from anchor_service.db.engine import normalize_database_url
from anchor_service.settings import Settings

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("db", help="database migrations")
    commands = parser.add_subparsers(title="db commands", metavar="COMMAND", required=True)
    upgrade = commands.add_parser(
        "upgrade", help="apply migrations up to the newest (idempotent)"
    )
    upgrade.set_defaults(handler=run_upgrade)
    current = commands.add_parser("current", help="show the database's migration revision")
    current.set_defaults(handler=run_current)


def _describe(settings: Settings) -> str:
    return normalize_database_url(settings.database_url).render_as_string(hide_password=True)


def run_upgrade(_args: argparse.Namespace, settings: Settings) -> int:
    migrate.upgrade(settings)
    print(f"database {_describe(settings)} is at revision {migrate.current_revision(settings)}")
    return 0


def run_current(_args: argparse.Namespace, settings: Settings) -> int:
    current = migrate.current_revision(settings)
    head = migrate.head_revision()
    state = "up to date" if current == head else f"newest is {head}; run `db upgrade`"
    print(f"database {_describe(settings)} is at revision {current or 'none'} ({state})")
    return 0 if current == head else 1
