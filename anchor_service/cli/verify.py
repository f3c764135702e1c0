"""``anchor-service verify BUNDLE.json``: check a proof bundle against the chain alone.

Needs no database and no API: only a JSON-RPC node (``--rpc``, else ``ANCHOR_RPC_URL``),
or nothing at all with ``--offline`` (Merkle checks only). Exit status: 0 valid (also
valid-but-redacted), 1 invalid or not verifiable (e.g. chain unreachable), 2 usage error,
unreadable file or malformed bundle.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from anchor_service.cli.parsers import Subparsers, add_command, add_json_flag, non_negative_int
from anchor_service.settings import Settings
from anchor_service.verifier import (
    BundleFormatError,
    Outcome,
    ProofBundle,
    VerificationOut,
    VerificationReport,
    parse_bundle,
    verify_bundle,
)

__all__ = ["register", "render_report", "run_verify"]

_DESCRIPTION = """\
Verify a proof bundle (from GET /v1/entries/{external_id}/proof): the leaf hash is
recomputed from the document and salt, the root from the inclusion path; then the
registry on chain must hold that root at that tree size, and the anchor transaction must
be in the canonical chain with enough confirmations.

exit status: 0 valid, 1 invalid or not verifiable, 2 unreadable or malformed bundle."""

_MARKS = {Outcome.PASSED: "✔", Outcome.FAILED: "✘", Outcome.SKIPPED: "-", Outcome.ERROR: "!"}
_ASCII_MARKS = {
    Outcome.PASSED: "ok",
    Outcome.FAILED: "FAIL",
    Outcome.SKIPPED: "skip",
    Outcome.ERROR: "ERR",
}


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "verify",
        help="verify a proof bundle against the chain (no database needed)",
        description=_DESCRIPTION,
        examples=[
            "anchor-service verify tour-1.json",
            "anchor-service verify tour-1.json --rpc https://rpc.example --min-confirmations 12",
            "anchor-service verify tour-1.json --offline",
            'curl -s $API/v1/entries/tour-1/proof -H "Authorization: Bearer $KEY" |',
            "  anchor-service verify - --json",
        ],
        handler=run_verify,
        needs_server=False,
    )
    parser.add_argument("bundle", metavar="BUNDLE.json", help="the proof bundle; - reads stdin")
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--rpc", metavar="URL", help="JSON-RPC URL of a node (default: ANCHOR_RPC_URL)"
    )
    source.add_argument(
        "--offline", action="store_true", help="Merkle checks only; do not read the chain"
    )
    parser.add_argument(
        "--min-confirmations",
        type=non_negative_int,
        metavar="N",
        help="confirmations the anchor needs (default: ANCHOR_CONFIRMATIONS, 3)",
    )
    add_json_flag(parser, "print the report as JSON")


def run_verify(args: argparse.Namespace, settings: Settings) -> int:
    bundle = _read_bundle(args.bundle)
    if bundle is None:
        return 2
    minimum: int = (
        args.min_confirmations if args.min_confirmations is not None else settings.confirmations
    )
    if args.offline:
        report = verify_bundle(bundle, None, min_confirmations=minimum)
    else:
        from anchor_service.verifier.onchain import Web3ChainView  # imports web3: only here

        chain = Web3ChainView.connect(args.rpc or settings.rpc_url)
        report = verify_bundle(bundle, chain, min_confirmations=minimum)
    if args.json:
        dumped = VerificationOut.of(report).model_dump(mode="json")
        print(json.dumps(dumped, indent=2, ensure_ascii=False))
    else:
        print(render_report(report, bundle, ascii_only=not _can_print("✔✘", sys.stdout)))
    return 0 if report.valid else 1


def _read_bundle(name: str) -> ProofBundle | None:
    """The parsed bundle, or ``None`` after saying on stderr why it cannot be read."""
    try:
        if name == "-":
            raw = sys.stdin.buffer.read()
        else:
            with open(name, "rb") as handle:
                raw = handle.read()
    except OSError as exc:
        print(f"error: cannot read {name}: {exc.strerror or exc}", file=sys.stderr)
        return None
    try:
        return parse_bundle(raw)
    except BundleFormatError as exc:
        source = "stdin" if name == "-" else name
        print(f"error: {source} is not a valid proof bundle: {exc.detail}", file=sys.stderr)
        return None


def render_report(
    report: VerificationReport, bundle: ProofBundle, *, ascii_only: bool = False
) -> str:
    """The report as a table for people: one line per check, then the verdict."""
    marks = _ASCII_MARKS if ascii_only else _MARKS
    anchor = bundle.anchor
    lines = [
        f"proof bundle: leaf {bundle.leaf_index} of tree size {bundle.tree_size}, "
        f"anchor {anchor.seq} in registry {anchor.registry} on chain {anchor.chain_id}",
    ]
    mark_width = max(len(mark) for mark in marks.values())
    name_width = max(len(check.name) for check in report.checks)
    for check in report.checks:
        mark = marks[check.outcome]
        lines.append(f"  {mark:<{mark_width}}  {check.name:<{name_width}}  {check.reason}")
    lines.append(f"{report.status.value.upper()}: {report.verdict}")
    return "\n".join(lines)


def _can_print(text: str, stream: TextIO) -> bool:
    try:
        text.encode(stream.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True
