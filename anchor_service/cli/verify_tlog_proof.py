"""``anchor-service verify`` given a tlog-proof (its first line is ``c2sp.org/tlog-proof@v1``).

``verify`` (:mod:`anchor_service.cli.verify`) reads the file and hands a tlog-proof here:
the same options, trust roots, nodes and exit statuses as for a JSON bundle; the checks
are :func:`anchor_service.verifier.tlog_proof.verify_tlog_proof`'s (the tlog-proof's own,
then those of the bundle its ``extra`` line carries).
"""

from __future__ import annotations

import argparse

from anchor_service.settings import Settings
from anchor_service.verifier import Status, VerificationReport
from anchor_service.verifier.tlog_proof import TlogProofInput, verify_tlog_proof
from anchor_service.verifier.trust import TrustRoot

__all__ = ["render_tlog_report", "run_tlog_proof"]


def run_tlog_proof(args: argparse.Namespace, settings: Settings, read: TlogProofInput) -> int:
    """Verify ``read`` as ``anchor-service verify`` verifies a bundle; the exit status."""
    from anchor_service.cli import verify as base  # the bundle path's own helpers

    policy = base.read_policy(args.policy) if args.policy else None
    if args.policy and policy is None:
        return 2
    minimum = base.min_confirmations(args, settings)
    offline = args.offline or read.bundle is None  # no anchor: nothing to read on chain
    chain = None if offline else base.chain_view(args.rpc or [settings.rpc_url], args.rpc_quorum)
    trust: TrustRoot | None = None
    if read.bundle is not None:
        trust = base.trust_root(args, policy, chain, read.bundle)
    elif policy is not None:
        trust = TrustRoot.from_policy(policy, f"policy {args.policy}")
    report = verify_tlog_proof(read, chain, min_confirmations=minimum, trust=trust)
    base.print_report(
        args, report, lambda ascii_only: render_tlog_report(report, read, ascii_only=ascii_only)
    )
    return base.exit_status(args, report)


def render_tlog_report(
    report: VerificationReport, read: TlogProofInput, *, ascii_only: bool = False
) -> str:
    """The report as a table for people, headed by what the tlog-proof says."""
    from anchor_service.cli import verify as base

    checkpoint = read.checkpoint
    bundle = read.bundle
    anchored = (
        "not anchored yet"
        if bundle is None
        else f"anchored at tree size {bundle.tree_size}: anchor {bundle.anchor.seq} in registry "
        f"{bundle.anchor.registry} on chain {bundle.anchor.chain_id}"
    )
    lines = [
        f"tlog-proof: leaf {read.proof.index} in the checkpoint of {checkpoint.origin} at tree "
        f"size {checkpoint.size}; {anchored}",
        f"trust root: {report.trust_root or 'none'}",
        *base.check_lines(report, ascii_only=ascii_only),
    ]
    if report.status is Status.UNPINNED:
        lines.append(base.PIN_HINT if report.trust_root is None else base.OFFLINE_HINT)
    return "\n".join(lines)
