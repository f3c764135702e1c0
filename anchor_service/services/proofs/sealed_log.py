"""Proofs and tree heads of the sealed log, served from the stored tiles.

Every proof or old root costs two queries whatever the log's size: the head (the latest
batch) and one ``SELECT`` of the few tiles that hold the O(log n) nodes needed
(:mod:`anchor_service.merkle.tilelog`). Only sealed tree sizes exist: asking for a size
beyond the head, or a leaf outside the tree, raises :class:`NotFoundError`.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from anchor_service.db.repositories.batches import BatchRepository
from anchor_service.db.repositories.tiles import TileRepository
from anchor_service.errors import NotFoundError
from anchor_service.merkle import (
    EMPTY_ROOT,
    consistency_proof_from_tiles,
    inclusion_proof_from_tiles,
    root_from_tiles,
)

__all__ = ["ProofService"]


class ProofService:
    """Reads tree heads and proofs of the sealed log in the caller's session."""

    def __init__(self, session: Session) -> None:
        self._batches = BatchRepository(session)
        self._tiles = TileRepository(session)

    def head(self) -> tuple[int, bytes]:
        """Return ``(tree_size, root)`` of the sealed log (``(0, EMPTY_ROOT)`` before any seal)."""
        latest = self._batches.latest()
        if latest is None:
            return 0, EMPTY_ROOT
        return latest.end_index, latest.root

    def root_at(self, tree_size: int) -> bytes:
        """Return the root of the log at ``tree_size`` (0 <= tree_size <= the sealed size)."""
        self._require_sealed(tree_size)
        return root_from_tiles(tree_size, self._tiles.read_tiles)

    def inclusion_proof(self, index: int, tree_size: int) -> list[bytes]:
        """Return the inclusion proof of leaf ``index`` in the tree of ``tree_size`` leaves.

        Requires ``0 <= index < tree_size <= the sealed size``.
        """
        self._require_sealed(tree_size)
        if not 0 <= index < tree_size:
            raise NotFoundError(f"leaf {index} is not in the tree of size {tree_size}")
        return inclusion_proof_from_tiles(index, tree_size, self._tiles.read_tiles)

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """Return the consistency proof from tree size ``size1`` to ``size2``.

        Requires ``0 <= size1 <= size2 <= the sealed size``; the proof is empty when
        ``size1`` is 0 or equals ``size2``.
        """
        self._require_sealed(size2)
        if not 0 <= size1 <= size2:
            raise NotFoundError(f"no consistency proof from tree size {size1} to {size2}")
        return consistency_proof_from_tiles(size1, size2, self._tiles.read_tiles)

    def _require_sealed(self, tree_size: int) -> None:
        size, _root = self.head()
        if not 0 <= tree_size <= size:
            raise NotFoundError(f"no tree of size {tree_size}: the sealed log has {size} leaves")
