"""``anchor-service verify-consistency N M``: check a consistency proof against the chain.

The proof comes from the API (``--api URL``, an auditor key in ``--key`` or
``$ANCHOR_KEY``; ``GET /v1/log/consistency``) or a file (``--proof FILE``, that answer
saved). It is checked against the roots the registry holds at N and M on a node
(``--rpc``, else ``ANCHOR_RPC_URL``), at a registry address the auditor pins:
``--registry ADDRESS`` or ``--policy FILE`` (its ``registry <chain-id> <address>``
lines). Needs no database, only the node (and the API with ``--api``).

Exit status, as ``verify``: 0 valid, 1 invalid, 2 the proof, policy or options cannot be
read, 5 unverified (chain unreachable, no pinned registry on the node's chain).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from anchor_service.cli.input_files import UnreadableInputError, read_input
from anchor_service.cli.parsers import Subparsers, add_command, add_json_flag, positive_int
from anchor_service.settings import Settings

__all__ = ["register"]

_API_TIMEOUT_SECONDS = 30.0
_MAX_ANSWER_BYTES = 4 * 1024 * 1024


class _InputError(Exception):
    """The proof, the policy or the options cannot be used (exit 2)."""


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "verify-consistency",
        help="check a consistency proof between two anchored heads against the chain",
        description=(
            "Check that the anchored head of N leaves is a prefix of the anchored head of M "
            "leaves: the proof (from the API or a file) must lead from the registry's root "
            "at N to its root at M, both read on chain at a registry address you pin.\n\n"
            "exit status: 0 valid, 1 invalid, 2 unreadable input, 5 unverified (node "
            "unreachable, or no pinned registry on its chain)."
        ),
        examples=[
            "anchor-service verify-consistency 1000 2000 --api https://anchor.example "
            "--registry 0x5FbDB2315678afecb367f032d93F642f64180aa3 --rpc https://rpc.example",
            "anchor-service verify-consistency 1000 2000 --proof c.json --policy auditor.policy",
        ],
        handler=run,
        needs_server=False,
    )
    parser.add_argument("first", type=positive_int, metavar="N", help="the older tree size")
    parser.add_argument("second", type=positive_int, metavar="M", help="the newer tree size")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--api", metavar="URL", help="the API's base URL (fetch the proof)")
    source.add_argument("--proof", metavar="FILE", help="the proof as the API answers it; - stdin")
    parser.add_argument(
        "--key", metavar="KEY", help="an auditor API key for --api (default: $ANCHOR_KEY)"
    )
    pin = parser.add_mutually_exclusive_group(required=True)
    pin.add_argument("--registry", metavar="ADDRESS", help="the registry contract you trust")
    pin.add_argument(
        "--policy", metavar="FILE", help="a trust policy with 'registry <chain-id> <address>' lines"
    )
    parser.add_argument(
        "--rpc", metavar="URL", help="JSON-RPC URL of a node (default: ANCHOR_RPC_URL)"
    )
    add_json_flag(parser, "print the result as JSON")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from anchor_service.observability.redaction import public_url
    from anchor_service.verifier import EXIT_STATUS, Status
    from anchor_service.verifier.consistency import (
        ConsistencyDocument,
        ConsistencyStatus,
        check_on_chain,
    )

    first, second = args.first, args.second
    try:
        if first > second:
            raise _InputError(f"N ({first}) must not be larger than M ({second})")
        registries = _registries(args)
        raw = _from_api(args, first, second) if args.api else _from_file(args.proof)
        try:
            document = ConsistencyDocument.parse(json.loads(raw), first, second)
        except ValueError as exc:  # JSONDecodeError included
            raise _InputError(f"not a consistency proof: {exc}") from None
    except _InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if args.json:
            print(json.dumps({"error": "InputError", "detail": str(exc)}, indent=2))
        return 2
    from anchor_service.verifier.onchain import Web3ChainView  # imports web3: only here

    rpc_url: str = args.rpc or settings.rpc_url
    result = check_on_chain(
        Web3ChainView.connect(rpc_url), public_url(rpc_url), registries, first, second, document
    )
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        print(f"{result.status.value.upper()}: {result.reason}")
    return {
        ConsistencyStatus.VALID: EXIT_STATUS[Status.VALID],
        ConsistencyStatus.INVALID: EXIT_STATUS[Status.INVALID],
        ConsistencyStatus.UNVERIFIED: EXIT_STATUS[Status.UNVERIFIED],
    }[result.status]


def _registries(args: argparse.Namespace) -> list[tuple[int | None, str]]:
    if args.registry:
        address: str = args.registry
        if len(address) != 42 or not address.startswith("0x"):
            raise _InputError(f"--registry {address!r} is not a 0x address of 40 hex digits")
        try:
            bytes.fromhex(address[2:])
        except ValueError:
            raise _InputError(
                f"--registry {address!r} is not a 0x address of 40 hex digits"
            ) from None
        return [(None, address)]
    from anchor_service.tlog.errors import PolicyFileError
    from anchor_service.tlog.policy import parse_policy

    try:
        with open(args.policy, "rb") as handle:
            policy = parse_policy(handle.read())
    except OSError as exc:
        raise _InputError(f"cannot read {args.policy}: {exc.strerror or exc}") from None
    except PolicyFileError as exc:
        raise _InputError(f"{args.policy}: {exc}") from None
    if not policy.registries:
        raise _InputError(f"{args.policy} has no 'registry <chain-id> <address>' line")
    return [(registry.chain_id, _checksummed(registry.address)) for registry in policy.registries]


def _checksummed(address: bytes) -> str:
    from web3 import Web3

    return str(Web3.to_checksum_address(address))


def _from_file(name: str) -> bytes:
    try:
        return read_input(name)
    except UnreadableInputError as exc:
        raise _InputError(str(exc)) from None


def _from_api(args: argparse.Namespace, first: int, second: int) -> bytes:
    key: str | None = args.key or os.environ.get("ANCHOR_KEY")
    if not key:
        raise _InputError("--api needs an auditor API key: --key KEY, or ANCHOR_KEY")
    base: str = args.api.rstrip("/")
    if urllib.parse.urlsplit(base).scheme not in ("http", "https"):
        raise _InputError(f"--api {base!r} is not an http(s) URL")
    query = urllib.parse.urlencode({"first": first, "second": second})
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
        f"{base}/v1/log/consistency?{query}",
        headers={"Authorization": f"Bearer {key}", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=_API_TIMEOUT_SECONDS) as answer:  # noqa: S310 (http(s) checked)
            body: bytes = answer.read(_MAX_ANSWER_BYTES)
            return body
    except urllib.error.HTTPError as exc:
        detail = _api_detail(exc.read(_MAX_ANSWER_BYTES))
        raise _InputError(f"the API answered HTTP {exc.code}: {detail}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise _InputError(f"cannot reach the API at {base}: {reason}") from None


def _api_detail(body: bytes) -> str:
    try:
        document: Any = json.loads(body)
    except ValueError:
        return body[:200].decode("utf-8", "replace")
    if isinstance(document, dict) and "detail" in document:
        return f"{document.get('error')}: {document['detail']}"
    return json.dumps(document)[:200]
