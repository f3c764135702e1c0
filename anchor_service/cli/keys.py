"""``anchor-service keys``: create, list and revoke API keys."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from anchor_service.cli.parsers import Subparsers, add_command, add_json_flag
from anchor_service.ledger.rules import format_utc
from anchor_service.roles import Role
from anchor_service.settings import Settings

if TYPE_CHECKING:
    from anchor_service.db.models import ApiKey
    from anchor_service.db.repositories.api_keys import ApiKeyRepository

__all__ = ["EXIT_ALREADY_REVOKED", "key_json", "register"]

#: `keys revoke` of a key revoked before: nothing changed.
EXIT_ALREADY_REVOKED = 1


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "keys",
        help="manage API keys",
        description="Create, list and revoke API keys (only their SHA-256 is stored).",
        examples=[
            "anchor-service keys create --role writer --name checkout   the key is the last line",
            "anchor-service keys list",
            "anchor-service keys revoke 3f9a1c2b7d4e5f60",
        ],
    )
    commands = parser.add_subparsers(title="keys commands", metavar="COMMAND", required=True)

    create = add_command(
        commands,
        "create",
        help="create a key and print it (last line of stdout; shown only once)",
        description="Create an API key. Writers post entries, auditors read, admins do both.",
        examples=[
            "anchor-service keys create --role writer --name checkout",
            "anchor-service keys create --role auditor --json | jq -r .token",
        ],
        handler=run_create,
    )
    create.add_argument(
        "--role", required=True, choices=[role.value for role in Role], help="the key's role"
    )
    create.add_argument("--name", help="a label to recognise the key by")
    add_json_flag(create, "print the key and its token as JSON")

    listing = add_command(
        commands,
        "list",
        help="list keys (ids and roles, never secrets)",
        examples=[
            "anchor-service keys list",
            "anchor-service keys list --json | jq -r '.[] | select(.revoked_at == null) | .id'",
        ],
        handler=run_list,
    )
    add_json_flag(listing, "print the keys as a JSON list")

    revoke = add_command(
        commands,
        "revoke",
        help="revoke a key by id (exit 1 when it was revoked already)",
        description=(
            "Revoke an API key: it stops working at once (within the API's key cache "
            "time).\n\nexit status: 0 revoked, 1 it was revoked already (nothing changed; "
            "the message says when) or there is no such key."
        ),
        examples=["anchor-service keys revoke 3f9a1c2b7d4e5f60"],
        handler=run_revoke,
    )
    revoke.add_argument("key_id", metavar="ID", help="the key id shown by `keys list`")
    add_json_flag(revoke, "print the revoked key as JSON")


def key_json(key: ApiKey) -> dict[str, Any]:
    """An API key's record as JSON (never its secret)."""
    return {
        "id": key.id,
        "role": key.role.value,
        "name": key.name,
        "created_at": format_utc(key.created_at),
        "revoked_at": None if key.revoked_at is None else format_utc(key.revoked_at),
    }


@contextmanager
def _api_keys(settings: Settings, *, write: bool) -> Iterator[ApiKeyRepository]:
    """The API keys of the configured database, in one unit of work."""
    from anchor_service.db.repositories.api_keys import ApiKeyRepository
    from anchor_service.db.session import Database, unit_of_work

    database = Database.from_settings(settings)
    try:
        with unit_of_work(database.writer if write else database.reader) as session:
            yield ApiKeyRepository(session)
    finally:
        database.dispose()


def run_create(args: argparse.Namespace, settings: Settings) -> int:
    with _api_keys(settings, write=True) as keys:
        new = keys.create(Role(args.role), name=args.name)
    if args.json:
        print(json.dumps({**key_json(new.key), "token": new.token}, indent=2))
        return 0
    print(f"created {new.key.role.value} key {new.key.id}; it is shown only this once:")
    print(new.token)
    return 0


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    with _api_keys(settings, write=False) as repository:
        keys = repository.list()
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
    """Revoke a key; exit 1 (changing nothing) when it was revoked already."""
    with _api_keys(settings, write=True) as keys:
        already = keys.get(args.key_id).revoked_at is not None
        key = keys.revoke(args.key_id)
    if args.json:
        print(json.dumps({**key_json(key), "already_revoked": already}, indent=2))
    elif not already:
        print(f"revoked {key.role.value} key {key.id}")
    if already:
        assert key.revoked_at is not None
        print(
            f"error: the {key.role.value} key {key.id} was already revoked at "
            f"{format_utc(key.revoked_at)}; nothing changed",
            file=sys.stderr,
        )
        return EXIT_ALREADY_REVOKED
    return 0
