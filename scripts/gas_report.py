"""Gas report for AnchorRegistry on a local ganache: receipts' gasUsed, not estimates.

Run with `make gas-report`, i.e.
`brownie run scripts/gas_report.py --network ganache-cli` in the Brownie
environment. The logs are real: leaf hashes of 1.1M distinct entries, roots and
proofs from `anchor_service.merkle` (imported from this repository).

Each anchor is split into where its gas goes:
- intrinsic: 21,000 for any transaction;
- calldata: 16 per non-zero byte and 4 per zero byte of the input, counted;
- new storage: 22,100 per storage slot going from zero to non-zero (20,000
  for the write, 2,100 for the cold slot), by EIP-2200/2929: three per anchor
  (the root by size; size, block and time by seq; the statement hash by seq),
  plus the first write of the counter slot (20,000: its cold read is already
  paid by the pause check) on the first anchor;
- consistency check: measured, as the execution gas of a transaction calling
  the pure `verifyConsistency` with the same proof (intrinsic and calldata
  removed); it includes decoding the proof array;
- rest: what remains: role check, pause flag and counters (one cold slot),
  latest root read (cold), counter update, the HeadAnchored event, dispatch.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from brownie import AnchorRegistry, accounts, chain, network

from anchor_service.merkle import consistency_proof, inclusion_proof, leaf_hash, root

MILLION = 1_000_000
TARGET = 100_000
INTRINSIC = 21_000
NEW_SLOT = 22_100
ANCHOR_SLOTS = 3
FIRST_COUNTER_WRITE = 20_000
EXTENSIONS = [
    (MILLION, MILLION + 1),
    (MILLION, MILLION + 100_000),
    (2**20 - 1, 2**20 + 1),  # a longer proof: all-ones old size across a power of two
]
INCLUSION_INDEX = 123_456

Row = tuple[str, int, dict[str, int]]


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _calldata_gas(data: str) -> int:
    return sum(4 if byte == 0 else 16 for byte in bytes.fromhex(data.removeprefix("0x")))


def _statement(size: int) -> str:
    return _hex(leaf_hash(b"settlement statement for size %d" % size))


def _first_anchor(registry: Any, anchorer: Any, leaves: list[bytes], size: int) -> Any:
    root_hex = _hex(root(leaves[:size]))
    return registry.anchor(size, root_hex, _statement(size), [], {"from": anchorer})


def _parts(tx: Any, storage: int, check: Any | None = None) -> dict[str, int]:
    parts = {"intrinsic": INTRINSIC, "calldata": _calldata_gas(tx.input), "new storage": storage}
    if check is not None:
        parts["consistency check"] = check.gas_used - INTRINSIC - _calldata_gas(check.input)
    parts["rest"] = tx.gas_used - sum(parts.values())
    return parts


def _extension_row(registry: Any, anchorer: Any, leaves: list[bytes], old: int, new: int) -> Row:
    proof = [_hex(node) for node in consistency_proof(leaves[:new], old)]
    old_root, new_root = _hex(root(leaves[:old])), _hex(root(leaves[:new]))
    tx = registry.anchor(new, new_root, _statement(new), proof, {"from": anchorer})
    check = registry.verifyConsistency.transact(
        old, new, old_root, new_root, proof, {"from": anchorer}
    )
    assert check.return_value is True
    label = f"anchor {old:,} -> {new:,} (proof of {len(proof)} hashes)"
    return label, tx.gas_used, _parts(tx, ANCHOR_SLOTS * NEW_SLOT, check)


def _inclusion_row(registry: Any, anchorer: Any, leaves: list[bytes]) -> Row:
    index = INCLUSION_INDEX
    path = [_hex(node) for node in inclusion_proof(leaves[:MILLION], index)]
    args = (index, MILLION, _hex(leaves[index]), path)
    assert registry.verifyInclusion(*args) is True
    tx = registry.verifyInclusion.transact(*args, {"from": anchorer})
    parts = {"intrinsic": INTRINSIC, "calldata": _calldata_gas(tx.input)}
    parts["execution"] = tx.gas_used - sum(parts.values())
    return f"verifyInclusion, depth {len(path)} (sent as a transaction)", tx.gas_used, parts


def main() -> None:
    print(f"network: {network.show_active()}  chain id: {chain.id}")
    leaves = [leaf_hash(b"ledger entry %d" % i) for i in range(MILLION + 100_000)]
    admin, anchorer = accounts[0], accounts[1]
    registry = admin.deploy(AnchorRegistry, admin)
    registry.grantRole(registry.ANCHORER_ROLE(), anchorer, {"from": admin})
    chain.snapshot()

    rows: list[Row] = []
    first = _first_anchor(registry, anchorer, leaves, MILLION)
    storage = ANCHOR_SLOTS * NEW_SLOT + FIRST_COUNTER_WRITE
    rows.append(
        ("first anchor (1,000,000 leaves, no proof)", first.gas_used, _parts(first, storage))
    )
    for old, new in EXTENSIONS:
        chain.revert()
        _first_anchor(registry, anchorer, leaves, old)
        rows.append(_extension_row(registry, anchorer, leaves, old, new))
    chain.revert()
    _first_anchor(registry, anchorer, leaves, MILLION)
    rows.append(_inclusion_row(registry, anchorer, leaves))
    chain.revert()  # also waits for Brownie's background bookkeeping of the last transaction
    _print(rows)


def _print(rows: list[Row]) -> None:
    width = max(len(label) for label, _, _ in rows)
    print()
    print(f"{'operation':<{width}}  {'gasUsed':>9}")
    print(f"{'-' * width}  {'-' * 9}")
    for label, gas, parts in rows:
        print(f"{label:<{width}}  {gas:>9,}")
        for name, value in parts.items():
            print(f"{'  ' + name:<{width}}  {value:>9,}")
    print()
    extensions = [gas for label, gas, parts in rows if "consistency check" in parts]
    print(
        f"target for an anchor with on-chain consistency check: <= {TARGET:,} gas; "
        f"measured {min(extensions):,} to {max(extensions):,}"
    )
    print(
        f"floor of the stored record alone: {INTRINSIC:,} + {ANCHOR_SLOTS} new slots x "
        f"{NEW_SLOT:,} = {INTRINSIC + ANCHOR_SLOTS * NEW_SLOT:,} gas before calldata and hashing"
    )
