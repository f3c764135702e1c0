"""AnchorRegistryV2's history as an auditor sees it: heads from events, the digest, succession.

A head is the `AnchoredHead` struct as Brownie passes it: `(treeSize, root, statementHash)`
with `0x` hex hashes. The heads are read back from the `HeadAnchored` events (the
auditors' record), never from the test's own bookkeeping, so the recovery steps below
are the ones an operator would run against a real chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from brownie import chain
from conftest import ADMIN_DELAY
from eth_abi import encode
from eth_utils import keccak
from log_model import hex32, statement_hash

from anchor_service.merkle import root

__all__ = [
    "ZERO_DIGEST",
    "Head",
    "head",
    "history_digest",
    "next_digest",
    "recorded_heads",
    "retire_and_link",
    "schedule_retirement",
]

Head = tuple[int, str, str]
ZERO_DIGEST = bytes(18)


def head(leaves: Sequence[bytes], size: int) -> Head:
    """The head of `leaves[:size]` as `log_model.anchor` anchors it."""
    return (size, hex32(root(leaves[:size])), statement_hash(size))


def _bytes(value: str) -> bytes:
    return bytes.fromhex(value.removeprefix("0x"))


def next_digest(previous: bytes, seq: int, anchored: Head) -> bytes:
    """`bytes18(keccak256(abi.encode(previous, seq, treeSize, root, statementHash)))`."""
    size, head_root, statement = anchored
    encoded = encode(
        ["bytes18", "uint256", "uint64", "bytes32", "bytes32"],
        [previous, seq, size, _bytes(head_root), _bytes(statement)],
    )
    return keccak(encoded)[:18]


def history_digest(heads: Sequence[Head], first_seq: int = 0, start: bytes = ZERO_DIGEST) -> bytes:
    """The digest after folding `heads` in as anchors `first_seq, first_seq + 1, ...`."""
    digest = start
    for offset, anchored in enumerate(heads):
        digest = next_digest(digest, first_seq + offset, anchored)
    return digest


def recorded_heads(registry: Any) -> list[Head]:
    """Every head the registry anchored, in sequence order, from its HeadAnchored events."""
    events = registry.events.get_sequence(from_block=0, event_type="HeadAnchored")
    by_seq = {int(e.args.seq): e.args for e in events}
    assert sorted(by_seq) == list(range(len(by_seq))), "HeadAnchored sequence has gaps"
    return [
        (int(a.treeSize), hex32(bytes(a.root)), hex32(bytes(a.statementHash)))
        for a in (by_seq[seq] for seq in range(len(by_seq)))
    ]


def schedule_retirement(registry: Any, admin: Any, successor: Any, kept: int) -> Any:
    """Schedule the retirement keeping `kept` anchors, with the history replay from the events."""
    heads = recorded_heads(registry)
    first = max(kept, 1) - 1
    before = history_digest(heads[:first])
    return registry.scheduleRetirement(
        successor, kept, "0x" + before.hex(), heads[first:], {"from": admin}
    )


def retire_and_link(registry: Any, admin: Any, successor: Any, kept: int) -> Any:
    """Schedule, wait out the admin delay, retire, and link the successor; return link's tx."""
    schedule_retirement(registry, admin, successor, kept)
    chain.sleep(ADMIN_DELAY + 1)
    registry.retire({"from": admin})
    return successor.link({"from": admin})
