"""The few chain reads verification needs, as a protocol (no web3 here).

:class:`anchor_service.verifier.onchain.Web3ChainView` implements it over
``anchor_service.chain`` for a JSON-RPC node; anything else answering the same
questions (another client, a recorded chain) can stand in. Every method may raise
:class:`ChainReadError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from anchor_service.verifier.errors import ChainReadError

__all__ = ["AnchorReceipt", "ChainReadError", "ChainView", "HeadAnchoredLog", "RegistryAnchor"]


@dataclass(frozen=True, slots=True)
class RegistryAnchor:
    """What ``AnchorRegistry.anchorAt(seq)`` stores."""

    tree_size: int
    root: bytes
    statement_hash: bytes
    block_number: int


@dataclass(frozen=True, slots=True)
class HeadAnchoredLog:
    """A ``HeadAnchored(seq, treeSize, root, statementHash)`` event."""

    seq: int
    tree_size: int
    root: bytes
    statement_hash: bytes


@dataclass(frozen=True, slots=True)
class AnchorReceipt:
    """A mined transaction's receipt, with the ``HeadAnchored`` event a registry emitted.

    ``to`` is ``None`` for a contract creation.
    """

    block_number: int
    block_hash: bytes
    succeeded: bool
    to: str | None
    head_anchored: HeadAnchoredLog | None


class ChainView(Protocol):
    """Read-only answers from one EVM chain."""

    def chain_id(self) -> int:
        """The chain id the node serves."""
        ...

    def is_contract(self, address: str) -> bool:
        """Whether there is contract code at ``address``."""
        ...

    def root_at(self, registry: str, tree_size: int) -> bytes | None:
        """``rootAt(tree_size)`` of the registry; ``None`` if that size was never anchored."""
        ...

    def anchor_at(self, registry: str, seq: int) -> RegistryAnchor | None:
        """``anchorAt(seq)`` of the registry; ``None`` if there is no such anchor."""
        ...

    def receipt(self, tx_hash: bytes, registry: str) -> AnchorReceipt | None:
        """The receipt of ``tx_hash`` (with ``registry``'s event); ``None`` if not mined."""
        ...

    def head_block_number(self) -> int:
        """The number of the newest block."""
        ...

    def block_hash_at(self, number: int) -> bytes | None:
        """The hash of the current chain's block at height ``number``, if there is one."""
        ...
