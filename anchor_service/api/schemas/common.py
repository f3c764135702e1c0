"""What the wire models share: how hashes are written, and the domain shapes they read.

Hashes are lower-case hex without ``0x``, except Ethereum's own (transaction and block
hashes), which keep their ``0x``. The protocols name the attributes a model reads, so
that a database row and a service's frozen value build the same body.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from anchor_service.db.models_anchoring import AnchorStatus

__all__ = ["AnchorRecord", "BatchHead", "tx_hex"]


def tx_hex(value: bytes | None) -> str | None:
    """An Ethereum hash as ``0x`` and lower-case hex (``None`` stays ``None``)."""
    return None if value is None else "0x" + value.hex()


class BatchHead(Protocol):
    """A sealed batch: a ``batches`` row, or a seal's :class:`SealedBatch`."""

    @property
    def seq(self) -> int: ...
    @property
    def start_index(self) -> int: ...
    @property
    def end_index(self) -> int: ...
    @property
    def tree_size(self) -> int: ...
    @property
    def entry_count(self) -> int: ...
    @property
    def root(self) -> bytes: ...
    @property
    def statement_hash(self) -> bytes: ...
    @property
    def period_start(self) -> datetime: ...
    @property
    def period_end(self) -> datetime: ...
    @property
    def sealed_at(self) -> datetime: ...


class AnchorRecord(Protocol):
    """An anchor as recorded here: an ``anchors`` row, or an :class:`AnchorView`."""

    @property
    def id(self) -> int: ...
    @property
    def status(self) -> AnchorStatus: ...
    @property
    def tree_size(self) -> int: ...
    @property
    def chain_id(self) -> int: ...
    @property
    def registry_address(self) -> str: ...
    @property
    def chain_seq(self) -> int | None: ...
    @property
    def tx_hash(self) -> bytes | None: ...
    @property
    def block_number(self) -> int | None: ...
