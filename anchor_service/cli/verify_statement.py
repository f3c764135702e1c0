"""``anchor-service verify-statement PROOF.json``: check an account's line or history
against the statement hash anchored on chain, with the same trust rules as ``verify``.

Reads the files of ``GET /v1/batches/{seq}/accounts/{account}`` (a line) and
``.../entries`` (a complete history, or an absence proof); the checks are
:mod:`anchor_service.verifier.statement_checks`'. Needs no database and no API.
"""

from __future__ import annotations

import argparse
import sys

from anchor_service.cli import verify as base
from anchor_service.cli.input_files import UnreadableInputError, read_input
from anchor_service.cli.parsers import Subparsers, add_command, add_json_flag
from anchor_service.settings import Settings
from anchor_service.verifier import BundleFormatError, QuorumChainView, Status
from anchor_service.verifier.report import VerificationReport
from anchor_service.verifier.statement_checks import verify_statement_proof
from anchor_service.verifier.statement_proof import (
    LineProof,
    StatementProof,
    parse_statement_proof,
)

__all__ = ["register", "render_statement_report", "run_verify_statement"]

_DESCRIPTION = """\
Verify a statement proof against YOUR trust root (--policy FILE or --registry ADDRESS,
as for `verify`): an account's line (GET /v1/batches/{seq}/accounts/{account}) or its
complete history in the batch (GET /v1/batches/{seq}/accounts/{account}/entries; for an
account without entries, an absence proof).

The statement document in the file must hash (SHA-256 of its RFC 8785 bytes) to the
statement hash, and the line's Merkle-sum path must lead to the statement's accounts root
and sums (which equal its totals); or the account's entries, bracketed by the neighbouring
accounts in the account index, must lead to its account_index root, each entry hashing to
its leaf and included in the head. Then the nodes must agree that the pinned registry
anchored that head with that statement hash. A statement is bound only on chain:
--offline checks the Merkle proofs and exits 3 at best.

exit status:
  0  valid: bound to your trust root, every check passed
  1  invalid: a check failed (an amount changed, a line or an entry dropped or moved...)
  2  usage error, unreadable or malformed proof or policy
  3  not verified against a trust root (no --policy/--registry, or --offline)
  5  unverified: a node was unreachable, is not a node of that chain, or nodes disagree"""


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "verify-statement",
        help="verify an account's statement line or history against your trust root",
        description=_DESCRIPTION,
        examples=[
            "anchor-service verify-statement line.json --policy operator.policy",
            "anchor-service verify-statement history.json --registry "
            "0x5FbDB2315678afecb367f032d93F642f64180aa3 --rpc http://127.0.0.1:8545",
            'curl -s "$API/v1/batches/0/accounts/creator:7:payouts" -H "Authorization: '
            'Bearer $KEY" |',
            "  anchor-service verify-statement - --policy operator.policy --json",
        ],
        handler=run_verify_statement,
        needs_server=False,
    )
    parser.add_argument(
        "proof",
        metavar="PROOF.json",
        help="a line or history proof from the API; - reads stdin",
    )
    base.add_trust_options(parser)
    add_json_flag(parser, "print the report as JSON")


def run_verify_statement(args: argparse.Namespace, settings: Settings) -> int:
    usage = base.usage_error(args)
    if usage:
        print(f"error: {usage}", file=sys.stderr)
        return 2
    proof = _read_proof(args.proof)
    if proof is None:
        return 2
    policy = base.read_policy(args.policy) if args.policy else None
    if args.policy and policy is None:
        return 2
    minimum = base.min_confirmations(args, settings)
    chain = (
        None if args.offline else base.chain_view(args.rpc or [settings.rpc_url], args.rpc_quorum)
    )
    trust = base.trust_root(args, policy, chain, proof.head)
    report = verify_statement_proof(proof, chain, min_confirmations=minimum, trust=trust)
    base.print_report(
        args, report, lambda ascii_only: render_statement_report(report, proof, ascii_only)
    )
    if isinstance(chain, QuorumChainView):
        for note in chain.dissent:
            print(f"note: outvoted nodes on {note}", file=sys.stderr)
    return report.exit_status


def _read_proof(name: str) -> StatementProof | None:
    try:
        raw = read_input(name)
    except UnreadableInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    try:
        return parse_statement_proof(raw)
    except BundleFormatError as exc:
        source = "stdin" if name == "-" else name
        print(f"error: {source} is not a valid statement proof: {exc.detail}", file=sys.stderr)
        return None


def render_statement_report(
    report: VerificationReport, proof: StatementProof, ascii_only: bool = False
) -> str:
    """The report as a table: what is proved, the trust root, one line per check, verdict."""
    what = "line" if isinstance(proof, LineProof) else "history"
    anchor = proof.head.anchor
    lines = [
        f"statement proof: {what} of {proof.account} in batch "
        f"{proof.statement.get('batch_seq')} (tree size {proof.head.tree_size}), anchor "
        f"{anchor.seq} in registry {anchor.registry} on chain {anchor.chain_id}",
        f"trust root: {report.trust_root or 'none'}",
        *base.check_lines(report, ascii_only=ascii_only),
    ]
    if report.status is Status.UNPINNED and report.trust_root is None:
        lines.append(base.PIN_HINT)
    return "\n".join(lines)
