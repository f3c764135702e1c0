"""``anchor-service verify BUNDLE.json``: check a proof bundle against the auditor's trust root.

Needs no database and no API: a trust root (``--policy FILE`` or ``--registry ADDRESS``),
and one or more JSON-RPC nodes (``--rpc``, repeatable, else ``ANCHOR_RPC_URL``), or none
with ``--offline`` (then only a signed checkpoint in the bundle can bind it to the policy).
Exit status: see :data:`anchor_service.verifier.EXIT_STATUS` and ``_DESCRIPTION`` below.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from typing import TextIO

from anchor_service.cli.input_files import UnreadableInputError, read_input
from anchor_service.cli.parsers import (
    Subparsers,
    add_command,
    add_json_flag,
    non_negative_int,
    positive_int,
)
from anchor_service.settings import Settings
from anchor_service.tlog import Policy, TlogError, parse_policy
from anchor_service.verifier import (
    BundleFormatError,
    ChainReadError,
    ChainView,
    Outcome,
    ProofBundle,
    QuorumChainView,
    Status,
    TrustRoot,
    VerificationOut,
    VerificationReport,
    parse_bundle,
    verify_bundle,
)
from anchor_service.verifier.checks import AnchoredClaim
from anchor_service.verifier.tlog_proof import TlogProofInput, is_tlog_proof, read_tlog_proof

__all__ = [
    "NO_REGISTRY_HINT",
    "OFFLINE_HINT",
    "PIN_HINT",
    "add_trust_options",
    "chain_view",
    "check_lines",
    "exit_status",
    "min_confirmations",
    "print_report",
    "read_policy",
    "register",
    "render_report",
    "run_verify",
    "trust_root",
    "usage_error",
]

_DESCRIPTION = """\
Verify a proof bundle (from GET /v1/entries/{external_id}/proof) against YOUR trust root:
a trust policy file (--policy: C2SP tlog-policy log/witness/group/quorum lines plus
`registry <chain-id> <address>` lines) or one registry address (--registry). Keep your own
copy of the operator's published policy: one fetched at verification time proves nothing.

The leaf hash is recomputed from the document and salt, the root from the inclusion path;
a signed checkpoint in the bundle must carry a policy log's signature and the witness
quorum, and match that root; the registry the bundle names must be a pinned one; then
(unless --offline) the nodes must agree that this registry holds that root at that tree
size and that the anchor transaction is in the canonical chain with enough confirmations.

