"""tlog-proof documents (c2sp.org/tlog-proof@v1) of one entry, against a signed checkpoint.

The proof any C2SP tool reads: the entry's index, its inclusion path to the checkpoint's
root (from the stored tiles, as :mod:`.bundles` reads them) and the signed checkpoint
verbatim, with every collected cosignature. The ``extra`` line is this service's (format:
:mod:`anchor_service.verifier.tlog_proof`): the base64 of the RFC 8785 JSON of the
entry's proof bundle once an anchored head includes it, else of the entry and its leaf.
The path is checked against the checkpoint's root before it is served.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from anchor_service.errors import EntryNotAnchoredError, NotFoundError, ProofIntegrityError
from anchor_service.ledger.status import EntryStatus
from anchor_service.merkle import verify_inclusion
from anchor_service.services.proofs.anchored_heads import AnchoredHeadIndex
from anchor_service.services.proofs.bundles import BundleService, stored_inclusion_path
from anchor_service.services.proofs.node_cache import NodeCache
from anchor_service.services.proofs.store import ProofStore
from anchor_service.tlog import MalformedError, TlogProof, parse_checkpoint
from anchor_service.verifier.tlog_proof import dump_extra

__all__ = ["TlogProofService"]

logger = logging.getLogger(__name__)


class TlogProofService:
    """Builds tlog-proofs from one :class:`ProofStore` (caches shared as for bundles)."""

    def __init__(
        self,
        store: ProofStore,
        heads: AnchoredHeadIndex | None = None,
        nodes: NodeCache | None = None,
    ) -> None:
        self._store = store
        self._heads = heads
        self._nodes = nodes if nodes is not None else NodeCache(max_nodes=0)

    def proof(
        self, external_id: str, checkpoint_for: Callable[[int], bytes | None] | None = None
    ) -> bytes:
        """The tlog-proof of entry ``external_id``.

        Against the signed checkpoint ``checkpoint_for(leaf index)`` gives (a note with
        its cosignatures); by default the newest cosigned checkpoint that includes the
        entry, else the newest (:meth:`ProofStore.checkpoint_for`). Raises
        :class:`NotFoundError` (no such entry), :class:`EntryNotAnchoredError` with status
        ``pending`` while no signed checkpoint includes the entry, and
        :class:`ProofIntegrityError` when the stored tiles do not lead to its root.
        """
        row = self._store.entry(external_id)
        if row is None:
            raise NotFoundError(f"no entry with external_id {external_id!r}")
        index, leaf_hash, document, redacted, leaf_tile = row
        choose = checkpoint_for if checkpoint_for is not None else self._store.checkpoint_for
        signed_checkpoint = choose(index)
        size, root = self._checkpoint_head(signed_checkpoint)
        if size <= index:
            raise EntryNotAnchoredError(
                f"entry {external_id!r} (leaf {index}) is in no signed checkpoint yet; it is "
                "proved once the next checkpoint is signed (within seconds)",
                external_id=external_id,
                entry_status=EntryStatus.PENDING,
            )
        assert signed_checkpoint is not None  # nosec B101
        path = stored_inclusion_path(self._store, self._nodes, index, size, leaf_tile)
        if not verify_inclusion(index, size, leaf_hash, path, root):
            logger.error(
                "stored tiles give an inclusion path for leaf %d that does not lead to the "
                "root signed at tree size %d",
                index,
                size,
            )
            raise ProofIntegrityError(
                f"the stored proof of leaf {index} does not match the root signed at tree "
                f"size {size}; the log needs an audit"
            )
        extra = self._extra(external_id, index, leaf_hash, document, redacted)
        return TlogProof(index, tuple(path), signed_checkpoint, dump_extra(extra)).text

    def _checkpoint_head(self, signed_checkpoint: bytes | None) -> tuple[int, bytes]:
        if signed_checkpoint is None:
            return 0, b""
        text, _, _ = signed_checkpoint.rpartition(b"\n\n")
        try:
            checkpoint = parse_checkpoint(text.decode("utf-8") + "\n")
        except (MalformedError, UnicodeDecodeError) as exc:
            raise ProofIntegrityError(f"the stored checkpoint is malformed: {exc}") from exc
        return checkpoint.size, checkpoint.root_hash

    def _extra(
        self,
        external_id: str,
        index: int,
        leaf_hash: bytes,
        document: bytes | None,
        redacted: bool,
    ) -> dict[str, Any]:
        try:
            bundle = BundleService(self._store, self._heads, self._nodes).bundle(external_id)
        except EntryNotAnchoredError:
            pass
        else:
            return bundle.to_json()
        extra: dict[str, Any] = {
            "version": 1,
            "entry": None if redacted or document is None else json.loads(document),
            "leaf": {"index": index, "hash": leaf_hash.hex()},
        }
        if redacted:
            extra["redacted"] = True
        return extra
