"""Verifying a statement proof (:mod:`.statement_proof`): every check, in order.

Without the chain (pure):

1. ``statement hash``  the statement is version 2, SHA-256 of its RFC 8785 (JCS) bytes is
   ``statement_hash``, and its ``tree_size`` is the head's.
2. ``account line`` (line proofs)  the line is well formed, names the proof's account,
   has no negative amount, ``net = credits - debits`` and at least one entry per currency.
3. ``line in statement`` (line proofs)  the line at ``position`` and the ``path`` rebuild
   the Merkle-sum root: its hash is ``accounts.root``, its sums ``accounts.sums`` (no node
   sum negative), over ``accounts.lines`` leaves; and those sums' debits and credits are
   the statement's ``totals``. A changed amount, a dropped or an added line, a line moved
   to another account or position all change the root.
2'. ``account index`` (history proofs)  the pairs ``(account, leaf_index)`` of the listed
   entries, with the ``before``/``after`` neighbours, rebuild ``account_index.root`` over
   ``account_index.size`` leaves from ``index.path``; the neighbours are other accounts on
   the right sides (byte order) or the run touches the tree's edge: so no entry of the
   account is missing, and an account without entries gets a valid absence proof.
3'. ``entries`` (history proofs)  each entry is in the batch's leaf range, its document
   hashes to its leaf hash and has a posting of the account (a redacted one is taken as
   given), and its path leads to ``head.root`` at ``head.tree_size`` (RFC 9162).

Then, as for bundles (:mod:`.checks`): ``pinned registry`` and the chain checks
(``chain id``, ``registry holds root at tree_size``, ``anchor record``, ``anchor
transaction``, ``confirmations``): the registry holds the head's root and, in the anchor
record and its transaction, ``statement_hash``. A statement proof is *bound* only by the
chain (a signed checkpoint does not cover the statement): offline it is "unpinned".
"""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

from anchor_service.ledger.account_index import IndexLeaf
from anchor_service.ledger.account_lines import (
    LineNode,
    combine_lines,
    decode_path,
    line_from_json,
    line_node,
    sums_from_json,
)
from anchor_service.ledger.jcs import canonical_json
from anchor_service.merkle import (
    EMPTY_ROOT,
    ProofError,
    RootMismatchError,
    check_inclusion,
    leaf_hash,
    node_hash,
)
from anchor_service.merkle.ranges import root_from_range
from anchor_service.verifier.chainview import ChainView
from anchor_service.verifier.checks import (
    CHAIN_CHECKS,
    PINNED_REGISTRY,
    check_on_chain,
    check_pinned_registry,
)
from anchor_service.verifier.report import CheckResult, Outcome, VerificationReport
from anchor_service.verifier.statement_proof import HistoryProof, LineProof, StatementProof
from anchor_service.verifier.trust import TrustRoot
from anchor_service.wording import counted

__all__ = [
    "ACCOUNT_INDEX",
    "ACCOUNT_LINE",
    "ENTRIES",
    "LINE_IN_STATEMENT",
    "STATEMENT_HASH",
    "verify_statement_proof",
]

STATEMENT_HASH = "statement hash"
ACCOUNT_LINE = "account line"
LINE_IN_STATEMENT = "line in statement"
ACCOUNT_INDEX = "account index"
ENTRIES = "entries"


def verify_statement_proof(
    proof: StatementProof,
    chain: ChainView | None,
    *,
    min_confirmations: int,
    trust: TrustRoot | None = None,
) -> VerificationReport:
    """Run every check on ``proof`` (see the module docstring)."""
    checks = [check_statement_hash(proof)]
    if isinstance(proof, LineProof):
        line = _line(proof)
        checks.append(
            line if isinstance(line, CheckResult) else _passed(ACCOUNT_LINE, _describe(line))
        )
        checks.append(
            check_line_in_statement(proof, None if isinstance(line, CheckResult) else line)
        )
    else:
        checks += [check_account_index(proof), check_entries(proof)]
    if trust is None:
        checks.append(_skipped(PINNED_REGISTRY, "no trust root: nothing pinned to check against"))
    else:
        checks.append(check_pinned_registry(proof.head, trust))
    if chain is None:
        checks += [
            CheckResult(name, Outcome.SKIPPED, "offline: the chain was not read")
            for name in CHAIN_CHECKS
        ]
    else:
        checks += check_on_chain(proof.head, chain, min_confirmations)
    by_name = {check.name: check for check in checks}
    bound = trust is not None and by_name[PINNED_REGISTRY].ok and chain is not None
    anchor = proof.head.anchor
    return VerificationReport(
        tuple(checks),
        redacted=False,
        chain_checked=chain is not None,
        claim=f"registry {anchor.registry} on chain {anchor.chain_id}",
        trust_root=None if trust is None else trust.describe(),
        bound=bound,
        unbound_reason=(
            "a statement hash is anchored only on chain: read it (--rpc) with a pinned registry"
            if chain is None
            else "the trust root pins no registry"
        ),
    )


