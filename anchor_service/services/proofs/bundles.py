"""Proof bundles, and consistency proofs between anchored heads.

A bundle (format: :mod:`anchor_service.verifier.bundle`, which also writes it) proves one
entry against one anchored tree head: the stored document with its salt (``null`` once
redacted; a redacted entry's bundle names its redaction record), the leaf index and
hash, the inclusion path read from the stored tiles, the head's root and statement hash,
the anchor (chain id, registry, anchor sequence number, transaction hash, block number),
and the log's signed checkpoint of that head (``checkpoint``: the note with its witness
cosignatures) when one was signed. By default the head is the first anchored one that
includes the entry; any later anchored head can be asked for by its size.

Cost per bundle, made for a busy API: one query that reads the entry together with its
leaf's level-0 tile and, on PostgreSQL, the head's signed checkpoint
(:class:`~anchor_service.services.proofs.store.ProofStore`); the anchored heads come from an
:class:`~anchor_service.services.proofs.anchored_heads.AnchoredHeadIndex` and the nodes above
the leaf's tile from a :class:`~anchor_service.services.proofs.node_cache.NodeCache` (both
remembered by the API worker), so only a cold cache or the log's right edge needs a
second query. The path is checked against the anchored root (~log2(n) hashes) before
it is served.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from anchor_service.errors import EntryNotAnchoredError, NotFoundError, ProofIntegrityError
from anchor_service.ledger.records import redaction_record_id
from anchor_service.ledger.status import EntryStatus
from anchor_service.merkle import (
    TILE_HEIGHT,
    TileError,
    TileId,
    consistency_nodes,
    inclusion_nodes,
    verify_consistency,
    verify_inclusion,
)
from anchor_service.services.proofs.anchored_heads import AnchoredHead, AnchoredHeadIndex
from anchor_service.services.proofs.node_cache import NodeCache
from anchor_service.services.proofs.store import ProofStore
from anchor_service.verifier import ProofBundle, RedactionRecordRef

__all__ = [
    "BundleService",
    "ConsistencyBetweenHeads",
    "ProofIntegrityError",
    "stored_inclusion_path",
]

logger = logging.getLogger(__name__)


def stored_inclusion_path(
    store: ProofStore, nodes: NodeCache, index: int, tree_size: int, leaf_tile: bytes | None
) -> list[bytes]:
    """The inclusion path of leaf ``index`` in the tree of ``tree_size`` leaves, from the
    stored tiles through ``nodes`` (``leaf_tile``: the leaf's level-0 tile, when read
    already). Raises :class:`ProofIntegrityError` when the tiles cannot give it; the
    caller checks it against the root it proves."""
    known = {} if leaf_tile is None else {TileId(0, index >> TILE_HEIGHT): leaf_tile}
    wanted = inclusion_nodes(index, tree_size)
    try:
        return wanted.rehash(nodes.hashes(wanted.ids, store.tiles, known))
    except TileError as exc:
        raise ProofIntegrityError(
            f"the proof storage cannot give the path of leaf {index}: {exc}; the log needs an audit"
        ) from exc


@dataclass(frozen=True, slots=True)
class ConsistencyBetweenHeads:
    """A consistency proof from one anchored head to a later (or the same) one."""

    first: AnchoredHead
    second: AnchoredHead
    proof: tuple[bytes, ...]


class BundleService:
    """Builds proof bundles and consistency proofs from one :class:`ProofStore`.

    ``heads`` and ``nodes`` are shared by the requests of an API worker; without them
    everything is read from the database.
    """

    def __init__(
        self,
        store: ProofStore,
        heads: AnchoredHeadIndex | None = None,
        nodes: NodeCache | None = None,
    ) -> None:
        self._store = store
        self._heads = heads if heads is not None else AnchoredHeadIndex(cache=False)
        self._nodes = nodes if nodes is not None else NodeCache(max_nodes=0)

    def bundle(self, external_id: str, tree_size: int | None = None) -> ProofBundle:
        """The proof bundle of entry ``external_id``.

        Against the first anchored head that includes it, or the anchored head of
        ``tree_size`` leaves. Raises :class:`NotFoundError` (no such entry, no anchored
        head of that size, or one too small to include the entry),
        :class:`EntryNotAnchoredError` (no anchored head includes it yet) and
        :class:`ProofIntegrityError` (the stored proof does not fit the anchored root).
        """
        row, read = self._store.entry_with_checkpoint(external_id, tree_size)
        if row is None:
            raise NotFoundError(f"no entry with external_id {external_id!r}")
        index, leaf_hash, document, redacted, leaf_tile = row
        head = self._head_for(external_id, index, tree_size)
        # The checkpoint read with the entry is used only if it is of this very head.
        if read is not None and read.tree_size == head.tree_size:
            note = read.note
        else:
            note = self._store.checkpoint_at(head.tree_size)
        path = stored_inclusion_path(self._store, self._nodes, index, head.tree_size, leaf_tile)
        if not verify_inclusion(index, head.tree_size, leaf_hash, path, head.root):
            logger.error(
                "stored tiles give an inclusion path for leaf %d that does not lead to the "
                "root anchored at tree size %d (anchor seq %d)",
                index,
                head.tree_size,
                head.anchor.seq,
            )
            raise ProofIntegrityError(
                f"the stored proof of leaf {index} does not match the root anchored at tree "
                f"size {head.tree_size}; the log needs an audit"
            )
        if document is None and not redacted:
            raise ProofIntegrityError(f"entry {external_id!r} has no document but is not redacted")
        record = None
        if redacted:  # the log leaf recording the erasure (anchor_service.ledger.records)
            found = self._store.entry(redaction_record_id(index))
            if found is not None:
                record = RedactionRecordRef(index=found[0], leaf_hash=found[1])
        return ProofBundle(
            entry=None if redacted or document is None else json.loads(document),
            leaf_index=index,
            leaf_hash=leaf_hash,
            tree_size=head.tree_size,
            root=head.root,
            path=tuple(path),
            statement_hash=head.statement_hash,
            anchor=head.anchor,
            redacted=redacted,
            checkpoint=None if note is None else note.decode("utf-8"),
            redaction_record=record,
        )

    def consistency(self, first: int, second: int) -> ConsistencyBetweenHeads:
        """The consistency proof between the anchored heads of sizes ``first <= second``.

        Raises :class:`NotFoundError` when either size is not an anchored head's, or
        ``first > second``.
        """
        if first > second:
            raise NotFoundError(
                f"no consistency proof from tree size {first} to the smaller {second}"
            )
        heads = [self._anchored(size) for size in (first, second)]
        nodes = consistency_nodes(first, second)
        try:
            proof = nodes.rehash(self._nodes.hashes(nodes.ids, self._store.tiles))
        except TileError as exc:
            raise ProofIntegrityError(f"the proof storage cannot give it: {exc}") from exc
        if not verify_consistency(first, second, proof, heads[0].root, heads[1].root):
            raise ProofIntegrityError(
                f"the stored consistency proof from {first} to {second} does not match the "
                "anchored roots; the log needs an audit"
            )
        return ConsistencyBetweenHeads(heads[0], heads[1], tuple(proof))

    def _anchored(self, tree_size: int) -> AnchoredHead:
        head = self._heads.at_size(self._store, tree_size)
        if head is None:
            raise NotFoundError(f"no anchored tree head of size {tree_size}")
        return head

    def _head_for(self, external_id: str, index: int, tree_size: int | None) -> AnchoredHead:
        if tree_size is not None:
            head = self._anchored(tree_size)
            if head.tree_size <= index:
                raise NotFoundError(
                    f"entry {external_id!r} is leaf {index}, not in the anchored tree of "
                    f"size {tree_size}"
                )
            return head
        covering = self._heads.covering(self._store, index)
        if covering is None:
            status = self._store.entry_status(index)
            raise EntryNotAnchoredError(
                f"entry {external_id!r} (leaf {index}) is {status}: no anchored tree head "
                f"includes it yet{_NEXT_STEP.get(status, '')}",
                external_id=external_id,
                entry_status=status,
            )
        return covering


_NEXT_STEP = {
    EntryStatus.PENDING: "; it is proved once it is sealed and the head is anchored",
    EntryStatus.LOGGED: "; it is in a signed checkpoint (GET /tlog/checkpoint) and is proved "
    "on chain once it is sealed and the head is anchored",
    EntryStatus.SEALED: "; it is proved once its head is anchored",
    EntryStatus.ANCHORED: "; its anchor transaction is not mined yet",
    EntryStatus.SETTLED: "",
}
