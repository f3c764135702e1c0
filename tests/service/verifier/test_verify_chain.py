"""Verifying real bundles against a real ganache: valid ones pass, every tamper is caught.

These tests are about the checks themselves, so :func:`verify` pins the registry each bundle
claims (``pin`` overrides it); what pinning adds is in test_trust_root.py and
test_forgery.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from anchor_service.chain import RegistryClient, Signer
from anchor_service.dev import free_port
from anchor_service.verifier import (
    ANCHOR_RECORD,
    ANCHOR_TRANSACTION,
    BUNDLE_FORMAT,
    CHAIN_CHECKS,
    CHAIN_ID,
    CONFIRMATIONS,
    INCLUSION,
    LEAF_HASH,
    REGISTRY_ROOT,
    TRUST_CHECKS,
    Outcome,
    ProofBundle,
    Status,
    TrustRoot,
    VerificationReport,
    parse_bundle,
    verify_bundle,
)
from anchor_service.verifier.onchain import Web3ChainView

from .anchored import LOG_SIZE, AnchoredLog, anchor_head, make_entries

ALL_CHECKS = [BUNDLE_FORMAT, LEAF_HASH, INCLUSION, *TRUST_CHECKS, *CHAIN_CHECKS]
INDEX = 3  # the leaf most tamper cases use; its path in the size-7 tree has 3 hashes


def failed(report: VerificationReport) -> set[str]:
    return {check.name for check in report.checks if check.outcome is Outcome.FAILED}


def verify(
    bundle: ProofBundle | dict[str, Any],
    chain: Web3ChainView | None,
    min_confirmations: int = 1,
    pin: TrustRoot | None = None,
) -> VerificationReport:
    """Verify ``bundle`` against ``pin``, by default the registry and chain it claims."""
    parsed = bundle if isinstance(bundle, ProofBundle) else parse_bundle(bundle)
    anchor = parsed.anchor
    trust = pin or TrustRoot.for_registry(anchor.chain_id, anchor.registry, "its own claim")
    return verify_bundle(parsed, chain, min_confirmations=min_confirmations, trust=trust)


def test_valid_bundle_passes_every_check_in_order(
    anchored_log: AnchoredLog, chain: Web3ChainView
) -> None:
    bundle = anchored_log.bundle(INDEX)
    report = verify(bundle, chain, min_confirmations=2)
    assert [check.name for check in report.checks] == ALL_CHECKS
    skipped = {c.name for c in report.checks if c.outcome is Outcome.SKIPPED}
    assert skipped == {"signed checkpoint"}, report.to_json()  # the bundle carries none
    assert all(c.ok for c in report.checks if c.name not in skipped), report.to_json()
    assert (report.valid, report.status, report.chain_checked) == (True, Status.VALID, True)
    assert report.verdict == "every check passed"
    confirmations = chain.head_block_number() - bundle.anchor.block_number + 1
    assert confirmations >= 2
    assert report.check(CONFIRMATIONS).reason == (
        f"{confirmations} confirmations (at least 2 required)"
    )


@pytest.mark.parametrize("seq", [0, 1])
def test_every_leaf_of_every_anchored_head_verifies(
    anchored_log: AnchoredLog, chain: Web3ChainView, seq: int
) -> None:
    for index in range(anchored_log.anchors[seq].tree_size):
        report = verify(anchored_log.bundle(index, seq), chain)
        assert report.status is Status.VALID, (index, report.to_json())


def _set(*path: str | int, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        target: Any = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value(target[path[-1]]) if callable(value) else value

    return mutate


def _flip_hex(text: str) -> str:
    """The same hex string with its last digit changed (0x prefix kept)."""
    return text[:-1] + ("0" if text[-1] != "0" else "1")


OTHER_ADDRESS = "0x" + "5a" * 20

# (tampered field, mutation of the bundle JSON, the checks that must fail, reason substring
#  of the first of them). Bundles are of leaf 3 in the head of size 7 (anchor seq 1).
TAMPERS: list[tuple[str, Callable[[dict[str, Any]], None], set[str], str]] = [
    ("document field", _set("entry", "description", value="Contribution to project 43"),
     {LEAF_HASH}, "not the one logged"),
    ("amount", _set("entry", "postings", 1, "amount", value="150001"),
     {LEAF_HASH}, "not the one logged"),
    ("salt", _set("entry", "salt", value=_flip_hex), {LEAF_HASH}, "not the one logged"),
    ("leaf hash", _set("leaf", "hash", value=_flip_hex), {LEAF_HASH, INCLUSION},
     "not leaf.hash"),
    ("index", _set("leaf", "index", value=2), {INCLUSION}, "root mismatch"),
    ("index beyond the tree", _set("leaf", "index", value=7), {INCLUSION},
     "index 7 is not below tree size 7"),
    ("path element 0", _set("inclusion", "path", 0, value=_flip_hex), {INCLUSION},
     "root mismatch"),
    ("path element 1", _set("inclusion", "path", 1, value=_flip_hex), {INCLUSION},
     "root mismatch"),
    ("path element 2", _set("inclusion", "path", 2, value=_flip_hex), {INCLUSION},
     "root mismatch"),
    ("path element dropped", _set("inclusion", "path", value=lambda path: path[:-1]),
     {INCLUSION}, "wrong proof size 2, want 3"),
    ("tree size (another anchored size)", _set("inclusion", "tree_size", value=4),
     {INCLUSION, REGISTRY_ROOT, ANCHOR_RECORD, ANCHOR_TRANSACTION}, "wrong proof size"),
    ("root", _set("inclusion", "root", value=_flip_hex),
     {INCLUSION, REGISTRY_ROOT, ANCHOR_RECORD, ANCHOR_TRANSACTION}, "root mismatch"),
    ("registry address (no contract)", _set("anchor", "registry", value=OTHER_ADDRESS),
     {REGISTRY_ROOT, ANCHOR_TRANSACTION}, f"no contract at {OTHER_ADDRESS}"),
    ("transaction hash", _set("anchor", "tx_hash", value=_flip_hex), {ANCHOR_TRANSACTION},
     "is not on the chain"),
    ("seq (another anchor)", _set("anchor", "seq", value=0),
     {ANCHOR_RECORD, ANCHOR_TRANSACTION}, "anchorAt(0) differs from the bundle: tree size 4"),
    ("seq (no such anchor)", _set("anchor", "seq", value=2),
     {ANCHOR_RECORD, ANCHOR_TRANSACTION}, "the registry has no anchor number 2"),
    ("statement hash", _set("statement_hash", value=_flip_hex),
     {ANCHOR_RECORD, ANCHOR_TRANSACTION}, "statement hash"),
    ("block number", _set("anchor", "block_number", value=lambda number: number + 1),
     {ANCHOR_RECORD, ANCHOR_TRANSACTION}, "block number"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mutate", "expected", "reason"),
    [pytest.param(m, e, r, id=name) for name, m, e, r in TAMPERS],
)
def test_single_field_tamper_is_rejected_by_the_right_check(
    anchored_log: AnchoredLog,
    chain: Web3ChainView,
    mutate: Callable[[dict[str, Any]], None],
    expected: set[str],
    reason: str,
) -> None:
    document = anchored_log.bundle_json(INDEX)
    mutate(document)
    report = verify(document, chain)
    assert report.status is Status.INVALID
    assert not report.valid
    assert failed(report) == expected, report.to_json()
    first = next(name for name in ALL_CHECKS if name in expected)
    assert reason in report.check(first).reason


def test_the_same_tampers_offline_fail_exactly_their_merkle_checks(
    anchored_log: AnchoredLog,
) -> None:
    for name, mutate, expected, _reason in TAMPERS:
        document = anchored_log.bundle_json(INDEX)
        mutate(document)
        report = verify(document, None)
        merkle_failures = expected & {LEAF_HASH, INCLUSION}
        assert failed(report) == merkle_failures, name
        # Offline, a pinned registry binds nothing: never valid without a signed checkpoint.
        assert report.status is (Status.INVALID if merkle_failures else Status.UNPINNED), name


def test_a_bundle_naming_another_chain_is_invalid_against_the_genuine_pin(
    anchored_log: AnchoredLog, chain: Web3ChainView
) -> None:
    document = anchored_log.bundle_json(INDEX)
    document["anchor"]["chain_id"] = 1
    genuine = TrustRoot.for_registry(1337, anchored_log.registry, "test")
    report = verify(document, chain, pin=genuine)
    assert report.status is Status.INVALID
    assert failed(report) == {"pinned registry"}
    assert "on chain 1, but the trust root pins registry" in report.check("pinned registry").reason


def test_a_node_of_another_chain_leaves_the_bundle_unverified_not_invalid(
    anchored_log: AnchoredLog, chain: Web3ChainView
) -> None:
    document = anchored_log.bundle_json(INDEX)
    document["anchor"]["chain_id"] = 1  # and pinned on chain 1: the node cannot answer
    report = verify(document, chain)
    assert report.status is Status.UNVERIFIED
    assert report.check(CHAIN_ID).outcome is Outcome.ERROR
    assert report.check(CHAIN_ID).reason == (
        "not a node of chain 1: the bundle names chain 1 but the node serves chain 1337"
    )


def test_tampered_tx_hash_pointing_at_the_other_anchor_is_rejected(
    anchored_log: AnchoredLog, chain: Web3ChainView
) -> None:
    document = anchored_log.bundle_json(INDEX)
    document["anchor"]["tx_hash"] = "0x" + anchored_log.anchors[0].tx_hash.hex()
    report = verify(document, chain)
    assert failed(report) == {ANCHOR_TRANSACTION}
    reason = report.check(ANCHOR_TRANSACTION).reason
    assert "HeadAnchored event differs from the bundle: seq 0 (bundle: 1)" in reason
    assert "tree size 4 (bundle: 7)" in reason
    assert "the bundle says" in reason  # mined in another block


def test_tree_size_without_an_anchor_is_caught_on_chain_when_the_path_still_fits(
    anchored_log: AnchoredLog, chain: Web3ChainView
) -> None:
    # Leaf 0's path is the same in trees of 7 and 8 leaves: only the chain can tell.
    document = anchored_log.bundle_json(0)
    document["inclusion"]["tree_size"] = 8
    report = verify(document, chain)
    assert report.check(INCLUSION).ok
    assert failed(report) == {REGISTRY_ROOT, ANCHOR_RECORD, ANCHOR_TRANSACTION}
    assert "the registry has no head of tree size 8" in report.check(REGISTRY_ROOT).reason


def test_bundle_pointing_at_another_registry_is_rejected(
    anchored_log: AnchoredLog,
    chain: Web3ChainView,
    new_registry: Callable[[], RegistryClient],
) -> None:
    other = new_registry()
    document = anchored_log.bundle_json(INDEX)
    document["anchor"]["registry"] = other.address
    report = verify(document, chain)
    assert failed(report) == {REGISTRY_ROOT, ANCHOR_RECORD, ANCHOR_TRANSACTION}
    assert "the registry has no head of tree size 7" in report.check(REGISTRY_ROOT).reason
    assert "the registry has no anchor number 1" in report.check(ANCHOR_RECORD).reason
    assert "not the registry" in report.check(ANCHOR_TRANSACTION).reason


def test_registry_address_in_another_case_is_the_same_registry(
    anchored_log: AnchoredLog, chain: Web3ChainView
) -> None:
    document = anchored_log.bundle_json(INDEX)
    document["anchor"]["registry"] = anchored_log.registry.lower()
    assert verify(document, chain).status is Status.VALID


def test_too_few_confirmations_fail_only_the_confirmations_check(
    anchored_log: AnchoredLog, chain: Web3ChainView
) -> None:
    report = verify(anchored_log.bundle(INDEX), chain, min_confirmations=1_000_000)
    assert failed(report) == {CONFIRMATIONS}
    assert "fewer than the 1000000 required" in report.check(CONFIRMATIONS).reason


def test_confirmations_grow_with_new_blocks(
    anchored_log: AnchoredLog, chain: Web3ChainView, rpc: Callable[..., Any]
) -> None:
    bundle = anchored_log.bundle(INDEX)
    head = chain.head_block_number()
    needed = head - bundle.anchor.block_number + 2
    assert failed(verify(bundle, chain, min_confirmations=needed)) == {CONFIRMATIONS}
    rpc("evm_mine")
    assert verify(bundle, chain, min_confirmations=needed).valid


def test_unreachable_chain_gives_an_unverified_report_not_an_exception(
    anchored_log: AnchoredLog,
) -> None:
    nowhere = Web3ChainView.connect(f"http://127.0.0.1:{free_port()}", timeout=2)
    report = verify(anchored_log.bundle(INDEX), nowhere)
    assert (report.valid, report.status) == (False, Status.UNVERIFIED)
    assert report.check(CHAIN_ID).outcome is Outcome.ERROR
    assert report.check(CHAIN_ID).reason.startswith("chain unreachable")
    assert all(report.check(name).outcome is Outcome.SKIPPED for name in CHAIN_CHECKS[1:])
    assert report.verdict.startswith("chain unreachable")


def test_unreachable_chain_with_a_tampered_document_is_invalid(
    anchored_log: AnchoredLog,
) -> None:
    document = anchored_log.bundle_json(INDEX)
    document["entry"]["salt"] = _flip_hex(document["entry"]["salt"])
    nowhere = Web3ChainView.connect(f"http://127.0.0.1:{free_port()}", timeout=2)
    assert verify(document, nowhere).status is Status.INVALID


def test_offline_verification_skips_the_chain_and_says_so(anchored_log: AnchoredLog) -> None:
    report = verify(anchored_log.bundle(INDEX), None)
    assert (report.valid, report.status, report.chain_checked) == (False, Status.UNPINNED, False)
    assert [c.outcome for c in report.checks] == (
        [Outcome.PASSED] * 3 + [Outcome.SKIPPED, Outcome.PASSED] + [Outcome.SKIPPED] * 5
    )
    assert report.verdict.startswith("not verified against a trust root: the chain was not read")


def test_redacted_bundle_is_redacted_never_valid_when_the_rest_checks_out(
    anchored_log: AnchoredLog, chain: Web3ChainView
) -> None:
    document = anchored_log.bundle_json(INDEX)
    document["entry"] = None
    document["redacted"] = True
    report = verify(document, chain)
    assert (report.valid, report.status) == (False, Status.REDACTED)
    leaf = report.check(LEAF_HASH)
    assert leaf.outcome is Outcome.SKIPPED
    assert leaf.reason == "redacted: document erased, leaf hash taken as given"
    unchecked = {LEAF_HASH, "signed checkpoint"}
    assert all(report.check(name).ok for name in ALL_CHECKS if name not in unchecked)
    assert report.verdict == (
        f"a leaf exists at index {INDEX}; its content was erased; the bundle names no "
        "redaction record"
    )


def test_redacted_bundle_names_its_redaction_record(
    anchored_log: AnchoredLog, chain: Web3ChainView
) -> None:
    document = anchored_log.bundle_json(INDEX)
    record_hash = anchored_log.entries[6].leaf_hash.hex()
    document.update(entry=None, redacted=True, redaction_record={"index": 6, "hash": record_hash})
    report = verify(document, chain)
    assert report.status is Status.REDACTED
    assert report.verdict == (
        f"a leaf exists at index {INDEX}; its content was erased; redaction record: leaf 6 "
        f"(hash {record_hash})"
    )


def test_redacted_bundle_with_a_forged_leaf_hash_is_invalid(
    anchored_log: AnchoredLog, chain: Web3ChainView
) -> None:
    document = anchored_log.bundle_json(INDEX)
    document.update(entry=None, redacted=True)
    document["leaf"]["hash"] = anchored_log.entries[2].leaf_hash.hex()
    report = verify(document, chain)
    assert report.status is Status.INVALID
    assert failed(report) == {INCLUSION}


def test_anchor_removed_by_a_reorg_is_rejected(
    web3: Any,
    new_registry: Callable[[], RegistryClient],
    verifier_anchorer: Signer,
    chain: Web3ChainView,
    rpc: Callable[..., Any],
) -> None:
    registry = new_registry()
    entries = make_entries(LOG_SIZE)
    leaves = [entry.leaf_hash for entry in entries]
    snapshot = rpc("evm_snapshot")
    anchored = anchor_head(registry, verifier_anchorer, leaves, LOG_SIZE, 0)
    log = AnchoredLog(1337, registry.address, entries, (anchored,))
    assert verify(log.bundle(INDEX, 0), chain).valid
    rpc("evm_revert", snapshot)  # the anchor's block is dropped ...
    for _ in range(3):
        rpc("evm_mine")  # ... and other blocks take its height
    report = verify(log.bundle(INDEX, 0), chain)
    assert failed(report) == {REGISTRY_ROOT, ANCHOR_RECORD, ANCHOR_TRANSACTION}
    assert "is not on the chain" in report.check(ANCHOR_TRANSACTION).reason
    assert report.check(CONFIRMATIONS).outcome is Outcome.SKIPPED


@pytest.mark.parametrize("value", [2**53, "\ud800"])
def test_entry_that_jcs_cannot_serialise_fails_the_leaf_check(
    anchored_log: AnchoredLog, value: object
) -> None:
    document = anchored_log.bundle_json(INDEX)
    document["entry"]["metadata"]["gateway_ref"] = value
    report = verify(document, None)
    assert failed(report) == {LEAF_HASH}
    assert "cannot be serialised with RFC 8785" in report.check(LEAF_HASH).reason