exit status:
  0  valid: bound to your trust root, every check passed
  1  invalid: a check failed (e.g. anchored in a registry you did not pin)
  2  usage error, unreadable or malformed bundle or policy
  3  not verified against a trust root: no --policy/--registry, or offline without a
     signed checkpoint the policy could check
  4  redacted: a leaf exists at that index; its content was erased (0 with --allow-redacted)
  5  unverified: a node was unreachable, is not a node of that chain, or nodes disagree"""

PIN_HINT = (
    "to verify it, pin a trust root from a source you trust (not from the bundle): "
    "--registry ADDRESS [--chain-id N], or --policy FILE with your own copy of the "
    "operator's published policy (see docs/trust-model.md)"
)

OFFLINE_HINT = (
    "to verify it, read the chain (--rpc URL) so the pinned registry is checked, or verify "
    "a bundle that carries a signed checkpoint your policy's log key can check"
)

NO_REGISTRY_HINT = (
    "to verify it, add the operator's `registry <chain-id> <address>` line to your policy "
    "(from your own copy of its published policy), or verify a bundle that carries a signed "
    "checkpoint your policy's log key can check"
)

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")

_MARKS = {Outcome.PASSED: "✔", Outcome.FAILED: "✘", Outcome.SKIPPED: "-", Outcome.ERROR: "!"}
_ASCII_MARKS = {
    Outcome.PASSED: "ok",
    Outcome.FAILED: "FAIL",
    Outcome.SKIPPED: "skip",
    Outcome.ERROR: "ERR",
}


def _address(text: str) -> str:
    if _ADDRESS.fullmatch(text) is None:
        raise argparse.ArgumentTypeError(f"not an address (0x and 40 hex digits): {text!r}")
    return text


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "verify",
        help="verify a proof bundle against your trust root (no database needed)",
        description=_DESCRIPTION,
        examples=[
            "anchor-service verify tour-1.json --policy operator.policy",
            "anchor-service verify tour-1.json --registry "
            "0x5FbDB2315678afecb367f032d93F642f64180aa3",
            "anchor-service verify tour-1.json --policy operator.policy --rpc-quorum 2 "
            "--rpc https://rpc-a.example --rpc https://rpc-b.example",
            "anchor-service verify tour-1.json --policy operator.policy --offline",
            'curl -s $API/v1/entries/tour-1/proof -H "Authorization: Bearer $KEY" |',
            "  anchor-service verify - --policy operator.policy --json",
        ],
        handler=run_verify,
        needs_server=False,
    )
    parser.add_argument(
        "bundle",
        metavar="BUNDLE.json",
        help="the proof bundle, or a tlog-proof (?format=tlog-proof); - reads stdin",
    )
    add_trust_options(parser)
    parser.add_argument(
        "--allow-redacted",
        action="store_true",
        help="exit 0, not 4, for a redacted bundle that is otherwise valid",
    )
    add_json_flag(parser, "print the report as JSON")


def add_trust_options(parser: argparse.ArgumentParser) -> None:
    """The trust root and chain options (``verify``, ``verify-statement``)."""
    root = parser.add_mutually_exclusive_group()
    root.add_argument(
        "--policy",
        metavar="FILE",
        help="your trust policy (tlog-policy lines plus `registry <chain-id> <address>`)",
    )
    root.add_argument(
        "--registry",
        metavar="ADDRESS",
        type=_address,
        help="pin this AnchorRegistry address (on the nodes' chain, or --chain-id)",
    )
    parser.add_argument(
        "--chain-id",
        type=positive_int,
        metavar="N",
        help="the chain of --registry (default: the chain the nodes serve)",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--rpc",
        metavar="URL",
        action="append",
        help="JSON-RPC URL of a node; repeat for several (default: ANCHOR_RPC_URL)",
    )
    source.add_argument(
        "--offline",
        action="store_true",
        help="do not read the chain: Merkle checks and the signed checkpoint only",
    )
    parser.add_argument(
        "--rpc-quorum",
        type=positive_int,
        metavar="K",
        help="nodes that must agree on every chain answer (default: all of them)",
    )
    parser.add_argument(
        "--min-confirmations",
        type=non_negative_int,
        metavar="N",
        help="confirmations the anchor needs (default: ANCHOR_CONFIRMATIONS, 3)",
    )


def run_verify(args: argparse.Namespace, settings: Settings) -> int:
    usage = usage_error(args)
    if usage:
        print(f"error: {usage}", file=sys.stderr)
        return 2
    bundle = _read_bundle(args.bundle)
    if bundle is None:
        return 2
    if isinstance(bundle, TlogProofInput):  # a c2sp.org/tlog-proof@v1 document
        from anchor_service.cli.verify_tlog_proof import run_tlog_proof

        return run_tlog_proof(args, settings, bundle)
    policy = read_policy(args.policy) if args.policy else None
    if args.policy and policy is None:
        return 2
    minimum = min_confirmations(args, settings)
    chain = None if args.offline else chain_view(args.rpc or [settings.rpc_url], args.rpc_quorum)
    trust = trust_root(args, policy, chain, bundle)
    report = verify_bundle(bundle, chain, min_confirmations=minimum, trust=trust)
    dissent = chain.dissent if isinstance(chain, QuorumChainView) else []
    print_report(
        args, report, lambda ascii_only: render_report(report, bundle, ascii_only=ascii_only)
    )
    for note in dissent:
        print(f"note: outvoted nodes on {note}", file=sys.stderr)
    return exit_status(args, report)


def min_confirmations(args: argparse.Namespace, settings: Settings) -> int:
    """``--min-confirmations``, else the configured confirmations."""
    minimum: int = (
        args.min_confirmations if args.min_confirmations is not None else settings.confirmations
    )
    return minimum


def print_report(
    args: argparse.Namespace, report: VerificationReport, render: Callable[[bool], str]
) -> None:
    """``report`` as JSON with ``--json``, else ``render(ascii_only)``'s table on stdout."""
    if args.json:
        dumped = VerificationOut.of(report).model_dump(mode="json")
        print(json.dumps(dumped, indent=2, ensure_ascii=False))
    else:
        print(render(not _can_print("✔✘", sys.stdout)))


