"""Decode the registry's ``HeadAnchored`` event from receipt logs."""

from __future__ import annotations

from collections.abc import Iterable

from eth_abi.abi import decode as abi_decode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3.types import LogReceipt

from anchor_service.chain.models import HeadAnchoredEvent

__all__ = ["HEAD_ANCHORED_TOPIC", "head_anchored_from_logs"]

#: topic0 of ``HeadAnchored(uint256 indexed seq, uint64 treeSize, bytes32 root,
#: bytes32 statementHash)``.
HEAD_ANCHORED_TOPIC = keccak(text="HeadAnchored(uint256,uint64,bytes32,bytes32)")


def head_anchored_from_logs(logs: Iterable[LogReceipt], address: str) -> HeadAnchoredEvent | None:
    """The first ``HeadAnchored`` event emitted by the contract at ``address``, if any."""
    registry = to_checksum_address(address)
    for log in logs:
        topics = log["topics"]
        if len(topics) != 2 or bytes(topics[0]) != HEAD_ANCHORED_TOPIC:
            continue
        if to_checksum_address(log["address"]) != registry:
            continue
        tree_size, root, statement_hash = abi_decode(
            ["uint64", "bytes32", "bytes32"], bytes(log["data"])
        )
        return HeadAnchoredEvent(
            seq=int.from_bytes(bytes(topics[1]), "big"),
            tree_size=int(tree_size),
            root=bytes(root),
            statement_hash=bytes(statement_hash),
        )
    return None
