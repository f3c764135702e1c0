"""Integration: extend the tree over the committed entries and sign a C2SP checkpoint.

Integration is separate from settlement. Every ``ANCHOR_CHECKPOINT_SECONDS`` the
scheduler's leader calls :func:`integrate`, and the nightly seal calls it first (so a
batch is always cut at an integrated size). One call is one transaction:

1. take the log lock (the sealing lock: one integration or seal at a time);
2. the head: the newest checkpoint (size, root, compact range) or, on a log sealed
   before checkpoints existed, the newest batch (size, root, no compact range);
3. read the leaf hashes ``[size, target)`` from ``entries`` (``target``: the log
   counter, every entry below it committed; at most ``max_entries`` at once);
4. extend the stored tiles (:func:`anchor_service.merkle.append_to_tiles`) → the
   *tiles' root*;
5. recompute the root by another path: the compact range stored with the last checkpoint
   (or, with none, every stored leaf hash from index 0) extended with the same leaf
   hashes → the *recomputed root*;
6. the two roots differ → nothing is written or signed: the transaction rolls back, the
   refusal is stored (``checkpoint_mismatches``, shown by ``/metrics`` as
   ``anchor_checkpoint_mismatches_total``), an error log names both roots, and
   :class:`CheckpointMismatchError` is raised; the scheduler stops signing;
7. else sign the checkpoint body (origin, size, base64 root; c2sp.org/tlog-checkpoint)
   with the log key, store it with the compact range and the tiles, commit.

An entry is ``logged`` once a checkpoint's size is above its index.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from anchor_service.db.locks import hold_until_commit
from anchor_service.db.repositories.batches import BatchRepository
from anchor_service.db.repositories.checkpoints import CheckpointRepository
from anchor_service.db.repositories.leaves import LeafRepository
from anchor_service.db.repositories.log_state import LogStateRepository
from anchor_service.db.repositories.tiles import TileRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.errors import CheckpointMismatchError, SealingError
from anchor_service.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    CompactRange,
    TileError,
    append_to_tiles,
)
from anchor_service.services.log_identity import LogIdentity
from anchor_service.tlog import Checkpoint, sign_note

__all__ = [
    "RECOMPUTE_CHUNK",
    "SEAL_LOCK_KEY",
    "CheckpointMismatchError",
    "SignedCheckpoint",
    "checkpoint_body",
    "integrate",
]

logger = logging.getLogger(__name__)

#: PostgreSQL advisory lock key held by a sealing or integrating transaction ("an-seal").
SEAL_LOCK_KEY = int.from_bytes(b"an-seal", "big")

#: Leaf hashes read per query when the root is recomputed from index 0.
RECOMPUTE_CHUNK = 100_000


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    """A checkpoint signed by :func:`integrate`: its size, root and the signed note."""

    tree_size: int
    root: bytes
    note: str
    previous_size: int
    signed_at: datetime


@dataclass(frozen=True, slots=True)
class _Mismatch:
    tree_size: int
    tiles_root: bytes
    recomputed_root: bytes


def checkpoint_body(origin: str, tree_size: int, root: bytes) -> str:
    """The checkpoint note text: origin, size and base64 root, one per line."""
    return Checkpoint(origin=origin, size=tree_size, root_hash=root).text


def lock_log(session: Session) -> None:
    """Hold the log lock until the transaction ends (one integration or seal at a time)."""
    hold_until_commit(session, SEAL_LOCK_KEY)


def integrate(
    database: Database,
    identity: LogIdentity,
    *,
    max_entries: int | None = None,
) -> SignedCheckpoint | None:
    """Integrate the committed entries not yet in a checkpoint and sign one; ``None``
    when there is nothing new (and a checkpoint exists already).

    ``max_entries`` caps one call (``None``: everything committed). Raises
    :class:`CheckpointMismatchError` when the roots disagree (nothing is signed),
    :class:`SealingError` when entries below the counter are missing.
    """
    mismatch: _Mismatch | None = None
    with unit_of_work(database.writer) as session:
        lock_log(session)
        outcome = integrate_in(session, identity, max_entries=max_entries)
        if isinstance(outcome, _Mismatch):
            mismatch = outcome
            session.rollback()
        elif outcome is None:
            return None
        else:
            session.commit()
            logger.info(
                "signed checkpoint %d (root %s, +%d entries)",
                outcome.tree_size,
                outcome.root.hex(),
                outcome.tree_size - outcome.previous_size,
            )
            return outcome
    assert mismatch is not None
    with unit_of_work(database.writer) as session:
        CheckpointRepository(session).record_mismatch(
            tree_size=mismatch.tree_size,
            tiles_root=mismatch.tiles_root,
            recomputed_root=mismatch.recomputed_root,
        )
    detail = (
        f"checkpoint {mismatch.tree_size} NOT signed: the stored tiles give root "
        f"{mismatch.tiles_root.hex()}, the stored leaves give {mismatch.recomputed_root.hex()}"
        "; signing stops until this is investigated (run `anchor-service audit`)"
    )
    logger.error("%s", detail)
    raise CheckpointMismatchError(
        detail,
        tree_size=mismatch.tree_size,
        tiles_root=mismatch.tiles_root,
        recomputed_root=mismatch.recomputed_root,
    )


def integrate_in(
    session: Session, identity: LogIdentity, *, max_entries: int | None = None
) -> SignedCheckpoint | _Mismatch | None:
    """:func:`integrate`'s work in the caller's transaction (the log lock held); does
    not commit. Returns the signed checkpoint, the mismatch (the caller rolls back), or
    ``None`` when there is nothing new."""
    checkpoints = CheckpointRepository(session)
    latest = checkpoints.latest()
    batch = BatchRepository(session).latest()
    known: CompactRange | None = None
    if latest is not None and (batch is None or latest.tree_size >= batch.end_index):
        size, old_root = latest.tree_size, latest.root
        data = latest.compact_range
        known = CompactRange(
            size, [data[offset : offset + HASH_SIZE] for offset in range(0, len(data), HASH_SIZE)]
        )
    elif batch is not None:
        size, old_root = batch.end_index, batch.root
    else:
        size, old_root = 0, EMPTY_ROOT
        known = CompactRange()
    target = LogStateRepository(session).next_index()
    if max_entries is not None:
        target = min(target, size + max_entries)
    if target <= size and latest is not None and latest.tree_size == size:
        return None
    leaves = LeafRepository(session)
    leaf_hashes = leaves.hashes(size, target)
    if len(leaf_hashes) != target - size:
        raise SealingError(
            f"entries [{size}, {target}) should all be stored, found {len(leaf_hashes)}"
        )
    if known is None:
        # The first checkpoint of a log sealed before checkpoints: every stored leaf from
        # index 0 must give the sealed root too.
        known = _from_leaves(leaves, size)
        if known.root() != old_root:
            return _Mismatch(size, old_root, known.root())
    recomputed = known.copy()
    recomputed.extend(leaf_hashes, ())
    tiles = TileRepository(session)
    try:
        update = append_to_tiles(size, leaf_hashes, tiles.read_tiles)
    except TileError as exc:
        logger.error("checkpoint %d NOT signed: %s", target, exc)
        return _Mismatch(target, bytes(HASH_SIZE), recomputed.root())
    if update.root != recomputed.root():
        return _Mismatch(target, update.root, recomputed.root())
    signed_at = datetime.now(UTC)
    body = checkpoint_body(identity.origin, target, update.root)
    note = sign_note(body, identity.signer).decode("utf-8")
    tiles.write(update)
    checkpoints.add(
        tree_size=target,
        root=update.root,
        note=note,
        compact_range=b"".join(recomputed.hashes),
        signed_at=signed_at,
    )
    return SignedCheckpoint(target, update.root, note, size, signed_at)


def _from_leaves(leaves: LeafRepository, size: int) -> CompactRange:
    """The compact range at ``size`` from every stored leaf hash (read in chunks)."""
    state = CompactRange()
    for start in range(0, size, RECOMPUTE_CHUNK):
        end = min(size, start + RECOMPUTE_CHUNK)
        chunk = leaves.hashes(start, end)
        if len(chunk) != end - start:
            raise SealingError(f"entries [{start}, {end}) should all be stored, found {len(chunk)}")
        state.extend(chunk, ())
    return state
