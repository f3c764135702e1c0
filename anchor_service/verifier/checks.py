"""Verifying a proof bundle: every check, in the order it runs. Read this file to know
what "valid" means.

Without the chain (Merkle checks, pure):

1. ``bundle format``  the bundle was read by :func:`~anchor_service.verifier.bundle.parse_bundle`
   (a malformed one never gets here: it raises ``BundleFormatError``).
2. ``leaf hash``      SHA-256(0x00 || JCS(entry)) equals ``leaf.hash``: the document and
   salt are the ones logged. Skipped for a redacted bundle (leaf hash taken as given).
3. ``inclusion``      the path leads from ``leaf.hash`` at ``leaf.index`` to
   ``inclusion.root`` in a tree of ``tree_size`` leaves (RFC 9162 §2.1.3.2).

Against the auditor's trust root (:class:`~anchor_service.verifier.trust.TrustRoot`;
skipped when there is none, and the report is then "unpinned", never "valid"):

a. ``signed checkpoint``  the bundle's ``checkpoint`` note is signed by a log of the policy
   (origin = its key name) and cosigned by witnesses meeting the policy's quorum
   (``anchor_service.tlog.verify_checkpoint``), and its tree size and root are the
   bundle's ``inclusion.tree_size`` and ``inclusion.root``, so the inclusion proof is
   against that checkpoint. Skipped when the bundle has no checkpoint or the trust root
   no log key.
b. ``pinned registry``    the registry and chain the bundle names are pinned ones; a bundle
   anchored in any other registry fails, naming the claimed and the pinned registries.
   Skipped when the trust root pins no registry.

With the chain (skipped offline):

4. ``chain id``       the node serves the chain the bundle names (if not, the node is not
   one to ask: an error, not a failure, and 5-8 are skipped).
5. ``registry holds root at tree_size``  there is a contract at ``anchor.registry`` and
   the root it anchored at ``tree_size`` is ``inclusion.root`` (AnchorRegistryV2: from
   its ``HeadAnchored`` events; a v1 AnchorRegistry: ``rootAt(tree_size)``).
6. ``anchor record``  its anchor ``seq`` (v2: the event; v1: ``anchorAt(seq)``) holds
   the same tree size, root, statement hash and block number.
7. ``anchor transaction``  ``tx_hash`` is mined and succeeded, was sent to the registry,
   emitted ``HeadAnchored`` with the same seq, tree size, root and statement hash, in
   block ``block_number``, and that block is on the current (canonical) chain.
8. ``confirmations``  blocks from that block to the head, inclusive, are at least
   ``min_confirmations``.

Every check runs even after another fails, so the report shows everything that is wrong.
If the node cannot be reached, the check that tried is an ``error`` and the rest are
skipped: the report is then "unverified", never "valid".

The bundle is *bound* to the trust root when check a passed, or check b passed and the
chain checks 4-8 ran (they read the registry the bundle names, now known to be pinned).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from anchor_service.ledger.jcs import canonical_json
from anchor_service.merkle import ProofError, RootMismatchError, check_inclusion, leaf_hash
from anchor_service.tlog import TlogError, verify_checkpoint
from anchor_service.verifier.bundle import AnchorRef, ProofBundle
from anchor_service.verifier.chainview import AnchorReceipt, ChainReadError, ChainView
from anchor_service.verifier.report import CheckResult, Outcome, VerificationReport
from anchor_service.verifier.trust import TrustRoot
from anchor_service.wording import counted

__all__ = [
    "ANCHOR_RECORD",
    "ANCHOR_TRANSACTION",
    "BUNDLE_FORMAT",
    "CHAIN_CHECKS",
    "CHAIN_ID",
    "CHECKPOINT",
    "CONFIRMATIONS",
    "INCLUSION",
    "LEAF_HASH",
    "PINNED_REGISTRY",
    "REGISTRY_ROOT",
    "TRUST_CHECKS",
    "AnchoredClaim",
    "verify_bundle",
]

BUNDLE_FORMAT = "bundle format"
LEAF_HASH = "leaf hash"
INCLUSION = "inclusion"
CHECKPOINT = "signed checkpoint"
PINNED_REGISTRY = "pinned registry"
TRUST_CHECKS = (CHECKPOINT, PINNED_REGISTRY)
CHAIN_ID = "chain id"
REGISTRY_ROOT = "registry holds root at tree_size"
ANCHOR_RECORD = "anchor record"
ANCHOR_TRANSACTION = "anchor transaction"
CONFIRMATIONS = "confirmations"
CHAIN_CHECKS = (CHAIN_ID, REGISTRY_ROOT, ANCHOR_RECORD, ANCHOR_TRANSACTION, CONFIRMATIONS)


class AnchoredClaim(Protocol):
    """What the trust and chain checks read: a tree head, its statement hash and where it
    says it was anchored (a :class:`ProofBundle`, or a statement proof's head)."""

    @property
    def tree_size(self) -> int: ...

    @property
    def root(self) -> bytes: ...

    @property
    def statement_hash(self) -> bytes: ...

    @property
    def anchor(self) -> AnchorRef: ...


_OFFLINE = [
    CheckResult(name, Outcome.SKIPPED, "offline: the chain was not read") for name in CHAIN_CHECKS
]


def verify_bundle(
    bundle: ProofBundle,
    chain: ChainView | None,
    *,
    min_confirmations: int,
    trust: TrustRoot | None = None,
) -> VerificationReport:
    """Run every check on ``bundle``: against ``trust`` when given (without one the report
    is at best "unpinned"), the chain checks only when ``chain`` is given."""
    checks = [check_format(bundle), check_leaf_hash(bundle), check_inclusion_path(bundle)]
    if trust is None:
        checks += [
            _skipped(name, "no trust root: nothing pinned to check against")
            for name in TRUST_CHECKS
        ]
    else:
        checks += [check_checkpoint(bundle, trust), check_pinned_registry(bundle, trust)]
    if chain is None:
        checks += _OFFLINE
    else:
        checks += check_on_chain(bundle, chain, min_confirmations)
    by_name = {check.name: check for check in checks}
    bound = by_name[CHECKPOINT].ok or (by_name[PINNED_REGISTRY].ok and chain is not None)
    record = bundle.redaction_record
    if chain is None:
        unbound = (
            "the chain was not read and the bundle carries no signed checkpoint the "
            "trust root could check"
        )
    else:
        unbound = (
            "the trust root pins no registry and the bundle carries no signed "
            "checkpoint its log keys could check"
        )
    return VerificationReport(
        tuple(checks),
        redacted=bundle.redacted,
        chain_checked=chain is not None,
        claim=f"registry {bundle.anchor.registry} on chain {bundle.anchor.chain_id}",
        trust_root=None if trust is None else trust.describe(),
        bound=trust is not None and bound,
        leaf_index=bundle.leaf_index,
        redaction_record=None
        if record is None
        else f"leaf {record.index} (hash {record.leaf_hash.hex()})",
        unbound_reason=unbound,
    )


def check_format(bundle: ProofBundle) -> CheckResult:
    document = "redacted (entry erased)" if bundle.redacted else "entry with salt"
    return _passed(
        BUNDLE_FORMAT,
        f"version {bundle.version}, {document}, leaf {bundle.leaf_index} of tree size "
        f"{bundle.tree_size}, {_path_hashes(bundle)}, anchor {bundle.anchor.seq} on "
        f"chain {bundle.anchor.chain_id}",
    )


def _path_hashes(bundle: ProofBundle) -> str:
    return counted(len(bundle.path), "path hash", "path hashes")


def check_leaf_hash(bundle: ProofBundle) -> CheckResult:
    if bundle.entry is None:
        return _skipped(LEAF_HASH, "redacted: document erased, leaf hash taken as given")
    try:
        leaf = canonical_json(bundle.entry)
    except (ValueError, TypeError) as exc:  # e.g. a lone surrogate, an integer over 2^53
        return _failed(LEAF_HASH, f"the entry cannot be serialised with RFC 8785 (JCS): {exc}")
    calculated = leaf_hash(leaf)
    if calculated != bundle.leaf_hash:
        return _failed(
            LEAF_HASH,
            f"SHA-256(0x00 || JCS(entry)) is {calculated.hex()}, not leaf.hash "
            f"{bundle.leaf_hash.hex()}: the document or its salt is not the one logged",
        )
    return _passed(LEAF_HASH, f"SHA-256(0x00 || JCS(entry)) over {len(leaf)} bytes = leaf.hash")


def check_inclusion_path(bundle: ProofBundle) -> CheckResult:
    try:
        check_inclusion(
            bundle.leaf_index, bundle.tree_size, bundle.leaf_hash, bundle.path, bundle.root
        )
    except RootMismatchError as exc:
        return _failed(
            INCLUSION,
            f"root mismatch: the path leads to {exc.calculated.hex()}, not inclusion.root "
            f"{exc.expected.hex()}",
        )
    except ProofError as exc:
        return _failed(INCLUSION, f"the path does not fit: {exc.reason}")
    return _passed(
        INCLUSION,
        f"{_path_hashes(bundle)} lead{'s' if len(bundle.path) == 1 else ''} from leaf "
        f"{bundle.leaf_index} to inclusion.root at tree size {bundle.tree_size}",
    )


def check_checkpoint(bundle: ProofBundle, trust: TrustRoot) -> CheckResult:
    """Check a: the signed checkpoint against the policy, and the bundle against it."""
    if bundle.checkpoint is None:
        return _skipped(CHECKPOINT, "the bundle carries no signed checkpoint")
    if not trust.has_log_keys:
        return _skipped(CHECKPOINT, "the trust root has no log key: the signature is not checked")
    try:
        note = bundle.checkpoint.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: JSON can carry one, a note cannot
        return _failed(CHECKPOINT, "the checkpoint is not UTF-8 text")
    try:
        verified = verify_checkpoint(trust.policy, note)
    except TlogError as exc:
        return _failed(CHECKPOINT, f"the checkpoint does not satisfy the trust policy: {exc}")
    checkpoint = verified.checkpoint
    differences = _differences(
        [
            ("tree size", checkpoint.size, bundle.tree_size),
            ("root", checkpoint.root_hash, bundle.root),
        ]
    )
    if differences:
        return _failed(
            CHECKPOINT,
            f"the signed checkpoint is not the tree of the inclusion proof: {differences}",
        )
    cosigned = ", ".join(sorted(verified.cosigners)) or "no witness"
    return _passed(
        CHECKPOINT,
        f"signed by log {verified.log}, cosigned by {cosigned} (quorum "
        f"{trust.policy.quorum} met); tree size {checkpoint.size} and root = inclusion.root",
    )


def check_pinned_registry(bundle: AnchoredClaim, trust: TrustRoot) -> CheckResult:
    """Check b: the registry the bundle names is one the auditor pinned."""
    anchor = bundle.anchor
    if not trust.registries:
        return _skipped(PINNED_REGISTRY, "the trust root pins no registry")
    if not trust.pins(anchor.chain_id, anchor.registry):
        return _failed(
            PINNED_REGISTRY,
            f"the bundle claims registry {anchor.registry} on chain {anchor.chain_id}, but "
            f"the trust root pins {trust.pinned_registries}",
        )
    return _passed(
        PINNED_REGISTRY,
        f"registry {anchor.registry} on chain {anchor.chain_id} is pinned ({trust.source})",
    )


def check_on_chain(
    bundle: AnchoredClaim, chain: ChainView, min_confirmations: int
) -> list[CheckResult]:
    """Checks 4-8. A read that fails ends them: that check says why, the rest are skipped."""
    results: list[CheckResult] = []
    try:
        results.append(check_chain_id(bundle, chain))
        if not results[-1].ok:
            return results + [
                _skipped(name, "not checked: the node serves another chain")
                for name in CHAIN_CHECKS[1:]
            ]
        has_registry = chain.is_contract(bundle.anchor.registry)
        results.append(check_registry_root(bundle, chain, has_registry))
        results.append(check_anchor_record(bundle, chain, has_registry))
        transaction, receipt, canonical = check_anchor_transaction(bundle, chain)
        results.append(transaction)
        results.append(check_confirmations(receipt, canonical, chain, min_confirmations))
    except ChainReadError as exc:
        done = len(results)
        failing = CHAIN_CHECKS[done]
        # A read that failed says nothing about the bundle (a wrong URL, a node that is
        # down or answers garbage): the check could not be run, the bundle is unverified.
        what = "chain unreachable" if exc.unreachable else "chain read failed"
        results.append(CheckResult(failing, Outcome.ERROR, f"{what}: {exc}"))
        results += [
            _skipped(name, f"not checked: the chain read for {failing} failed")
            for name in CHAIN_CHECKS[done + 1 :]
        ]
    return results


def check_chain_id(bundle: AnchoredClaim, chain: ChainView) -> CheckResult:
    actual = chain.chain_id()
    if actual != bundle.anchor.chain_id:
        # Not the bundle's fault: this node cannot answer for the chain it names.
        return CheckResult(
            CHAIN_ID,
            Outcome.ERROR,
            f"not a node of chain {bundle.anchor.chain_id}: the bundle names chain "
            f"{bundle.anchor.chain_id} but the node serves chain {actual}",
        )
    return _passed(CHAIN_ID, f"the node serves chain {actual}")


def check_registry_root(bundle: AnchoredClaim, chain: ChainView, has_registry: bool) -> CheckResult:
    registry, size = bundle.anchor.registry, bundle.tree_size
    if not has_registry:
        return _failed(
            REGISTRY_ROOT, f"no contract at {registry} on chain {bundle.anchor.chain_id}"
        )
    stored = chain.root_at(registry, size)
    if stored is None:
        return _failed(REGISTRY_ROOT, f"the registry has no head of tree size {size}")
    if stored != bundle.root:
        return _failed(
            REGISTRY_ROOT,
            f"the registry's root at tree size {size} is {stored.hex()}, not inclusion.root "
            f"{bundle.root.hex()}",
        )
    return _passed(REGISTRY_ROOT, f"rootAt({size}) = inclusion.root")


def check_anchor_record(bundle: AnchoredClaim, chain: ChainView, has_registry: bool) -> CheckResult:
    seq = bundle.anchor.seq
    if not has_registry:
        return _skipped(ANCHOR_RECORD, "not checked: no registry contract at that address")
    record = chain.anchor_at(bundle.anchor.registry, seq)
    if record is None:
        return _failed(ANCHOR_RECORD, f"the registry has no anchor number {seq}")
    differences = _differences(
        [
            ("tree size", record.tree_size, bundle.tree_size),
            ("root", record.root, bundle.root),
            ("statement hash", record.statement_hash, bundle.statement_hash),
            ("block number", record.block_number, bundle.anchor.block_number),
        ]
    )
    if differences:
        return _failed(ANCHOR_RECORD, f"anchorAt({seq}) differs from the bundle: {differences}")
    return _passed(
        ANCHOR_RECORD,
        f"anchorAt({seq}) stores tree size {record.tree_size}, the root, the statement hash "
        f"and block {record.block_number}",
    )


def check_anchor_transaction(
    bundle: AnchoredClaim, chain: ChainView
) -> tuple[CheckResult, AnchorReceipt | None, bool]:
    """The check, the receipt (``None`` if not mined) and whether its block is canonical."""
    anchor = bundle.anchor
    tx = "0x" + anchor.tx_hash.hex()
    receipt = chain.receipt(anchor.tx_hash, anchor.registry)
    if receipt is None:
        reason = f"transaction {tx} is not on the chain (never mined, or removed by a reorg)"
        return _failed(ANCHOR_TRANSACTION, reason), None, False
    problems: list[str] = []
    if not receipt.succeeded:
        problems.append("it reverted")
    if receipt.to is None or receipt.to.lower() != anchor.registry.lower():
        problems.append(f"it was sent to {receipt.to or 'no address'}, not the registry")
    event = receipt.head_anchored
    if event is None:
        problems.append("the registry emitted no HeadAnchored event in it")
    else:
        differences = _differences(
            [
                ("seq", event.seq, anchor.seq),
                ("tree size", event.tree_size, bundle.tree_size),
                ("root", event.root, bundle.root),
                ("statement hash", event.statement_hash, bundle.statement_hash),
            ]
        )
        if differences:
            problems.append(f"its HeadAnchored event differs from the bundle: {differences}")
    if receipt.block_number != anchor.block_number:
        problems.append(
            f"it was mined in block {receipt.block_number}, the bundle says {anchor.block_number}"
        )
    canonical = chain.block_hash_at(receipt.block_number) == receipt.block_hash
    if not canonical:
        problems.append(f"block {receipt.block_number} is no longer on the canonical chain")
    if problems:
        result = _failed(ANCHOR_TRANSACTION, f"transaction {tx}: " + "; ".join(problems))
    else:
        result = _passed(
            ANCHOR_TRANSACTION,
            f"{tx} succeeded in canonical block {receipt.block_number} and emitted "
            f"HeadAnchored(seq {anchor.seq}, tree size {bundle.tree_size}) from the registry",
        )
    return result, receipt, canonical


def check_confirmations(
    receipt: AnchorReceipt | None, canonical: bool, chain: ChainView, minimum: int
) -> CheckResult:
    if receipt is None:
        return _skipped(CONFIRMATIONS, "not checked: the anchor transaction is not mined")
    count = chain.head_block_number() - receipt.block_number + 1 if canonical else 0
    shown = counted(count, "confirmation")
    if count < minimum:
        return _failed(CONFIRMATIONS, f"{shown}, fewer than the {minimum} required")
    return _passed(CONFIRMATIONS, f"{shown} (at least {minimum} required)")


def _differences(fields: Sequence[tuple[str, int | bytes, int | bytes]]) -> str:
    """``"root <found> (bundle: <expected>); ..."`` for the fields that differ."""
    return "; ".join(
        f"{name} {_show(found)} (bundle: {_show(expected)})"
        for name, found, expected in fields
        if found != expected
    )


def _show(value: int | bytes) -> str:
    return value.hex() if isinstance(value, bytes) else str(value)


def _passed(name: str, reason: str) -> CheckResult:
    return CheckResult(name, Outcome.PASSED, reason)


def _failed(name: str, reason: str) -> CheckResult:
    return CheckResult(name, Outcome.FAILED, reason)


def _skipped(name: str, reason: str) -> CheckResult:
    return CheckResult(name, Outcome.SKIPPED, reason)
