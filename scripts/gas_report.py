"""Gas report: AnchorRegistry v1, AnchorRegistryV2 and peers, side by side, on one ganache.

Run with `make gas-report`, i.e.
`brownie run scripts/gas_report.py --network ganache-cli` in the Brownie
environment. Every figure is a receipt's gasUsed, never an estimate. The logs
are real: leaf hashes of 1.1M distinct entries, roots and proofs from
`anchor_service.merkle` (imported from this repository).

Peers, deployed on the same chain in the same run:
- the Ethereum Attestation Service's `timestamp(bytes32)` (npm
  `@ethereum-attestation-service/eas-contracts`, see scripts/gas_peers.py):
  one fresh slot and an event, no ordering and no consistency check;
- contracts/bench/StoredRootBaseline.sol: one fresh slot and an event;
- contracts/bench/EventOnlyBaseline.sol: an event and nothing else;
- contracts/bench/OzMerkleProofBench.sol: OpenZeppelin's
  `MerkleProof.verifyCalldata` at depth 20, beside our inclusion checks.

V2's anchors are then split into where their gas goes: intrinsic (21,000),
calldata (16 per non-zero byte, 4 per zero byte), the consistency check
(measured as the execution gas of a transaction calling the pure
`verifyConsistency` with the same proof, so it includes decoding the proof),
and the rest: role check, the two storage slots rewritten (pause flag, size,
count and digest in one; the root in the other), the history digest, the event.

Exits non-zero when V2 misses a target.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from brownie import (
    AnchorRegistry,
    AnchorRegistryV2,
    EventOnlyBaseline,
    OzMerkleProofBench,
    StoredRootBaseline,
    accounts,
    chain,
    network,
    web3,
)
from eth_utils import keccak
from gas_peers import EAS_SPEC, PeerUnavailable, eas_timestamp_gas

from anchor_service.merkle import consistency_proof, inclusion_proof, leaf_hash, root

MILLION = 1_000_000
INTRINSIC = 21_000
ZERO_ADDRESS = "0x" + "00" * 20
# (label, old size, new size, V2 target)
EXTENSIONS: list[tuple[str, int, int, int | None]] = [
    ("2^20 -> 2^20+1", 2**20, 2**20 + 1, 45_000),
    ("1,000,000 -> 1,000,001", MILLION, MILLION + 1, None),
    ("1,000,000 -> 1,100,000", MILLION, MILLION + 100_000, None),
    ("2^20-1 -> 2^20+1 (worst case up to 2^21)", 2**20 - 1, 2**20 + 1, 70_000),
]
LOG_SIZE = max(new for _, _, new, _ in EXTENSIONS)
INCLUSION_INDEX = 123_456
INCLUSION_DEPTH = 20

Measure = Callable[[Any], int]


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _calldata_gas(data: str) -> int:
    return sum(4 if byte == 0 else 16 for byte in bytes.fromhex(data.removeprefix("0x")))


def _statement(size: int) -> str:
    return _hex(leaf_hash(b"settlement statement for size %d" % size))


class Log:
    """The leaves of the report's log, with roots and proofs computed once."""

    def __init__(self, size: int) -> None:
        self.leaves = [leaf_hash(b"ledger entry %d" % i) for i in range(size)]
        self._roots: dict[int, str] = {}

    def root(self, size: int) -> str:
        if size not in self._roots:
            self._roots[size] = _hex(root(self.leaves[:size]))
        return self._roots[size]

    def proof(self, old: int, new: int) -> list[str]:
        return [_hex(node) for node in consistency_proof(self.leaves[:new], old)]


def _first_anchor(registry: Any, anchorer: Any, log: Log, size: int) -> Any:
    return registry.anchor(size, log.root(size), _statement(size), [], {"from": anchorer})


def _extension(registry: Any, anchorer: Any, log: Log, old: int, new: int) -> tuple[Any, int]:
    """Anchor `old` then `new`; return the second anchor and the check's execution gas."""
    _first_anchor(registry, anchorer, log, old)
    proof = log.proof(old, new)
    tx = registry.anchor(new, log.root(new), _statement(new), proof, {"from": anchorer})
    check = registry.verifyConsistency.transact(
        old, new, log.root(old), log.root(new), proof, {"from": anchorer}
    )
    assert check.return_value is True
    return tx, check.gas_used - INTRINSIC - _calldata_gas(check.input)


def _inclusion(registry: Any, anchorer: Any, log: Log) -> int:
    _first_anchor(registry, anchorer, log, MILLION)
    path = [_hex(node) for node in inclusion_proof(log.leaves[:MILLION], INCLUSION_INDEX)]
    assert len(path) == INCLUSION_DEPTH
    args = (INCLUSION_INDEX, MILLION, _hex(log.leaves[INCLUSION_INDEX]), path)
    assert registry.verifyInclusion(*args) is True
    return int(registry.verifyInclusion.transact(*args, {"from": anchorer}).gas_used)


