"""The reads proofs are made of, as :class:`~anchor_service.services.proofs.bundles.BundleService`
needs them.

:class:`ProofStore` answers over the rows of
:mod:`anchor_service.db.repositories.proofs` (where the SQL and the PostgreSQL fast path
are): an entry with its leaf's level-0 tile, tiles by id, the entry's status, the
anchored heads by tree size, and signed checkpoints.
"""

from __future__ import annotations

from collections.abc import Sequence

from anchor_service.db.repositories.proofs import CheckpointRead, EntryRow, ProofRows
from anchor_service.ledger.status import EntryStatus
from anchor_service.merkle import TileId
from anchor_service.services.proofs.anchored_heads import AnchoredHead, head_from_row

__all__ = ["CheckpointRead", "EntryRow", "ProofStore"]


class ProofStore:
    """The reads behind proofs, over ``rows``."""

    def __init__(self, rows: ProofRows) -> None:
        self._rows = rows

    def entry(self, external_id: str) -> EntryRow | None:
        """The entry with ``external_id`` and its leaf's level-0 tile, if it exists."""
        return self._rows.entry(external_id)

    def entry_with_checkpoint(
        self, external_id: str, tree_size: int | None
    ) -> tuple[EntryRow | None, CheckpointRead | None]:
        """The entry and, when read in the same query, the signed checkpoint of
        ``tree_size`` or else of the first anchored head that includes the entry."""
        return self._rows.entry_with_checkpoint(external_id, tree_size)

    def tiles(self, ids: Sequence[TileId]) -> dict[TileId, bytes]:
        """The stored tiles among ``ids``."""
        return self._rows.tiles(ids)

    def anchored_heads(self) -> list[AnchoredHead]:
        """Every anchored head by tree size (a newer anchor of the same size wins)."""
        by_size = {}
        for row in self._rows.mined_anchors():
            head = head_from_row(tuple(row))
            by_size[head.tree_size] = head  # ordered by id: a newer anchor of a size wins
        return [by_size[size] for size in sorted(by_size)]

    def checkpoint_for(self, leaf_index: int) -> bytes | None:
        """The signed checkpoint (cosignatures appended) to prove leaf ``leaf_index``
        against: the newest cosigned one that includes it, else the newest one."""
        size = self._rows.checkpoint_size(leaf_index)
        return None if size is None else self._rows.checkpoint_note(size)

    def checkpoint_at(self, tree_size: int) -> bytes | None:
        """The signed checkpoint of ``tree_size`` (cosignatures appended), if one was signed."""
        return self._rows.checkpoint_note(tree_size)

    def entry_status(self, leaf_index: int) -> EntryStatus:
        """The status of the entry at ``leaf_index``, from the batch holding it."""
        return EntryStatus(self._rows.entry_status(leaf_index))