def check_statement_hash(proof: StatementProof) -> CheckResult:
    statement = proof.statement
    if statement.get("version") != 2:
        return _failed(
            STATEMENT_HASH,
            f"statement version {statement.get('version')!r}: only version 2 commits to lines",
        )
    try:
        computed = hashlib.sha256(canonical_json(statement)).digest()
    except (ValueError, TypeError) as exc:
        return _failed(STATEMENT_HASH, f"the statement cannot be serialised with JCS: {exc}")
    if computed != proof.head.statement_hash:
        return _failed(
            STATEMENT_HASH,
            f"SHA-256(JCS(statement)) is {computed.hex()}, not statement_hash "
            f"{proof.head.statement_hash.hex()}: the statement is not the anchored one",
        )
    if statement.get("tree_size") != proof.head.tree_size:
        return _failed(
            STATEMENT_HASH,
            f"the statement is of tree size {statement.get('tree_size')!r}, the head of "
            f"{proof.head.tree_size}",
        )
    return _passed(
        STATEMENT_HASH,
        f"SHA-256(JCS(statement of batch {statement.get('batch_seq')})) = statement_hash",
    )


def _line(proof: LineProof) -> CheckResult | Any:
    try:
        line = line_from_json(proof.line)
    except ValueError as exc:
        return _failed(ACCOUNT_LINE, f"the line is not a valid account line: {exc}")
    if line.account != proof.account:
        return _failed(
            ACCOUNT_LINE, f"the line is account {line.account!r}'s, not {proof.account!r}'s"
        )
    return line


def _describe(line: Any) -> str:
    parts = [
        f"{code} debits {item.debits}, credits {item.credits}, net {item.net}, "
        f"{counted(item.entries, 'entry', 'entries')}"
        for code, item in sorted(line.currencies.items())
    ]
    return f"{line.account}: " + "; ".join(parts)


def check_line_in_statement(proof: LineProof, line: Any) -> CheckResult:
    if line is None:
        return _skipped(LINE_IN_STATEMENT, "not checked: the line is not valid")
    try:
        accounts = proof.statement["accounts"]
        size, want_root = accounts["lines"], bytes.fromhex(accounts["root"])
        want_sums = sums_from_json(accounts["sums"])
        path = decode_path(proof.path)
    except (KeyError, TypeError, ValueError) as exc:
        return _failed(LINE_IN_STATEMENT, f"malformed accounts commitment or path: {exc}")
    if type(size) is not int or not 0 <= proof.position < size:
        return _failed(
            LINE_IN_STATEMENT, f"position {proof.position} is not in a tree of {size!r} lines"
        )
    try:
        root: LineNode = root_from_range(
            size, proof.position, [line_node(line)], path, combine_lines
        )
    except ProofError as exc:
        return _failed(LINE_IN_STATEMENT, f"the path does not fit: {exc.reason}")
    if root.hash != want_root:
        return _failed(
            LINE_IN_STATEMENT,
            f"the line and path lead to root {root.hash.hex()}, not accounts.root "
            f"{want_root.hex()}: the line or its place is not the anchored one",
        )
    if root.sums != want_sums:
        return _failed(LINE_IN_STATEMENT, "the rebuilt sums are not accounts.sums")
    totals = {
        code: {"debits": str(debits), "credits": str(credits)}
        for code, (debits, credits, _entries) in want_sums.items()
    }
    if totals != proof.statement.get("totals"):
        return _failed(LINE_IN_STATEMENT, "accounts.sums do not add up to the statement's totals")
    return _passed(
        LINE_IN_STATEMENT,
        f"line {proof.position} of {size} and {counted(len(path), 'node')} lead to "
        "accounts.root and its sums, which equal the totals",
    )


