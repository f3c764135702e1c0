"""``anchor-service keys``: create, list and revoke API keys."""

from __future__ import annotations

import argparse

from anchor_service.db.models import Role
from anchor_service.db.repositories.api_keys import ApiKeyRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.settings import Settings

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("keys", help="manage API keys")
    commands = parser.add_subparsers(title="keys commands", metavar="COMMAND", required=True)

    create = commands.add_parser(
        "create",
        help="create a key and print it (last line of stdout; shown only once)",
        description="Create an API key. Writers post entries, auditors read, admins do both.",
    )
    create.add_argument(
        "--role", required=True, choices=[role.value for role in Role], help="the key's role"
    )
    create.add_argument("--name", help="a label to recognise the key by")
    create.set_defaults(handler=run_create)

    listing = commands.add_parser("list", help="list keys (ids and roles, never secrets)")
    listing.set_defaults(handler=run_list)

    revoke = commands.add_parser("revoke", help="revoke a key by id")
    revoke.add_argument("key_id", metavar="ID", help="the key id shown by `keys list`")
    revoke.set_defaults(handler=run_revoke)


def run_create(args: argparse.Namespace, settings: Settings) -> int:
    database = Database.from_settings(settings)
    try:
        with unit_of_work(database.writer) as session:
            new = ApiKeyRepository(session).create(Role(args.role), name=args.name)
    finally:
        database.dispose()
    print(f"created {new.key.role.value} key {new.key.id}; it is shown only this once:")
    print(new.token)
    return 0


def run_list(_args: argparse.Namespace, settings: Settings) -> int:
    database = Database.from_settings(settings)
    try:
        with unit_of_work(database.reader) as session:
            keys = ApiKeyRepository(session).list()
    finally:
        database.dispose()
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
    print(f"revoked {key.role.value} key {key.id}")
    return 0
