"""AnchorRegistryV2 stays within the gas targets of issue 14 (receipts' gasUsed, real proofs).

The targets: at most 45,000 gas to anchor 2**20 -> 2**20 + 1 (below the Ethereum
Attestation Service's plain `timestamp(bytes32)`, which checks nothing), and at most
70,000 for 2**20 - 1 -> 2**20 + 1, the longest consistency proof (22 hashes) for logs
up to 2**21 leaves. `make gas-report` prints the figures beside v1 and the peers.
"""

from __future__ import annotations

from typing import Any

import pytest
from brownie import web3
from log_model import anchor, big_leaves

from anchor_service.merkle import consistency_proof

TARGETS = [
    (2**20, 2**20 + 1, 1, 45_000),
    (2**20 - 1, 2**20 + 1, 22, 70_000),
]


@pytest.mark.parametrize(("old", "new", "hashes", "ceiling"), TARGETS, ids=["1 hash", "22 hashes"])
def test_anchor_gas_is_within_the_target(
    registry_v2: Any, anchorer: Any, old: int, new: int, hashes: int, ceiling: int
) -> None:
    leaves = big_leaves(2**20 + 1)
    proof = consistency_proof(leaves[:new], old)
    anchor(registry_v2, anchorer, leaves, old)

    tx = anchor(registry_v2, anchorer, leaves, new, proof=proof)

    assert len(proof) == hashes
    assert tx.gas_used <= ceiling, f"{tx.gas_used:,} > {ceiling:,}"


def test_the_anchor_state_is_two_storage_slots(registry_v2: Any, anchorer: Any) -> None:
    """Slot 3: Pausable's flag, latest size, anchor count, digest; slot 4: the latest root."""
    leaves = big_leaves(2**20 + 1)
    anchor(registry_v2, anchorer, leaves, 5)
    anchor(registry_v2, anchorer, leaves, 9, old_size=5)

    packed = int.from_bytes(web3.eth.get_storage_at(registry_v2.address, 3), "big")
    latest_root = bytes(web3.eth.get_storage_at(registry_v2.address, 4))

    size, head_root, seq = registry_v2.latestHead()
    assert packed & 0xFF == 0  # not paused
    assert (packed >> 8) & (2**64 - 1) == size == 9
    assert (packed >> 72) & (2**40 - 1) == seq + 1 == 2
    assert "0x" + (packed >> 112).to_bytes(18, "big").hex() == registry_v2.historyDigest()
    assert "0x" + latest_root.hex() == head_root
