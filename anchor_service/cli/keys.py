"""``anchor-service keys``: create, list and revoke API keys."""

from __future__ import annotations

import argparse
import json
from typing import Any

from anchor_service.db.models import ApiKey, Role
from anchor_service.db.repositories.api_keys import ApiKeyRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.ledger.rules import format_utc
from anchor_service.settings import Settings

__all__ = ["key_json", "register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "keys",
        help="manage API keys",
        description="Create, list and revoke API keys (only their SHA-256 is stored).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(title="keys commands", metavar="COMMAND", required=True)

    create = commands.add_parser(
        "create",
        help="create a key and print it (last line of stdout; shown only once)",
        description="Create an API key. Writers post entries, auditors read, admins do both.",
        epilog="examples:\n"
        "  anchor-service keys create --role writer --name checkout\n"
        "  anchor-service keys create --role auditor --json | jq -r .token",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    create.add_argument(
        "--role", required=True, choices=[role.value for role in Role], help="the key's role"
    )
    create.add_argument("--name", help="a label to recognise the key by")
    create.add_argument("--json", action="store_true", help="print the key and its token as JSON")
    create.set_defaults(handler=run_create)

    listing = commands.add_parser(
        "list",
        help="list keys (ids and roles, never secrets)",
        epilog="examples:\n  anchor-service keys list\n"
        "  anchor-service keys list --json | jq -r '.[] | select(.revoked_at == null) | .id'",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    listing.add_argument("--json", action="store_true", help="print the keys as a JSON list")
    listing.set_defaults(handler=run_list)

    revoke = commands.add_parser(
        "revoke",
        help="revoke a key by id",
        epilog="examples:\n  anchor-service keys revoke 3f9a1c2b7d4e5f60",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    revoke.add_argument("key_id", metavar="ID", help="the key id shown by `keys list`")
    revoke.add_argument("--json", action="store_true", help="print the revoked key as JSON")
    revoke.set_defaults(handler=run_revoke)


_EPILOG = """\
examples:
  anchor-service keys create --role writer --name checkout   the key is the last line
  anchor-service keys list
  anchor-service keys revoke 3f9a1c2b7d4e5f60"""


def key_json(key: ApiKey) -> dict[str, Any]:
    """An API key's record as JSON (never its secret)."""
    return {
        "id": key.id,
        "role": key.role.value,
        "name": key.name,
        "created_at": format_utc(key.created_at),
        "revoked_at": None if key.revoked_at is None else format_utc(key.revoked_at),
    }


def run_create(args: argparse.Namespace, settings: Settings) -> int:
    database = Database.from_settings(settings)
    try:
        with unit_of_work(database.writer) as session:
            new = ApiKeyRepository(session).create(Role(args.role), name=args.name)
    finally:
        database.dispose()
    if args.json:
        print(json.dumps({**key_json(new.key), "token": new.token}, indent=2))
        return 0
    print(f"created {new.key.role.value} key {new.key.id}; it is shown only this once:")
    print(new.token)
    return 0


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    database = Database.from_settings(settings)
    try:
        with unit_of_work(database.reader) as session:
            keys = ApiKeyRepository(session).list()
    finally:
        database.dispose()
    if args.json:
        print(json.dumps([key_json(key) for key in keys], indent=2))
        return 0
    print(f"{'ID':<16}  {'ROLE':<7}  {'CREATED (UTC)':<19}  {'STATE':<7}  NAME")
    for key in keys:
        state = "revoked" if key.revoked_at is not None else "active"
        created = key.created_at.strftime("%Y-%m-%d %H:%M:%S")
        print(f"{key.id:<16}  {key.role.value:<7}  {created:<19}  {state:<7}  {key.name or ''}")
    return 0


def run_revoke(args: argparse.Namespace, settings: Settings) -> int:
    database = Database.from_settings(settings)
    try:
        with unit_of_work(database.writer) as session:
            key = ApiKeyRepository(session).revoke(args.key_id)
    finally:
        database.dispose()
    if args.json:
        print(json.dumps(key_json(key), indent=2))
    else:
        print(f"revoked {key.role.value} key {key.id}")
    return 0