def exit_status(args: argparse.Namespace, report: VerificationReport) -> int:
    """The report's exit status; 0 for a redacted entry under ``--allow-redacted``."""
    if report.status is Status.REDACTED and args.allow_redacted:
        return 0
    return report.exit_status


def usage_error(args: argparse.Namespace) -> str | None:
    if args.chain_id is not None and args.registry is None:
        return "--chain-id goes with --registry (a policy names its chains itself)"
    if args.registry and args.offline and args.chain_id is None:
        return "--registry with --offline needs --chain-id (there is no node to ask)"
    nodes = len(args.rpc or ()) or 1
    if args.rpc_quorum is not None and args.rpc_quorum > nodes:
        return f"--rpc-quorum {args.rpc_quorum} is more than the {nodes} node(s) given"
    return None


def chain_view(urls: list[str], quorum: int | None) -> ChainView:
    from anchor_service.verifier.onchain import Web3ChainView  # imports web3: only here

    views = [Web3ChainView.connect(url) for url in urls]
    if len(views) == 1:
        return views[0]
    return QuorumChainView([(view.node, view) for view in views], quorum)


def trust_root(
    args: argparse.Namespace, policy: Policy | None, chain: ChainView | None, bundle: AnchoredClaim
) -> TrustRoot | None:
    if policy is not None:
        return TrustRoot.from_policy(policy, f"policy {args.policy}")
    if args.registry is None:
        return None
    if args.chain_id is not None or chain is None:  # offline needs --chain-id (usage)
        chain_id = args.chain_id if args.chain_id is not None else bundle.anchor.chain_id
        return TrustRoot.for_registry(chain_id, args.registry, "--registry")
    try:
        chain_id = chain.chain_id()
    except ChainReadError:
        # The chain checks will say the node cannot be read: the report is unverified.
        chain_id = bundle.anchor.chain_id
        return TrustRoot.for_registry(chain_id, args.registry, "--registry; chain not read")
    return TrustRoot.for_registry(chain_id, args.registry, "--registry, the nodes' chain")


def read_policy(name: str) -> Policy | None:
    """The parsed policy, or ``None`` after saying on stderr why it cannot be used."""
    try:
        with open(name, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        print(f"error: cannot read policy {name}: {exc.strerror or exc}", file=sys.stderr)
        return None
    try:
        return parse_policy(raw)
    except TlogError as exc:
        print(f"error: {name} is not a valid trust policy: {exc}", file=sys.stderr)
        return None


def _read_bundle(name: str) -> ProofBundle | TlogProofInput | None:
    """The parsed bundle, or ``None`` after saying on stderr why it cannot be read."""
    try:
        raw = read_input(name)
    except UnreadableInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    try:
        return read_tlog_proof(raw) if is_tlog_proof(raw) else parse_bundle(raw)
    except BundleFormatError as exc:
        source = "stdin" if name == "-" else name
        print(f"error: {source} is not a valid proof bundle: {exc.detail}", file=sys.stderr)
        return None


def render_report(
    report: VerificationReport, bundle: ProofBundle, *, ascii_only: bool = False
) -> str:
    """The report as a table for people: one line per check, then the verdict."""
    anchor = bundle.anchor
    lines = [
        f"proof bundle: leaf {bundle.leaf_index} of tree size {bundle.tree_size}, "
        f"anchor {anchor.seq} in registry {anchor.registry} on chain {anchor.chain_id}",
        f"trust root: {report.trust_root or 'none'}",
        *check_lines(report, ascii_only=ascii_only),
    ]
    if report.status is Status.UNPINNED:
        if report.trust_root is None:
            lines.append(PIN_HINT)
        else:
            lines.append(OFFLINE_HINT if not report.chain_checked else NO_REGISTRY_HINT)
    return "\n".join(lines)


def check_lines(report: VerificationReport, *, ascii_only: bool) -> list[str]:
    """One line per check (mark, name, reason), then the verdict."""
    marks = _ASCII_MARKS if ascii_only else _MARKS
    mark_width = max(len(mark) for mark in marks.values())
    name_width = max(len(check.name) for check in report.checks)
    lines = [
        f"  {marks[check.outcome]:<{mark_width}}  {check.name:<{name_width}}  {check.reason}"
        for check in report.checks
    ]
    lines.append(f"{report.status.value.upper()}: {report.verdict}")
    return lines


def _can_print(text: str, stream: TextIO) -> bool:
    try:
        text.encode(stream.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True