def _measure_registry(registry: Any, anchorer: Any, log: Log) -> dict[str, Any]:
    """Every row for one registry, each from the same fresh state (chain snapshot)."""
    chain.snapshot()
    gas: dict[str, Any] = {"first": _first_anchor(registry, anchorer, log, MILLION).gas_used}
    for label, old, new, _ in EXTENSIONS:
        chain.revert()
        tx, check = _extension(registry, anchorer, log, old, new)
        gas[label] = (tx.gas_used, len(log.proof(old, new)), _calldata_gas(tx.input), check)
    chain.revert()
    gas["inclusion"] = _inclusion(registry, anchorer, log)
    chain.revert()
    return gas


def _oz_inclusion(admin: Any) -> int:
    """`MerkleProof.verifyCalldata` on a valid depth-20 keccak path, sent as a transaction."""
    bench = OzMerkleProofBench.deploy({"from": admin})
    leaf = keccak(b"leaf")
    path = [keccak(b"sibling %d" % i) for i in range(INCLUSION_DEPTH)]
    node = leaf
    for sibling in path:
        node = keccak(min(node, sibling) + max(node, sibling))
    args = ([_hex(p) for p in path], _hex(node), _hex(leaf))
    assert bench.verify(*args) is True
    return int(bench.verify.transact(*args, {"from": admin}).gas_used)


def _peers(admin: Any) -> list[tuple[str, int | str]]:
    data = keccak(b"a settlement statement")
    try:
        eas: int | str = eas_timestamp_gas(web3, admin.address, data)
    except PeerUnavailable as exc:
        eas = f"not measured: {exc}"
    stored = StoredRootBaseline.deploy({"from": admin}).anchor(data, {"from": admin})
    event = EventOnlyBaseline.deploy({"from": admin}).anchor(data, {"from": admin})
    return [
        (f"EAS timestamp(bytes32) ({EAS_SPEC.rsplit('/', 1)[1]}; no consistency check)", eas),
        ("store root + event (contracts/bench/StoredRootBaseline)", stored.gas_used),
        ("event only (contracts/bench/EventOnlyBaseline)", event.gas_used),
        (f"OpenZeppelin MerkleProof.verifyCalldata, depth {INCLUSION_DEPTH}", _oz_inclusion(admin)),
    ]


def main() -> None:
    print(f"network: {network.show_active()}  chain id: {chain.id}")
    log = Log(LOG_SIZE)
    admin, anchorer, pauser = accounts[0], accounts[1], accounts[2]
    v1 = AnchorRegistry.deploy(admin, {"from": admin})
    v1.grantRole(v1.ANCHORER_ROLE(), anchorer, {"from": admin})
    v2 = AnchorRegistryV2.deploy(0, admin, anchorer, pauser, ZERO_ADDRESS, {"from": admin})
    ours = [_measure_registry(v1, anchorer, log), _measure_registry(v2, anchorer, log)]
    peers = _peers(admin)
    chain.revert()  # waits for Brownie's background bookkeeping of the last transaction
    missed = _print(ours, peers)
    if missed:
        raise SystemExit("AnchorRegistryV2 misses its gas targets: " + "; ".join(missed))


def _print(ours: list[dict[str, Any]], peers: list[tuple[str, int | str]]) -> list[str]:
    v1, v2 = ours
    rows: list[tuple[str, int, int, str]] = [
        (f"first anchor ({MILLION:,} leaves, no proof)", v1["first"], v2["first"], "")
    ]
    missed = []
    for label, _, _, target in EXTENSIONS:
        hashes = v2[label][1]
        text = f"<= {target:,}" if target else ""
        if target and v2[label][0] > target:
            missed.append(f"{label}: {v2[label][0]:,} > {target:,}")
            text += " MISSED"
        elif target:
            text += " met"
        proof = f"{hashes} proof hash" + ("" if hashes == 1 else "es")
        rows.append((f"anchor {label} ({proof})", v1[label][0], v2[label][0], text))
    rows.append(
        (
            f"verifyInclusion, depth {INCLUSION_DEPTH} (as a transaction)",
            v1["inclusion"],
            v2["inclusion"],
            "",
        )
    )
    width = max(len(row[0]) for row in rows + [(p[0], 0, 0, "") for p in peers])
    print()
    print(f"{'gasUsed':<{width}}  {'v1':>9}  {'v2':>9}  v2 target")
    print(f"{'-' * width}  {'-' * 9}  {'-' * 9}  {'-' * 16}")
    for label, gas1, gas2, text in rows:
        print(f"{label:<{width}}  {gas1:>9,}  {gas2:>9,}  {text}")
    print()
    print(f"{'peers (same chain, same run)':<{width}}  {'gasUsed':>9}")
    print(f"{'-' * width}  {'-' * 9}")
    for label, gas in peers:
        print(
            f"{label:<{width}}  {gas:>9,}" if isinstance(gas, int) else f"{label:<{width}}  {gas}"
        )
    print()
    print("where v2's anchor gas goes:")
    for label, _, _, _ in EXTENSIONS:
        gas, _, calldata, check = v2[label]
        rest = gas - INTRINSIC - calldata - check
        print(
            f"  {label}: intrinsic {INTRINSIC:,} + calldata {calldata:,} + consistency check "
            f"{check:,} + storage, role, digest, event {rest:,} = {gas:,}"
        )
    return missed
