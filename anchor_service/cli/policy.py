"""``anchor-service policy export``: the operator's trust policy (c2sp.org/tlog-policy)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from anchor_service.cli.parsers import Subparsers, add_command
from anchor_service.settings import Settings

__all__ = ["policy_text", "register"]


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "policy",
        help="the trust policy auditors verify this log with",
        description=(
            "A C2SP trust policy (c2sp.org/tlog-policy) names the log's key, the witnesses\n"
            "and their quorum, plus this project's `registry <chain-id> <address>` lines."
        ),
        examples=["anchor-service policy export > anchor-policy.txt"],
    )
    commands = parser.add_subparsers(title="policy commands", metavar="COMMAND", required=True)
    export = add_command(
        commands,
        "export",
        help="print this operator's trust policy (log key, witnesses, quorum, registry)",
        description=(
            "Print the trust policy of this deployment on stdout:\n"
            "  log <verifier key> [URL]         the configured log key (ANCHOR_LOG_KEY_PATH /\n"
            "                                   ANCHOR_LOG_KEY); URL: --url\n"
            "  witness / group lines            from the witness policy file, if configured\n"
            "  registry <chain-id> <address>    ANCHOR_CHAIN_ID and ANCHOR_REGISTRY_ADDRESS (or\n"
            "                                   the deployment file)\n"
            "  quorum ...                       the witness policy's, else `none`\n"
            "Publish it (your website, your documentation); auditors keep their own copy\n"
            "and verify with it (`anchor-service verify-consistency --policy FILE`)."
        ),
        examples=[
            "anchor-service policy export > anchor-policy.txt",
            "anchor-service policy export --url https://ledger.example.co.id/tlog",
        ],
        handler=run_export,
        database="none",
    )
    export.add_argument(
        "--url",
        help="the log's public tlog-tiles prefix (where /checkpoint is served), "
        "added to the log line",
    )
    export.add_argument(
        "--no-registry",
        action="store_true",
        help="leave the registry line out (a policy for plain C2SP tools)",
    )


def policy_text(
    settings: Settings, *, url: str | None = None, registry: bool = True
) -> tuple[str, list[str]]:
    """The policy text of ``settings`` (checked by parsing it back) and notes for stderr."""
    from anchor_service.chain.errors import ChainError
    from anchor_service.errors import AnchorServiceError
    from anchor_service.services.anchoring.chain_context import registry_address_from
    from anchor_service.services.log_identity import load_log_identity
    from anchor_service.tlog import parse_policy

    notes: list[str] = []
    identity = load_log_identity(settings)
    lines = [" ".join(["log", identity.verifier_key, *([url] if url else [])])]
    quorum = "none"
    witness_file: Path | None = getattr(settings, "witness_policy", None)
    if witness_file is not None:
        try:
            data = Path(witness_file).read_bytes()
        except OSError as exc:
            raise AnchorServiceError(
                f"cannot read the witness policy {witness_file}: {exc.strerror}"
            ) from None
        witnesses = parse_policy(data)
        lines += [" ".join(["witness", w.name, w.vkey, *_url(w.url)]) for w in witnesses.witnesses]
        lines += [
            " ".join(["group", g.name, str(g.threshold), *g.members]) for g in witnesses.groups
        ]
        quorum = witnesses.quorum
    else:
        notes.append("no witness policy configured: quorum none (no cosignature required)")
    if registry:
        try:
            address = registry_address_from(settings)
        except ChainError as exc:
            notes.append(f"no registry line: {exc}")
        else:
            lines.append(f"registry {settings.chain_id} {address}")
    lines.append(f"quorum {quorum}")
    text = "".join(line + "\n" for line in lines)
    parse_policy(text)  # what auditors will parse: refuse to print a policy they cannot
    return text, notes


def _url(url: str | None) -> list[str]:
    return [] if url is None else [url]


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    from anchor_service.errors import AnchorServiceError
    from anchor_service.tlog import TlogError

    try:
        text, notes = policy_text(settings, url=args.url, registry=not args.no_registry)
    except TlogError as exc:
        raise AnchorServiceError(f"cannot export the policy: {exc}") from exc
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    sys.stdout.write(text)
    return 0
