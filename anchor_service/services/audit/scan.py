"""The audit's pass over the leaves: entry by entry, then root by root.

:class:`LeafScan` reads the entries in chunks of leaf indices, with the level-0 tiles
(the leaf hashes as they were sealed) of the same range, and classifies every index:

- an entry whose document, stored leaf hash and sealed leaf hash do not all agree, whose
  external id is not its parsed document's top-level ``external_id`` (the same text in
  ``metadata`` names nothing), or whose columns hold a value of the wrong type (SQLite
  stores any type anywhere; the values are read as stored) is ``altered``; so is an
  entry whose leaf index is not an integer (it is at no position of the log);
- an index without an entry, below the end of the log, is ``deleted``; its sealed leaf
  hash stands in for it so that the roots after it can still be checked;
- an entry at or beyond the end of the log is ``inserted``;
- a redacted entry whose redaction no record in the log names
  (:mod:`anchor_service.ledger.records`) is an ``unrecorded_redaction``.

The leaf hashes the entries give (recomputed from the documents; the stored one for a
redacted entry) are appended to a :class:`~anchor_service.merkle.CompactRange`; at every
checkpoint size the root is compared with what the batch, the anchor records, the
stored tiles and the registry say.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import cast

from sqlalchemy.orm import Session

from anchor_service.chain import AnchorRecord, size_in_words
from anchor_service.db.models_anchoring import Anchor
from anchor_service.db.models_sealing import Batch
from anchor_service.db.repositories.audit import AuditedEntry, AuditRepository
from anchor_service.db.repositories.tiles import TileRepository
from anchor_service.ledger.records import redacted_index
from anchor_service.merkle import (
    HASH_SIZE,
    TILE_HEIGHT,
    CompactRange,
    MerkleError,
    root_from_tiles,
)
from anchor_service.services.audit.report import AuditReport, Finding, FindingKind

__all__ = ["LeafScan", "scan_limit"]

#: The columns read as stored, and the storage class each must have.
_COLUMNS = ("external id", "document", "stored leaf hash")
_STORED_AS = ("text", "blob", "blob")
_IN_WORDS = {
    "text": "text",
    "blob": "a blob",
    "integer": "an integer",
    "real": "a real number",
    "null": "NULL",
}

_MASK = (1 << TILE_HEIGHT) - 1
_NO_LEVELS: tuple[int, ...] = ()


def scan_limit(log_size: int, chunk_entries: int) -> int:
    """The largest tree size the scan goes to: the log's own size (counter and stored
    entries) doubled, plus a chunk, so leaves cut off the end with the counter are still
    looked for, while a head claiming far more (2^64-1) is reported, never scanned to."""
    return 2 * log_size + chunk_entries


class LeafScan:
    """One pass over leaves ``[0, end)`` of the snapshot read by ``session``.

    ``end`` is the largest of the log counter and every checkpoint size, so leaves the
    chain or a batch knows of are looked for even if the counter was moved back.
    """

    def __init__(
        self,
        session: Session,
        report: AuditReport,
        next_index: int,
        batches: Sequence[Batch],
        anchors: Sequence[Anchor],
        chain: Sequence[AnchorRecord],
        *,
        limit: int | None = None,
        log_size: int | None = None,
    ) -> None:
        self._reads = AuditRepository(session)
        self._report = report
        self._tiles = TileRepository(session)
        self._limit = limit
        self._log_size = next_index if log_size is None else log_size
        batches = [batch for batch in batches if self._within(batch.end_index, "batch", batch)]
        self._sealed = batches[-1].end_index if batches else 0
        self._batches = {batch.end_index: batch for batch in batches}
        self._anchors: dict[int, list[Anchor]] = defaultdict(list)
        for anchor in anchors:
            if self._within(anchor.tree_size, "anchor", anchor):
                self._anchors[anchor.tree_size].append(anchor)
        self._chain: dict[int, list[AnchorRecord]] = defaultdict(list)
        latest_seq = max((record.seq for record in chain), default=None)
        for record in chain:
            what = "latest" if record.seq == latest_seq else "chain"
            if self._within(record.tree_size, what, record):
                self._chain[record.tree_size].append(record)
        self._checkpoints = sorted({*self._batches, *self._anchors, *self._chain})
        self._next_checkpoint = 0
        self.end = max([next_index, *self._checkpoints])
        self._compact = CompactRange()
        self._unknown_leaf: int | None = None
        self._missing_tiles: set[int] = set()
        self._redacted: dict[int, str] = {}  # leaf index -> external id
        self._recorded: set[int] = set()  # leaf indices named by redaction records
        report.log_size = next_index
        report.sealed_size = self._sealed
        if next_index < self._sealed:
            report.add(
                Finding(
                    FindingKind.LOG_COUNTER,
                    f"the log counter says {next_index} entries, but {self._sealed} are sealed",
                    tree_size=self._sealed,
                )
            )

    def _within(self, size: int, what: str, source: Batch | Anchor | AnchorRecord) -> bool:
        """Whether a checkpoint of ``size`` is scanned; one beyond the limit (see
        :func:`scan_limit`) is reported instead: it is not a head of this log."""
        if self._limit is None or size <= self._limit:
            return True
        named = size_in_words(size)
        log = f"the log has {self._log_size} leaves by its counter and stored entries"
        if isinstance(source, Batch):
            kind, text = FindingKind.BATCH, f"batch {source.seq} ends at tree size {named}"
            seq: int | None = source.seq
        elif isinstance(source, Anchor):
            kind, text = FindingKind.ANCHOR, f"anchor record {source.id} has tree size {named}"
            seq = source.chain_seq
        else:
            head = "latest head" if what == "latest" else f"anchor {source.seq}"
            kind, text = FindingKind.ANCHOR, f"the registry's {head} {named}"
            seq = source.seq
        self._report.add(
            Finding(
                kind,
                f"{text} is not a head of this log: {log}, so it was not scanned up to it "
                "(a forged or foreign head; see `anchor-service registry --help`)",
                tree_size=size,
                seq=seq,
            )
        )
        return False

    def run(self, chunk_entries: int, progress: Callable[[int, int], None] | None = None) -> None:
        """Scan everything; ``progress(done, total)`` after each chunk, if given."""
        for start in range(0, self.end, chunk_entries):
            stop = min(start + chunk_entries, self.end)
            leaves = self._read_chunk(start, stop)
            self._extend(start, leaves)
            if progress is not None:
                progress(stop, self.end)
        self._find_inserted()
        self._find_without_an_index()
        self._find_unrecorded_redactions()

    # --- entries ------------------------------------------------------------------------
    def _read_chunk(self, start: int, stop: int) -> list[bytes | None]:
        rows = self._reads.entries(start, stop)
        tiles = self._reads.leaf_tiles(start, min(stop, self._sealed))
        leaves: list[bytes | None] = []
        expected = start
        for entry in rows:
            while expected < entry.leaf_index:
                leaves.append(self._deleted(expected, tiles))
                expected += 1
            leaves.append(self._entry(entry, tiles))
            expected = entry.leaf_index + 1
        while expected < stop:
            leaves.append(self._deleted(expected, tiles))
            expected += 1
        self._report.entries_checked += len(rows)
        return leaves

    def _entry(self, entry: AuditedEntry, tiles: dict[int, bytes]) -> bytes | None:
        """Check one entry; return the leaf hash it gives (``None``: it gives none)."""
        index, document, stored = entry.leaf_index, entry.document, entry.leaf_hash
        external_id = (entry.external_id or b"").decode("utf-8", "replace")
        problems = [
            f"its {name} is stored as {_a(found)}, not as {_a(expected)}"
            for name, found, expected in zip(_COLUMNS, entry.stored_as, _STORED_AS, strict=True)
            if found != expected and not (found == "null" and name == "document")
        ]
        hashes: list[tuple[str, bytes]] = []
        derived = stored if stored is not None and len(stored) == HASH_SIZE else None
        if entry.redacted:
            self._report.redacted += 1
            self._redacted[index] = external_id
            if document is not None:
                problems.append("it is marked redacted but still holds a document")
        elif document is None:
            problems.append("its document is missing but it is not marked redacted")
        else:
            derived = hashlib.sha256(b"\x00" + document).digest()
            recorded = redacted_index(document)
            if recorded is not None and recorded < index:
                self._recorded.add(recorded)
            hashes.append(("its document hashes to", derived))
            named = _named_external_id(document)
            if named != external_id:
                shown = "no external_id" if named is None else f"external_id {named!r}"
                problems.append(f"its document names {shown}, not {external_id!r}")
        if stored is not None:
            hashes.append(("its stored leaf hash is", stored))
        sealed = self._sealed_leaf(index, tiles)
        if sealed is not None:
            hashes.append(("the sealed leaf hash is", sealed))
        if len({value for _, value in hashes}) > 1:
            problems.insert(0, "; ".join(f"{name} {value.hex()}" for name, value in hashes))
        if problems:
            self._report.add(
                Finding(
                    FindingKind.ALTERED,
                    "; ".join(problems),
                    index=index,
                    external_id=external_id,
                )
            )
        return derived if derived is not None else sealed

    def _deleted(self, index: int, tiles: dict[int, bytes]) -> bytes | None:
        """Report the missing entry at ``index``; return its sealed leaf hash, if stored."""
        sealed = self._sealed_leaf(index, tiles)
        known = f"; its sealed leaf hash is {sealed.hex()}" if sealed is not None else ""
        self._report.add(
            Finding(
                FindingKind.DELETED,
                f"no entry is stored at leaf index {index}, below the end of the log "
                f"({self.end}){known}",
                index=index,
            )
        )
        return sealed

    def _find_inserted(self) -> None:
        for index, external_id in self._reads.entries_from(self.end):
            self._report.add(
                Finding(
                    FindingKind.INSERTED,
                    f"an entry is stored at leaf index {index}, beyond the end of the log "
                    f"({self.end} leaves: counter, batches and anchors)",
                    index=index,
                    external_id=external_id,
                )
            )

    def _find_unrecorded_redactions(self) -> None:
        for index, external_id in sorted(self._redacted.items()):
            if index not in self._recorded:
                self._report.add(
                    Finding(
                        FindingKind.UNRECORDED_REDACTION,
                        "the entry is redacted, but no redaction record in the log names "
                        "it: its erasure left no public trace (a redaction through "
                        "`anchor-service redact` or the admin API appends one)",
                        index=index,
                        external_id=external_id,
                    )
                )

    def _find_without_an_index(self) -> None:
        for raw, kind, external_id in self._reads.entries_without_an_index():
            shown = (raw or b"").decode("utf-8", "replace")
            self._report.add(
                Finding(
                    FindingKind.ALTERED,
                    f"its leaf index is stored as {_a(kind)} ({shown!r}), not as an "
                    "integer: the entry is at no position of the log",
                    external_id=external_id,
                )
            )

    # --- sealed leaf hashes (level-0 tiles) ---------------------------------------------
    def _sealed_leaf(self, index: int, tiles: dict[int, bytes]) -> bytes | None:
        if index >= self._sealed:
            return None
        tile = index >> TILE_HEIGHT
        offset = (index & _MASK) * HASH_SIZE
        blob = tiles.get(tile)
        if blob is not None and len(blob) >= offset + HASH_SIZE:
            return blob[offset : offset + HASH_SIZE]
        if tile not in self._missing_tiles:
            self._missing_tiles.add(tile)
            held = "is missing" if blob is None else f"holds {len(blob) // HASH_SIZE} hashes"
            self._report.add(
                Finding(
                    FindingKind.PROOF_STORAGE,
                    f"the leaf tile {tile} (leaves from {tile << TILE_HEIGHT}) {held}; the "
                    f"sealed log of {self._sealed} leaves needs leaf {index} from it",
                    index=index,
                )
            )
        return None

    # --- roots ------------------------------------------------------------------------
    def _extend(self, start: int, leaves: list[bytes | None]) -> None:
        position = start
        stop = start + len(leaves)
        checkpoints = self._checkpoints
        while (
            self._next_checkpoint < len(checkpoints) and checkpoints[self._next_checkpoint] <= stop
        ):
            size = checkpoints[self._next_checkpoint]
            self._append(position, leaves[position - start : size - start])
            position = size
            self._check_root(size)
            self._next_checkpoint += 1
        self._append(position, leaves[position - start :])

    def _append(self, first_index: int, leaves: list[bytes | None]) -> None:
        if self._unknown_leaf is not None or not leaves:
            return
        if None in leaves:
            gap = leaves.index(None)
            self._compact.extend(cast(list[bytes], leaves[:gap]), _NO_LEVELS)
            self._unknown_leaf = first_index + gap
            return
        self._compact.extend(cast(list[bytes], leaves), _NO_LEVELS)

    def _check_root(self, size: int) -> None:
        self._report.heads_checked.append(size)
        if self._unknown_leaf is not None:
            self._report.add(
                Finding(
                    FindingKind.ROOT_MISMATCH,
                    f"the root at tree size {size} cannot be recomputed: leaf "
                    f"{self._unknown_leaf} is neither stored nor sealed",
                    tree_size=size,
                )
            )
            return
        root = self._compact.root()
        claims: list[str] = []
        batch = self._batches.get(size)
        if batch is not None and batch.root != root:
            claims.append(f"batch {batch.seq} records {batch.root.hex()}")
        for anchor in self._anchors.get(size, ()):
            if anchor.root != root:
                claims.append(f"anchor record {anchor.id} holds {anchor.root.hex()}")
        for record in self._chain.get(size, ()):
            if record.root != root:
                claims.append(f"the registry (anchor {record.seq}) holds {record.root.hex()}")
        if size <= self._sealed:
            try:
                stored = root_from_tiles(size, self._tiles.read_tiles)
            except MerkleError as exc:
                claims.append(f"the stored tiles cannot give a root ({exc})")
            else:
                if stored != root:
                    claims.append(f"the stored tiles give {stored.hex()}")
        if claims:
            self._report.add(
                Finding(
                    FindingKind.ROOT_MISMATCH,
                    f"the stored entries give root {root.hex()}; " + "; ".join(claims),
                    tree_size=size,
                )
            )


def _a(storage_class: str) -> str:
    """``text``, ``an integer``, ``a blob``: a storage class in a sentence."""
    return _IN_WORDS.get(storage_class, storage_class)


def _named_external_id(document: bytes) -> str | None:
    """The ``external_id`` member of the document's top-level object (``None``: none).

    Only the parsed top-level member counts: the same text inside ``metadata`` or a
    description names nothing.
    """
    try:
        parsed = json.loads(document)
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested too deep
        return None
    named = parsed.get("external_id") if isinstance(parsed, dict) else None
    return named if isinstance(named, str) else None