def check_account_index(proof: HistoryProof) -> CheckResult:
    try:
        index = proof.statement["account_index"]
        size, want_root = index["size"], bytes.fromhex(index["root"])
        before = None if proof.before is None else IndexLeaf.from_json(proof.before)
        after = None if proof.after is None else IndexLeaf.from_json(proof.after)
    except (KeyError, TypeError, ValueError) as exc:
        return _failed(ACCOUNT_INDEX, f"malformed account_index or neighbours: {exc}")
    account = proof.account
    run = [IndexLeaf(account, entry.leaf_index) for entry in proof.entries]
    problems = []
    if type(size) is not int or not 0 <= proof.start <= proof.end <= size:
        return _failed(ACCOUNT_INDEX, f"[{proof.start}, {proof.end}) is not in {size!r} leaves")
    if proof.end - proof.start != len(run):
        problems.append(f"{len(run)} entries listed for {proof.end - proof.start} index leaves")
    if any(a >= b for a, b in itertools.pairwise(run)):
        problems.append("the entries are not in strictly increasing leaf order")
    if before is None and proof.start != 0:
        problems.append("no leaf before the run, but it does not start the tree")
    if before is not None and not before.account < account:
        problems.append(f"the leaf before is account {before.account!r}, not one before it")
    if after is None and proof.end != size:
        problems.append("no leaf after the run, but it does not end the tree")
    if after is not None and not account < after.account:
        problems.append(f"the leaf after is account {after.account!r}, not one after it")
    if problems:
        return _failed(ACCOUNT_INDEX, "; ".join(problems))
    leaves = ([before] if before else []) + run + ([after] if after else [])
    if not leaves:
        if size == 0 and want_root == EMPTY_ROOT and not proof.index_path:
            return _passed(ACCOUNT_INDEX, "the batch has no postings: the index is empty")
        return _failed(ACCOUNT_INDEX, "no leaf to prove anything with in a non-empty index")
    start = proof.start - (1 if before else 0)
    try:
        hashes = [leaf_hash(leaf.canonical()) for leaf in leaves]
        root = root_from_range(size, start, hashes, proof.index_path, node_hash)
    except ProofError as exc:
        return _failed(ACCOUNT_INDEX, f"the path does not fit: {exc.reason}")
    if root != want_root:
        return _failed(
            ACCOUNT_INDEX,
            f"the pairs and path lead to {root.hex()}, not account_index.root "
            f"{want_root.hex()}: an entry is missing, added or moved",
        )
    what = f"{_every(len(run))} of {account}" if run else f"{account} has no entries (absence)"
    return _passed(
        ACCOUNT_INDEX,
        f"{what}: index leaves [{proof.start}, {proof.end}) of {size}, bracketed by "
        f"{_side(before, 'the start')} and {_side(after, 'the end')}, lead to account_index.root",
    )


def _side(leaf: IndexLeaf | None, edge: str) -> str:
    return edge if leaf is None else f"{leaf.account} (leaf {leaf.leaf_index})"


def check_entries(proof: HistoryProof) -> CheckResult:
    leaf_range = proof.statement.get("leaf_range")
    if not isinstance(leaf_range, dict):
        return _failed(ENTRIES, "the statement has no leaf_range")
    problems: list[str] = []
    redacted = 0
    for entry in proof.entries:
        where = f"leaf {entry.leaf_index}"
        if not leaf_range.get("start", 0) <= entry.leaf_index < leaf_range.get("end", 0):
            problems.append(f"{where} is not in the batch")
            continue
        if entry.entry is None:
            redacted += 1
        else:
            try:
                calculated = leaf_hash(canonical_json(entry.entry))
            except (ValueError, TypeError) as exc:
                problems.append(f"{where}: not serialisable with JCS: {exc}")
                continue
            if calculated != entry.leaf_hash:
                problems.append(f"{where}: the document does not hash to its leaf hash")
            postings = entry.entry.get("postings")
            if not isinstance(postings, list) or not any(
                isinstance(p, dict) and p.get("account") == proof.account for p in postings
            ):
                problems.append(f"{where}: the document has no posting of {proof.account}")
        try:
            check_inclusion(
                entry.leaf_index, proof.head.tree_size, entry.leaf_hash, entry.path, proof.head.root
            )
        except (RootMismatchError, ProofError):
            problems.append(f"{where}: the inclusion path does not lead to head.root")
    if problems:
        return _failed(ENTRIES, "; ".join(problems))
    if not proof.entries:
        return _passed(ENTRIES, "no entry listed: nothing to check")
    note = f" ({redacted} redacted: leaf hash taken as given)" if redacted else ""
    count = len(proof.entries)
    which = "the 1 entry" if count == 1 else f"each of the {count} entries"
    return _passed(
        ENTRIES,
        f"{which} hashes to its leaf, has a posting of the account and is included in the "
        f"head at tree size {proof.head.tree_size}{note}",
    )


def _every(count: int) -> str:
    return "the 1 entry" if count == 1 else f"all {count} entries"


def _passed(name: str, reason: str) -> CheckResult:
    return CheckResult(name, Outcome.PASSED, reason)


def _failed(name: str, reason: str) -> CheckResult:
    return CheckResult(name, Outcome.FAILED, reason)


def _skipped(name: str, reason: str) -> CheckResult:
    return CheckResult(name, Outcome.SKIPPED, reason)
