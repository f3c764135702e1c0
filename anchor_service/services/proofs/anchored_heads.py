"""Anchored tree heads: the sealed heads whose anchor transaction is on chain.

A head counts as *anchored* once its anchor transaction is mined (status ``submitted``
with a block, or ``confirmed``): from then on the registry holds its root and an auditor
can check a proof against it. Bundles of a mined but not yet confirmed head are served;
how many confirmations the anchor has is for the verifier to report (``anchor-service
verify --min-confirmations``), and a reorg that removes it shows there as a failed check.

:class:`AnchoredHeadIndex` finds them by tree size. Confirmed anchors never change, so
an index kept by an API worker remembers them and answers most lookups without a query;
anything else (a head mined but not confirmed, a size it has not seen) is read fresh.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from anchor_service.db.models_anchoring import AnchorStatus
from anchor_service.verifier import AnchorRef

__all__ = ["AnchoredHead", "AnchoredHeadIndex", "HeadSource", "head_from_row"]


@dataclass(frozen=True, slots=True)
class AnchoredHead:
    """A tree head and the mined anchor transaction that recorded it in the registry
    (``anchor``: the reference a proof bundle carries)."""

    anchor_id: int
    tree_size: int
    root: bytes
    statement_hash: bytes
    batch_seq: int
    anchor: AnchorRef
    confirmed: bool


def head_from_row(row: tuple[Any, ...]) -> AnchoredHead:
    """The head of an anchors row read as ``(id, tree_size, root, statement_hash,
    batch_seq, chain_id, registry_address, chain_seq, tx_hash, block_number, status)``."""
    anchor_id, size, root, statement_hash, batch_seq, chain_id, registry, seq, tx, block, status = (
        row
    )
    return AnchoredHead(
        anchor_id=int(anchor_id),
        tree_size=int(size),
        root=bytes(root),
        statement_hash=bytes(statement_hash),
        batch_seq=int(batch_seq),
        anchor=AnchorRef(
            chain_id=int(chain_id),
            registry=str(registry),
            seq=int(seq),
            tx_hash=bytes(tx),
            block_number=int(block),
        ),
        confirmed=status == AnchorStatus.CONFIRMED.value,
    )


class HeadSource(Protocol):
    """Where anchored heads are read: a :class:`~.store.ProofStore`."""

    def anchored_heads(self) -> list[AnchoredHead]:
        """Every anchored head by tree size (a newer anchor of the same size wins)."""
        ...


class AnchoredHeadIndex:
    """Looks up anchored heads by size; remembers confirmed ones when ``cache`` is on."""

    def __init__(self, *, cache: bool = True) -> None:
        self._cache = cache
        # (sizes, heads) of the confirmed heads, replaced as a whole.
        self._confirmed: tuple[tuple[int, ...], tuple[AnchoredHead, ...]] = ((), ())

    def covering(self, source: HeadSource, leaf_index: int) -> AnchoredHead | None:
        """The smallest anchored head that includes leaf ``leaf_index``, if any."""
        head = self._cached_covering(leaf_index)
        if head is not None:
            return head
        for head in self._refresh(source):
            if head.tree_size > leaf_index:
                return head
        return None

    def at_size(self, source: HeadSource, tree_size: int) -> AnchoredHead | None:
        """The anchored head of exactly ``tree_size`` leaves, if any."""
        sizes, heads = self._confirmed
        position = bisect.bisect_left(sizes, tree_size)
        if position < len(sizes) and sizes[position] == tree_size:
            return heads[position]
        for head in self._refresh(source):
            if head.tree_size == tree_size:
                return head
        return None

    def latest(self, source: HeadSource) -> AnchoredHead | None:
        """The largest anchored head, read fresh."""
        heads = self._refresh(source)
        return heads[-1] if heads else None

    def all(self, source: HeadSource) -> list[AnchoredHead]:
        """Every anchored head, by tree size, read fresh."""
        return self._refresh(source)

    def _cached_covering(self, leaf_index: int) -> AnchoredHead | None:
        sizes, heads = self._confirmed
        position = bisect.bisect_right(sizes, leaf_index)
        return heads[position] if position < len(sizes) else None

    def _refresh(self, source: HeadSource) -> list[AnchoredHead]:
        heads = source.anchored_heads()
        if self._cache:
            self._remember([head for head in heads if head.confirmed])
        return heads

    def _remember(self, confirmed: Sequence[AnchoredHead]) -> None:
        heads = tuple(confirmed)
        if heads != self._confirmed[1]:
            self._confirmed = (tuple(head.tree_size for head in heads), heads)
