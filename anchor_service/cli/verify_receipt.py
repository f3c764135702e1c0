"""``anchor-service verify-receipt RECEIPT --policy FILE``: check an entry receipt and its promise.

The receipt (the ``receipt`` of a ``POST /v1/entries`` answer: the note text, or the
whole JSON answer; or one item of a ``POST /v1/entries/bulk`` answer saved as JSON: its
range receipt, ``receipt_proof`` and ``leaf_hash``) must be signed by the policy's log
key, named as its origin; a range receipt's path must lead from the leaf to its root. Given a
later checkpoint and the proof of the leaf at the receipt's index (``--proof FILE``
[``--checkpoint FILE``], or fetched with ``--api URL``: the tiles, or with
``--external-id`` the entry's tlog-proof), the checkpoint must satisfy the policy, and
then the promise is judged (:mod:`anchor_service.tlog.promise`):

- ``kept``: the leaf is at the index, in a checkpoint a policy witness cosigned at or
  before ``merge-by`` (the cosignature timestamp is the proof of time);
- ``included``: the leaf is at the index; that this checkpoint existed by merge-by is
  not shown (no policy witness cosigned it by then);
- ``broken``: another leaf is proven at that index: the receipt and the checkpoint are
  both signed by the log and contradict each other; both are printed as evidence;
- ``not yet``: the checkpoint is too small to hold the index (``overdue`` past merge-by).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from anchor_service.cli.parsers import Subparsers, add_command, add_json_flag
from anchor_service.settings import Settings

if TYPE_CHECKING:
    from anchor_service.cli.receipt_sources import LeafAtIndex
    from anchor_service.tlog import Policy, RangeProof, VerifiedReceipt

__all__ = ["EXIT_BROKEN", "EXIT_INCONCLUSIVE", "EXIT_NOT_YET", "register"]

EXIT_BROKEN = 1
EXIT_USAGE = 2
EXIT_NOT_YET = 3
EXIT_INCONCLUSIVE = 4

_DESCRIPTION = """\
Check an entry receipt: its signature by the log key of your trust policy (a bulk
answer's range receipt: give the item, saved as JSON, whose receipt_proof places the
item's leaf under the signed root) and, with a later checkpoint and inclusion proof,
that the log kept its promise to have the leaf at that index in a signed checkpoint by
merge-by. A checkpoint counts as existing by
merge-by when a policy witness cosigned it by then (the cosignature's timestamp).

exit status:
  0  the receipt is valid; with a proof: the leaf is at its index (kept, or included)
  1  the receipt is not signed by the policy's log, or the promise is BROKEN: another
     leaf is proven at the index (the evidence is printed: index, both leaf hashes,
     both signed statements)
  2  unreadable receipt, policy, proof or options; API unreachable
  3  not yet: the checkpoint does not reach the index (says "overdue" past merge-by)
  4  inconclusive: the checkpoint is not trusted by the policy, or the proof does not
     lead to its root"""


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "verify-receipt",
        help="check an entry receipt and whether the log kept its promise",
        description=_DESCRIPTION,
        examples=[
            "anchor-service verify-receipt receipt.txt --policy auditor.policy",
            "anchor-service verify-receipt answer.json --policy auditor.policy "
            "--api https://anchor.example",
            "anchor-service verify-receipt bulk-item.json --policy auditor.policy "
            "--api https://anchor.example",
            "anchor-service verify-receipt receipt.txt --policy auditor.policy "
            "--api https://anchor.example --key $KEY --external-id pay-123",
            "anchor-service verify-receipt receipt.txt --policy auditor.policy "
            "--proof pay-123.tlog-proof --checkpoint checkpoint.txt --json",
        ],
        handler=run,
        needs_server=False,
    )
    parser.add_argument(
        "receipt",
        metavar="RECEIPT",
        help="the receipt note, or the JSON answer holding it (a bulk answer's item for a "
        "range receipt); - reads stdin",
    )
    parser.add_argument(
        "--policy", metavar="FILE", required=True, help="your trust policy (tlog-policy)"
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--api", metavar="URL", help="fetch the checkpoint and proof from the API")
    source.add_argument("--proof", metavar="FILE", help="a tlog-proof for the receipt's index")
    parser.add_argument(
        "--checkpoint", metavar="FILE", help="with --proof: a signed checkpoint to use instead"
    )
    parser.add_argument("--key", metavar="KEY", help="an API key for --api (default: $ANCHOR_KEY)")
    parser.add_argument(
        "--external-id",
        metavar="ID",
        help="with --api: fetch the entry's tlog-proof (auditor key) instead of the tiles",
    )
    add_json_flag(parser, "print the result as JSON")


def run(args: argparse.Namespace, _settings: Settings) -> int:
    from anchor_service.cli import receipt_sources as sources

    try:
        if args.checkpoint and not args.proof:
            raise sources._SourceError("--checkpoint goes with --proof")
        if args.external_id and not args.api:
            raise sources._SourceError("--external-id goes with --api")
        signed, leaf_hash, proof = _receipt_parts(sources.read_file(args.receipt), args.receipt)
        policy = _policy(sources.read_file(args.policy), args.policy)
    except sources._SourceError as exc:
        return _fail(args, EXIT_USAGE, "InputError", str(exc))
    from anchor_service.tlog import TlogError, verify_receipt

    try:
        verified = verify_receipt(policy, signed, leaf_hash=leaf_hash, proof=proof)
    except TlogError as exc:
        return _fail(args, EXIT_BROKEN, "InvalidReceipt", f"the receipt is not valid: {exc}")
    receipt = verified.receipt
    summary = _receipt_json(verified)
    if not (args.proof or args.api):
        return _done(
            args,
            0,
            "valid",
            "receipt signed by the policy's log; promise not checked (give --proof or --api)",
            summary,
        )
    try:
        if args.proof:
            found = sources.from_proof_file(args.proof, args.checkpoint)
        elif args.external_id:
            found = sources.from_api_proof(args.api, args.key, args.external_id)
        else:
            found = sources.from_tiles(args.api, args.key, receipt.index)
    except sources._SourceError as exc:
        return _fail(args, EXIT_USAGE, "InputError", str(exc))
    if found.index != receipt.index:
        return _fail(
            args,
            EXIT_USAGE,
            "InputError",
            f"the proof is for index {found.index}, the receipt for index {receipt.index}",
        )
    return _judge(args, verified, found, policy, summary)


def _judge(
    args: argparse.Namespace,
    verified: VerifiedReceipt,
    found: LeafAtIndex,
    policy: Policy,
    summary: dict[str, Any],
) -> int:
    from anchor_service.tlog import PromiseStatus, TlogError, check_promise, verify_checkpoint

    receipt = verified.receipt
    try:
        checkpoint = verify_checkpoint(policy, found.checkpoint)
    except TlogError as exc:
        return _fail(
            args,
            EXIT_INCONCLUSIVE,
            "UntrustedCheckpoint",
            f"the checkpoint from {found.source} is not trusted: {exc}",
        )
    existed_by = None
    if checkpoint.cosigners:
        existed_by = datetime.fromtimestamp(min(checkpoint.cosigners.values()), UTC)
    leaf = found.leaf_hash if found.leaf_hash is not None else receipt.leaf_hash
    try:
        result = check_promise(
            verified,
            checkpoint.checkpoint,
            found.checkpoint,
            leaf,
            found.proof,
            existed_by=existed_by,
            now=datetime.now(UTC),
        )
    except TlogError as exc:
        return _fail(
            args,
            EXIT_INCONCLUSIVE,
            "ProofMismatch",
            f"the proof from {found.source} does not verify: {exc}",
        )
    size = checkpoint.checkpoint.size
    summary["checkpoint"] = {
        "origin": checkpoint.log,
        "size": size,
        "cosigners": dict(checkpoint.cosigners),
        "source": found.source,
    }
    index = receipt.index
    if result.status is PromiseStatus.BROKEN and result.evidence is not None:
        evidence = result.evidence
        summary["evidence"] = {
            "index": evidence.index,
            "promised_leaf": evidence.promised_leaf.hex(),
            "proven_leaf": evidence.proven_leaf.hex(),
            "receipt": evidence.receipt.decode("utf-8"),
            "checkpoint": evidence.checkpoint.decode("utf-8"),
            "proof": [item.hex() for item in evidence.proof],
        }
        if evidence.receipt_proof is not None:
            summary["evidence"]["receipt_proof"] = {
                "index": evidence.receipt_proof.index,
                "path": [item.hex() for item in evidence.receipt_proof.path],
            }
        reason = (
            f"leaf {index} is {evidence.proven_leaf.hex()} in the checkpoint of tree size "
            f"{size}, not the promised {evidence.promised_leaf.hex()}: both are signed by "
            f"{checkpoint.log}"
        )
        return _done(args, EXIT_BROKEN, "broken", reason, summary)
    if result.status is PromiseStatus.NOT_YET:
        late = " and merge-by has passed: OVERDUE" if result.overdue else ""
        reason = f"the checkpoint (tree size {size}) does not reach index {index} yet{late}"
        summary["overdue"] = result.overdue
        return _done(args, EXIT_NOT_YET, "not-yet", reason, summary)
    if result.status is PromiseStatus.KEPT:
        assert existed_by is not None  # nosec B101
        from anchor_service.tlog import format_time

        reason = (
            f"leaf {index} is in the checkpoint of tree size {size}, cosigned at "
            f"{format_time(existed_by)}, by merge-by {format_time(receipt.merge_by)}"
        )
        return _done(args, 0, "kept", reason, summary)
    reason = (
        f"leaf {index} is in the checkpoint of tree size {size}; that it was signed by "
        "merge-by is not shown (no policy witness cosigned it by then)"
    )
    return _done(args, 0, "included", reason, summary)


def _receipt_parts(raw: bytes, name: str) -> tuple[bytes, bytes | None, RangeProof | None]:
    """The receipt note, and for a range receipt the entry's leaf hash and proof.

    The note is the file itself, or the ``receipt`` of a JSON answer; a bulk item also
    has ``receipt_proof`` (index, base64 path) and ``leaf_hash`` (hex).
    """
    from anchor_service.cli.receipt_sources import _SourceError
    from anchor_service.tlog import RANGE_RECEIPT_FORMAT

    if not raw.lstrip().startswith(b"{"):
        if raw.split(b"\n", 2)[1:2] == [RANGE_RECEIPT_FORMAT.encode()]:
            raise _SourceError(
                f"{name} is a range receipt: give the bulk answer's item saved as JSON "
                "(its receipt, receipt_proof and leaf_hash)"
            )
        return raw, None, None
    try:
        document = json.loads(raw)
    except ValueError as exc:
        raise _SourceError(f"{name} is not JSON: {exc}") from None
    if isinstance(document, dict) and isinstance(document.get("entries"), list):
        raise _SourceError(f"{name} is a whole bulk answer: save one item of its entries")
    receipt = document.get("receipt") if isinstance(document, dict) else None
    if not isinstance(receipt, str):
        raise _SourceError(f'{name} has no "receipt" string')
    assert isinstance(document, dict)  # nosec B101 (checked above)
    found = document.get("receipt_proof")
    if found is None:
        return receipt.encode("utf-8"), None, None
    leaf_hash, proof = _range_proof(found, document.get("leaf_hash"), name)
    return receipt.encode("utf-8"), leaf_hash, proof


def _range_proof(found: object, leaf: object, name: str) -> tuple[bytes, RangeProof]:
    from anchor_service.cli.receipt_sources import _SourceError
    from anchor_service.tlog import RangeProof
    from anchor_service.tlog.encoding import decode_base64

    index = found.get("index") if isinstance(found, dict) else None
    path = found.get("path") if isinstance(found, dict) else None
    if (
        not isinstance(index, int)
        or isinstance(index, bool)
        or not isinstance(path, list)
        or not all(isinstance(item, str) for item in path)
    ):
        raise _SourceError(f'{name}: "receipt_proof" is not {{"index": N, "path": [base64...]}}')
    try:
        hashes = tuple(decode_base64(item, canonical=True) for item in path)
    except ValueError as exc:
        raise _SourceError(f'{name}: "receipt_proof" path: {exc}') from None
    try:
        leaf_hash = bytes.fromhex(leaf if isinstance(leaf, str) else "")
    except ValueError:
        leaf_hash = b""
    if len(leaf_hash) != 32:
        raise _SourceError(f'{name}: a range receipt needs the item\'s "leaf_hash" (64 hex)')
    return leaf_hash, RangeProof(index, hashes)


def _policy(raw: bytes, name: str) -> Policy:
    from anchor_service.cli.receipt_sources import _SourceError
    from anchor_service.tlog import PolicyFileError, parse_policy

    try:
        return parse_policy(raw)
    except PolicyFileError as exc:
        raise _SourceError(f"{name}: {exc}") from None


def _receipt_json(verified: VerifiedReceipt) -> dict[str, Any]:
    from anchor_service.tlog import format_time

    receipt = verified.receipt
    return {
        "receipt": {
            "origin": receipt.origin,
            "index": receipt.index,
            "leaf": receipt.leaf_hash.hex(),
            "received": format_time(receipt.received),
            "merge_by": format_time(receipt.merge_by),
        }
    }


def _fail(args: argparse.Namespace, code: int, error: str, detail: str) -> int:
    print(f"error: {detail}", file=sys.stderr)
    if args.json:
        print(json.dumps({"error": error, "detail": detail}, indent=2))
    return code


def _done(
    args: argparse.Namespace, code: int, status: str, reason: str, summary: dict[str, Any]
) -> int:
    if args.json:
        print(json.dumps({"status": status, "reason": reason, **summary}, indent=2))
        return code
    receipt = summary["receipt"]
    print(f"receipt: {receipt['origin']} leaf {receipt['index']} = {receipt['leaf']}")
    print(f"  received {receipt['received']}, merge-by {receipt['merge_by']}")
    evidence = summary.get("evidence")
    if evidence is not None:
        print("EVIDENCE of a broken promise:")
        print(f"  index          {evidence['index']}")
        print(f"  promised leaf  {evidence['promised_leaf']}  (the receipt)")
        print(f"  proven leaf    {evidence['proven_leaf']}  (the checkpoint and proof)")
        print("  the receipt, signed by the log:")
        print("".join(f"    {line}\n" for line in evidence["receipt"].splitlines()), end="")
        print("  the checkpoint, signed by the log:")
        print("".join(f"    {line}\n" for line in evidence["checkpoint"].splitlines()), end="")
        print("  inclusion proof: " + " ".join(evidence["proof"]))
        if "receipt_proof" in evidence:
            path = " ".join(evidence["receipt_proof"]["path"])
            print(f"  the receipt's path to its signed root: {path}")
    print(f"{status.upper()}: {reason}")
    return code
