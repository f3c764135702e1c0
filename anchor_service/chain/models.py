"""Values the chain layer hands to its callers: plain frozen dataclasses.

Hashes are ``bytes`` (32 bytes), never hex strings; addresses are checksummed strings.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from anchor_service.chain.fees import Fees

__all__ = [
    "AnchorCall",
    "AnchorRecord",
    "AnchoredHead",
    "Deployment",
    "HeadAnchoredEvent",
    "Receipt",
    "SignedTx",
    "Succession",
    "TxState",
]

_UINT64_MAX = 2**64 - 1


def _require_hash(name: str, value: bytes) -> None:
    if not isinstance(value, bytes) or len(value) != 32:
        raise ValueError(f"{name} must be 32 bytes")


@dataclass(frozen=True)
class AnchorCall:
    """Arguments of ``AnchorRegistry.anchor``.

    Requires ``1 <= tree_size < 2**64``, 32-byte ``root``, ``statement_hash`` and proof
    nodes. The proof is empty for the first anchor, else an RFC 9162 consistency proof
    from the latest anchored size to ``tree_size``.
    """

    tree_size: int
    root: bytes
    statement_hash: bytes
    consistency_proof: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        if not 1 <= self.tree_size <= _UINT64_MAX:
            raise ValueError("tree_size must be in [1, 2**64)")
        _require_hash("root", self.root)
        _require_hash("statement_hash", self.statement_hash)
        object.__setattr__(self, "consistency_proof", tuple(self.consistency_proof))
        for node in self.consistency_proof:
            _require_hash("consistency proof node", node)


@dataclass(frozen=True)
class SignedTx:
    """A signed, not yet sent transaction: record it, then send ``raw``.

    ``tx_hash`` is known before sending (keccak of ``raw``), so an intent can be stored
    first and the same bytes re-sent after a crash.
    """

    raw: bytes
    tx_hash: bytes
    sender: str
    to: str | None
    nonce: int
    gas: int
    fees: Fees
    chain_id: int


class TxState(enum.Enum):
    """What the node knows about a transaction hash."""

    UNKNOWN = "unknown"  # not in the pool, not in the chain (dropped, replaced, reorged)
    PENDING = "pending"  # in the node's pool, not mined
    MINED = "mined"  # in a block of the node's current chain


@dataclass(frozen=True)
class HeadAnchoredEvent:
    """A decoded ``HeadAnchored(seq, treeSize, root, statementHash)`` log."""

    seq: int
    tree_size: int
    root: bytes
    statement_hash: bytes


@dataclass(frozen=True)
class Receipt:
    """The parts of a transaction receipt the service records.

    ``status`` is 1 for success, 0 for a reverted transaction. ``head_anchored`` is the
    registry event the transaction emitted, if any.
    """

    tx_hash: bytes
    block_number: int
    block_hash: bytes
    status: int
    gas_used: int
    effective_gas_price: int
    contract_address: str | None = None
    head_anchored: HeadAnchoredEvent | None = None

    @property
    def succeeded(self) -> bool:
        """Whether the transaction executed without reverting."""
        return self.status == 1


@dataclass(frozen=True)
class AnchoredHead:
    """The registry's latest head and its anchor sequence number."""

    seq: int
    tree_size: int
    root: bytes


@dataclass(frozen=True)
class AnchorRecord:
    """One stored anchor, by sequence number (``timestamp`` in Unix seconds)."""

    seq: int
    tree_size: int
    root: bytes
    statement_hash: bytes
    block_number: int
    timestamp: int


@dataclass(frozen=True)
class Deployment:
    """Where a contract was deployed."""

    address: str
    block_number: int
    tx_hash: bytes


@dataclass(frozen=True)
class Succession:
    """An AnchorRegistryV2's retirement in favour of ``successor``, which continues from
    its ``kept``-th anchor ``(tree_size, root, statement_hash)`` (zeros when ``kept`` is 0);
    effective once ``retired`` (possible after ``ready_at``, a Unix time)."""

    successor: str
    ready_at: int
    retired: bool
    kept: int
    tree_size: int
    root: bytes
    statement_hash: bytes
