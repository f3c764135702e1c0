"""``anchor-service keys``: create, list and revoke API keys."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from anchor_service.cli.parsers import Subparsers, add_command, add_json_flag
from anchor_service.errors import AccountPatternError
from anchor_service.ledger.account_patterns import AccountPattern, parse_account_pattern
from anchor_service.ledger.rules import format_utc
from anchor_service.roles import Role
from anchor_service.settings import Settings

if TYPE_CHECKING:
    from anchor_service.db.models import ApiKey
    from anchor_service.db.repositories.api_keys import ApiKeyRepository

__all__ = ["EXIT_ALREADY_REVOKED", "EXIT_USAGE", "key_json", "register"]

#: `keys revoke` of a key revoked before: nothing changed.
EXIT_ALREADY_REVOKED = 1
#: `keys create` with `--account` missing for, or given to, a role.
EXIT_USAGE = 2


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
        description=(
            "Create an API key. Writers post entries, auditors read, admins do both; "
            "account keys read only the entries (and account lines and histories) of the "
            "accounts their --account patterns match: an exact account name "
            "(wallet:user:981) or a prefix ending in one '*' (creator:7:* matches every "
            "account starting with creator:7:). --account is required for --role account "
            "and refused for the other roles (exit 2)."
        ),
        examples=[
            "anchor-service keys create --role writer --name checkout",
            "anchor-service keys create --role auditor --json | jq -r .token",
            "anchor-service keys create --role account --account wallet:user:981 "
            "--account 'creator:7:*' --name creator-7",
        ],
        handler=run_create,
    )
    create.add_argument(
        "--role", required=True, choices=[role.value for role in Role], help="the key's role"
    )
    create.add_argument(
        "--account",
        dest="accounts",
        action="append",
        type=_account_pattern,
        metavar="PATTERN",
        help="an account the key may read (role account only; repeat for more): "
        "an account name, or a prefix ending in '*' (quote it in the shell)",
    )
    create.add_argument("--name", help="a label to recognise the key by")
    add_json_flag(create, "print the key and its token as JSON")

    listing = add_command(
        commands,
        "list",
        help="list keys (ids, roles and account patterns, never secrets)",
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


def _article(role: Role) -> str:
    return "an" if role.value[0] in "aeiou" else "a"


def _account_pattern(text: str) -> AccountPattern:
    """``--account``: one pattern of the grammar, else a usage error (exit 2)."""
    try:
        return parse_account_pattern(text)
    except AccountPatternError as exc:
        raise argparse.ArgumentTypeError(exc.detail) from None


def key_json(key: ApiKey, accounts: tuple[AccountPattern, ...] = ()) -> dict[str, Any]:
    """An API key's record as JSON (never its secret); ``accounts``: an account key's
    patterns (``[]`` for other roles)."""
    return {
        "id": key.id,
        "role": key.role.value,
        "name": key.name,
        "accounts": [pattern.text for pattern in accounts],
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
    role = Role(args.role)
    accounts: list[AccountPattern] = args.accounts or []
    if role is Role.ACCOUNT and not accounts:
        print(
            "error: --role account needs at least one --account PATTERN "
            "(e.g. --account wallet:user:981 --account 'creator:7:*')",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if role is not Role.ACCOUNT and accounts:
        print(
            f"error: --account is for --role account only; {_article(role)} {role.value!r} "
            + ("key reads every account" if role.reads_every_account else "key reads no account"),
            file=sys.stderr,
        )
        return EXIT_USAGE
    with _api_keys(settings, write=True) as keys:
        new = keys.create(role, name=args.name, accounts=(p.text for p in accounts))
    if args.json:
        print(json.dumps({**key_json(new.key, new.accounts), "token": new.token}, indent=2))
        return 0
    bound = f" for {', '.join(p.text for p in new.accounts)}" if new.accounts else ""
    print(f"created {new.key.role.value} key {new.key.id}{bound}; it is shown only this once:")
    print(new.token)
    return 0


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    with _api_keys(settings, write=False) as repository:
        keys = repository.list()
        accounts = repository.accounts_by_key()
    if args.json:
        print(json.dumps([key_json(key, accounts.get(key.id, ())) for key in keys], indent=2))
        return 0
    print(f"{'ID':<16}  {'ROLE':<7}  {'CREATED (UTC)':<19}  {'STATE':<7}  {'NAME':<16}  ACCOUNTS")
    for key in keys:
        state = "revoked" if key.revoked_at is not None else "active"
        created = key.created_at.strftime("%Y-%m-%d %H:%M:%S")
        patterns = " ".join(pattern.text for pattern in accounts.get(key.id, ()))
        print(
            f"{key.id:<16}  {key.role.value:<7}  {created:<19}  {state:<7}  "
            f"{key.name or '':<16}  {patterns}".rstrip()
        )
    return 0


def run_revoke(args: argparse.Namespace, settings: Settings) -> int:
    """Revoke a key; exit 1 (changing nothing) when it was revoked already."""
    with _api_keys(settings, write=True) as keys:
        already = keys.get(args.key_id).revoked_at is not None
        key = keys.revoke(args.key_id)
        accounts = keys.accounts_of(key.id)
    if args.json:
        print(json.dumps({**key_json(key, accounts), "already_revoked": already}, indent=2))
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
