"""Check before signing: the head about to be anchored, recomputed by another path.

A sealed head's root comes from the proof storage (the tiles written when sealing, and
the batch row). Before :class:`~.anchorer.Anchorer` signs, :class:`HeadCheck` hashes the
leaf hashes stored in the ``entries`` table into a compact range (never reading a tile)
and compares that root with the batch's root and with the root the tiles give at the
same size; it also verifies the consistency proof about to be sent against the chain's
head and that recomputed root. Any difference refuses the anchor with ``HeadMismatch``
(no transaction, logged as an error naming both roots; the failed anchor shows in
``anchor_anchors{status="failed"}`` and ``anchor_anchoring_stopped{reason="HeadMismatch"}``).

The compact range of the last head that passed is kept in memory, so the next check
only hashes the leaves added since (a process restart starts again from leaf 0: one
sequential read of the leaf hashes, in chunks).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy.orm import Session

from anchor_service.chain import AnchoredHead
from anchor_service.db.models_sealing import Batch
from anchor_service.db.repositories.leaves import LeafRepository
from anchor_service.merkle import CompactRange, MerkleError, verify_consistency
from anchor_service.services.proofs.sealed_log import ProofService

__all__ = ["CHUNK_LEAVES", "HEAD_MISMATCH", "HeadCheck"]

logger = logging.getLogger(__name__)

#: Error name of an anchor refused because the head did not recompute.
HEAD_MISMATCH = "HeadMismatch"

#: Leaf hashes read per query.
CHUNK_LEAVES = 65_536


class HeadCheck:
    """Recomputes heads from the stored leaves; remembers the last one that passed."""

    def __init__(self, *, chunk_leaves: int = CHUNK_LEAVES) -> None:
        self._chunk = chunk_leaves
        self._verified: CompactRange | None = None

    def refusal(
        self,
        session: Session,
        batch: Batch,
        chain_head: AnchoredHead | None,
        proof: Sequence[bytes],
    ) -> tuple[str, str] | None:
        """``(HEAD_MISMATCH, reason)`` when ``batch``'s head does not recompute, else
        ``None``. ``proof`` is the consistency proof from ``chain_head`` to be sent."""
        size = batch.end_index
        leaves = self._leaf_root(session, size)
        if isinstance(leaves, str):
            return self._refuse(size, leaves)
        try:
            tiles: bytes | str = ProofService(session).root_at(size)
        except MerkleError as exc:
            tiles = f"no root ({exc})"
        problems = []
        if batch.root != leaves:
            problems.append(f"batch {batch.seq} records root {batch.root.hex()}")
        if tiles != leaves:
            shown = tiles.hex() if isinstance(tiles, bytes) else tiles
            problems.append(f"the stored tiles give {shown}")
        extends = not problems and chain_head is not None and chain_head.tree_size < size
        if extends and chain_head is not None and not verify_consistency(
            chain_head.tree_size, size, list(proof), chain_head.root, leaves
        ):  # fmt: skip
            problems.append(
                f"the consistency proof from the registry's head (size "
                f"{chain_head.tree_size}, root {chain_head.root.hex()}) does not lead to it"
            )
        if problems:
            self._verified = None
            return self._refuse(
                size,
                f"the stored leaves give root {leaves.hex()} at tree size {size}, but "
                + "; ".join(problems),
            )
        return None

    def _leaf_root(self, session: Session, size: int) -> bytes | str:
        """The root of leaves ``[0, size)`` from the entries table, or why there is none."""
        compact = self._verified
        fresh = compact is None or compact.size > size
        compact = CompactRange() if fresh or compact is None else compact.copy()
        reads = LeafRepository(session)
        while compact.size < size:
            start = compact.size
            stop = min(start + self._chunk, size)
            hashes = reads.hashes(start, stop)
            if len(hashes) != stop - start or any(
                not isinstance(value, bytes) or len(value) != 32 for value in hashes
            ):
                self._verified = None
                return (
                    f"the entries table does not hold the {stop - start} leaf hashes of "
                    f"leaves [{start}, {stop}) (found {len(hashes)}): the head at tree "
                    f"size {size} cannot be recomputed"
                )
            compact.extend(hashes, ())
        self._verified = compact
        return compact.root()

    @staticmethod
    def _refuse(size: int, reason: str) -> tuple[str, str]:
        message = f"{reason}; nothing was signed and anchoring stops until this is resolved"
        logger.error("check before signing failed for tree size %d: %s", size, message)
        return HEAD_MISMATCH, message
