"""tlog-proof documents (c2sp.org/tlog-proof@v1) as verifier input.

``GET /v1/entries/{external_id}/proof?format=tlog-proof`` answers a C2SP proof: the
entry's index, its inclusion proof and the log's signed checkpoint (newest, cosigned
if any), which any C2SP tool can check. What a C2SP proof cannot say, the ``extra``
line carries, as the base64 of RFC 8785 (JCS) JSON:

- once an anchored head includes the entry: the entry's **JSON proof bundle**
  (:mod:`anchor_service.verifier.bundle`, version 1: the document with its salt, the
  leaf, the inclusion path to the *anchored* head, the statement hash and the EVM
  anchor reference), exactly as ``GET /v1/entries/{external_id}/proof`` answers it;
- before that: ``{"version": 1, "entry": {...}, "leaf": {"index": i, "hash": "<hex>"}}``
  (``"entry": null, "redacted": true`` once erased) — no anchor yet.

``extra`` is not authenticated: every value in it is checked. The checks a tlog-proof
adds to the bundle's (:mod:`anchor_service.verifier.checks`), run first:

1. ``tlog-proof extra``  the extra line reads as above, for the same index as the proof;
2. ``tlog-proof inclusion``  the C2SP inclusion proof leads from the leaf hash (the
   bundle's, itself checked against the document) at ``index`` to the checkpoint's root;
3. ``log signature``  with a trust root holding log keys (a policy): the checkpoint is
   signed by the policy's log (named as its origin) and cosigned by its quorum
   (``anchor_service.tlog.trust``); otherwise skipped.

Then the bundle's own checks (leaf hash, inclusion in the anchored head, its signed
checkpoint — the tlog-proof's own when it is of the anchored size —, pinned registry,
chain). A proof with no anchor yet has those skipped ("not anchored yet"): it is valid
when its checkpoint satisfies the policy, i.e. the entry is in the log's signed tree.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from anchor_service.ledger.jcs import canonical_json
from anchor_service.merkle import ProofError, RootMismatchError, check_inclusion, leaf_hash
from anchor_service.tlog import (
    PROOF_HEADER,
    Checkpoint,
    MalformedError,
    TlogError,
    TlogProof,
    parse_checkpoint,
    parse_proof,
    verify_checkpoint,
)
from anchor_service.verifier.bundle import ProofBundle, parse_bundle
from anchor_service.verifier.chainview import ChainView
from anchor_service.verifier.checks import CHAIN_CHECKS, LEAF_HASH, TRUST_CHECKS, verify_bundle
from anchor_service.verifier.errors import BundleFormatError
from anchor_service.verifier.report import CheckResult, Outcome, VerificationReport
from anchor_service.verifier.trust import TrustRoot

__all__ = [
    "LOG_SIGNATURE",
    "TLOG_EXTRA",
    "TLOG_INCLUSION",
    "TlogProofInput",
    "dump_extra",
    "is_tlog_proof",
    "read_tlog_proof",
    "verify_tlog_proof",
]

TLOG_EXTRA = "tlog-proof extra"
TLOG_INCLUSION = "tlog-proof inclusion"
LOG_SIGNATURE = "log signature"


def is_tlog_proof(raw: bytes) -> bool:
    """Whether ``raw`` starts with the tlog-proof header line (the CLI's format sniffing)."""
    return raw.startswith(PROOF_HEADER.encode() + b"\n")


def dump_extra(document: dict[str, Any]) -> bytes:
    """The ``extra`` bytes of a bundle (or pending) document: its RFC 8785 JSON."""
    return canonical_json(document)


@dataclass(frozen=True, slots=True)
class TlogProofInput:
    """A read tlog-proof: the proof, its checkpoint body, and what its extra line holds.

    ``bundle`` is the anchored proof bundle, or ``None`` before the entry is anchored
    (then ``entry``, ``leaf_hash`` and ``redacted`` come from the pending form).
    """

    proof: TlogProof
    checkpoint: Checkpoint
    entry: dict[str, Any] | None
    leaf_hash: bytes
    redacted: bool
    bundle: ProofBundle | None


def read_tlog_proof(raw: bytes) -> TlogProofInput:
    """Read a tlog-proof with this service's extra line; raise :class:`BundleFormatError`."""
    try:
        proof = parse_proof(raw)
        checkpoint = parse_checkpoint(_note_text(proof.checkpoint))
    except MalformedError as exc:
        raise BundleFormatError(f"not a valid tlog-proof: {exc.reason}") from None
    if proof.extra is None:
        raise BundleFormatError(
            "the tlog-proof has no extra line: the entry document is missing", "extra"
        )
    try:
        document = json.loads(proof.extra.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BundleFormatError(f"the extra line is not JSON: {exc}", "extra") from None
    if not isinstance(document, dict):
        raise BundleFormatError("the extra line must hold a JSON object", "extra")
    if "anchor" in document:
        bundle = parse_bundle(document)
        return TlogProofInput(
            proof, checkpoint, bundle.entry, bundle.leaf_hash, bundle.redacted, bundle
        )
    pending = parse_bundle(_as_bundle(document))
    return TlogProofInput(
        proof, checkpoint, pending.entry, pending.leaf_hash, pending.redacted, None
    )


def _note_text(note: bytes) -> str:
    """The text of a signed note (before its last blank line), unverified."""
    text, blank, _ = note.rpartition(b"\n\n")
    if not blank:
        raise BundleFormatError("the checkpoint is not a signed note")
    try:
        return text.decode("utf-8") + "\n"
    except UnicodeDecodeError:
        raise BundleFormatError("the checkpoint is not UTF-8") from None


def _as_bundle(document: dict[str, Any]) -> dict[str, Any]:
    """The pending form, completed with placeholder head fields so the bundle reader checks it."""
    allowed = {"version", "entry", "leaf", "redacted"}
    unknown = sorted(set(document) - allowed)
    if unknown:
        raise BundleFormatError("unknown field", f"extra.{unknown[0]}")
    zero = "00" * 32
    return {
        **document,
        "inclusion": {"tree_size": 1, "root": zero, "path": []},
        "statement_hash": zero,
        "anchor": {
            "chain_id": 1,
            "registry": "0x" + "00" * 20,
            "seq": 0,
            "tx_hash": "0x" + zero,
            "block_number": 0,
        },
    }


def verify_tlog_proof(
    read: TlogProofInput,
    chain: ChainView | None,
    *,
    min_confirmations: int,
    trust: TrustRoot | None = None,
) -> VerificationReport:
    """Every check of a tlog-proof (see the module docstring), then its bundle's.

    The proof is bound to the trust root when its checkpoint satisfies the trust root's
    policy (log key and witness quorum), or when its bundle is bound (see
    :func:`~anchor_service.verifier.checks.verify_bundle`).
    """
    signature = _check_signature(read, trust)
    checks = [_check_extra(read), _check_inclusion(read), signature]
    bundle = read.bundle
    if bundle is not None:
        if bundle.checkpoint is None and bundle.tree_size == read.checkpoint.size:
            note = read.proof.checkpoint.decode("utf-8", "replace")
            bundle = dataclasses.replace(bundle, checkpoint=note)
        report = verify_bundle(bundle, chain, min_confirmations=min_confirmations, trust=trust)
        return dataclasses.replace(
            report, checks=tuple(checks) + report.checks, bound=report.bound or signature.ok
        )
    checks.append(_check_pending_leaf(read))
    checks += [
        CheckResult(name, Outcome.SKIPPED, "not anchored yet: the proof holds no anchor")
        for name in (*TRUST_CHECKS, *CHAIN_CHECKS)
    ]
    return VerificationReport(
        tuple(checks),
        redacted=read.redacted,
        chain_checked=False,
        claim=f"log {read.checkpoint.origin}, not anchored yet",
        trust_root=None if trust is None else trust.describe(),
        bound=signature.ok,
        leaf_index=read.proof.index,
    )


def _check_extra(read: TlogProofInput) -> CheckResult:
    index = read.bundle.leaf_index if read.bundle is not None else None
    if index is not None and index != read.proof.index:
        return CheckResult(
            TLOG_EXTRA,
            Outcome.FAILED,
            f"the extra bundle is for leaf {index}, the proof for index {read.proof.index}",
        )
    what = "anchored proof bundle" if read.bundle is not None else "entry, not anchored yet"
    return CheckResult(TLOG_EXTRA, Outcome.PASSED, f"{what}, for index {read.proof.index}")


def _check_inclusion(read: TlogProofInput) -> CheckResult:
    size, root = read.checkpoint.size, read.checkpoint.root_hash
    try:
        check_inclusion(read.proof.index, size, read.leaf_hash, read.proof.hashes, root)
    except RootMismatchError as exc:
        return CheckResult(
            TLOG_INCLUSION,
            Outcome.FAILED,
            f"root mismatch: the proof leads to {exc.calculated.hex()}, not the checkpoint "
            f"root {root.hex()}",
        )
    except ProofError as exc:
        return CheckResult(TLOG_INCLUSION, Outcome.FAILED, f"the proof does not fit: {exc.reason}")
    return CheckResult(
        TLOG_INCLUSION,
        Outcome.PASSED,
        f"leaf {read.proof.index} is in the checkpoint of {read.checkpoint.origin} at tree "
        f"size {size}",
    )


def _check_signature(read: TlogProofInput, trust: TrustRoot | None) -> CheckResult:
    if trust is None or not trust.has_log_keys:
        return CheckResult(
            LOG_SIGNATURE, Outcome.SKIPPED, "no log key in the trust root: signature not checked"
        )
    try:
        verified = verify_checkpoint(trust.policy, read.proof.checkpoint)
    except TlogError as exc:
        return CheckResult(LOG_SIGNATURE, Outcome.FAILED, f"the checkpoint: {exc}")
    witnesses = ", ".join(sorted(verified.cosigners)) or "no witness"
    return CheckResult(
        LOG_SIGNATURE,
        Outcome.PASSED,
        f"signed by the policy's log {verified.log}, cosigned by {witnesses}",
    )


def _check_pending_leaf(read: TlogProofInput) -> CheckResult:
    name = LEAF_HASH
    if read.entry is None:
        return CheckResult(name, Outcome.SKIPPED, "redacted: document erased, leaf hash as given")
    try:
        calculated = leaf_hash(canonical_json(read.entry))
    except (ValueError, TypeError) as exc:
        return CheckResult(name, Outcome.FAILED, f"the entry cannot be serialised: {exc}")
    if calculated != read.leaf_hash:
        return CheckResult(
            name,
            Outcome.FAILED,
            f"SHA-256(0x00 || JCS(entry)) is {calculated.hex()}, not {read.leaf_hash.hex()}",
        )
    return CheckResult(name, Outcome.PASSED, "SHA-256(0x00 || JCS(entry)) = leaf.hash")
