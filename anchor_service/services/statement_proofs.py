"""Statement proofs served by the API: an account's line, its complete history, every line.

Built from the trees the seal stored (:mod:`anchor_service.db.repositories.statements`):
a line proof reads the line, the ≤256 lines of its chunk and the chunk roots; a history
proof the account's run in the index and the chunks around it, plus each entry and its
log inclusion path from the tiles. Every proof is checked against the statement's roots
before it is served (:class:`ProofIntegrityError` if the storage does not lead there).

Only batches with a version 2 statement whose own head is anchored (a mined anchor of
exactly the batch's tree size: the statement hash on chain is that head's) have proofs.
"""

from __future__ import annotations

import json
from hashlib import sha256
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anchor_service.db.models import Entry
from anchor_service.db.models_sealing import Batch
from anchor_service.db.repositories.batches import BatchRepository
from anchor_service.db.repositories.proofs import SqlProofRows
from anchor_service.db.repositories.statements import StatementTreeRepository
from anchor_service.db.repositories.tiles import TileRepository
from anchor_service.errors import NotFoundError, ProofIntegrityError
from anchor_service.ledger.account_index import IndexLeaf
from anchor_service.ledger.account_lines import (
    LineNode,
    combine_lines,
    encode_path,
    line_from_json,
)
from anchor_service.merkle import inclusion_proof_from_tiles, leaf_hash, node_hash
from anchor_service.merkle.ranges import CHUNK_SIZE, range_proof, root_from_range
from anchor_service.services.proofs.anchored_heads import AnchoredHeadIndex
from anchor_service.services.proofs.store import ProofStore
from anchor_service.verifier.statement_proof import (
    EntryProof,
    HistoryProof,
    LineProof,
    StatementHead,
)

__all__ = ["StatementProofService"]

_IN_LIST = 1000


class StatementProofService:
    """Reads proofs in the caller's session."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._trees = StatementTreeRepository(session)

    def line_proof(self, seq: int, account: str) -> LineProof:
        """The proof of ``account``'s line in batch ``seq``; :class:`NotFoundError` when
        the batch has no provable statement or the account no line in it."""
        statement, head = self._statement(seq)
        found = self._trees.line(seq, account)
        if found is None:
            raise NotFoundError(
                f"account {account!r} has no line in batch {seq}: it had no postings there "
                f"(GET /v1/batches/{seq}/accounts/{{account}}/entries proves it)"
            )
        position, raw = found
        size = statement["accounts"]["lines"]
        first = position - position % CHUNK_SIZE
        leaves = [
            _line_leaf(line) for _account, line in self._trees.lines(seq, first, first + CHUNK_SIZE)
        ]
        chunks = self._trees.line_chunks(seq)
        path = range_proof(
            size,
            position,
            position + 1,
            lambda i: leaves[i - first],
            combine_lines,
            chunks.__getitem__,
        )
        root = root_from_range(size, position, [leaves[position - first]], path, combine_lines)
        if root.hash.hex() != statement["accounts"]["root"]:
            raise ProofIntegrityError(
                f"the stored lines of batch {seq} do not lead to its statement's accounts root"
            )
        return LineProof(
            account=account,
            statement=statement,
            head=head,
            line=json.loads(raw),
            position=position,
            path=encode_path(path),
        )

    def history_proof(self, seq: int, account: str) -> HistoryProof:
        """Every entry of ``account`` in batch ``seq`` with the proof none is missing (an
        absence proof when there is none)."""
        statement, head = self._statement(seq)
        size = statement["account_index"]["size"]
        start, end = self._trees.index_run(seq, account)
        begin = start - 1 if start > 0 else start
        stop = end + 1 if end < size else end
        before = after = None
        path: list[bytes] = []
        run: list[IndexLeaf] = []
        if begin < stop:
            first = begin - begin % CHUNK_SIZE
            loaded = self._trees.index_leaves(seq, first, -(-stop // CHUNK_SIZE) * CHUNK_SIZE)
            hashes = [leaf_hash(leaf.canonical()) for leaf in loaded]
            chunks = self._trees.index_chunks(seq)
            path = range_proof(
                size, begin, stop, lambda i: hashes[i - first], node_hash, chunks.__getitem__
            )
            root = root_from_range(
                size, begin, hashes[begin - first : stop - first], path, node_hash
            )
            if root.hex() != statement["account_index"]["root"]:
                raise ProofIntegrityError(
                    f"the stored account index of batch {seq} does not lead to its statement's root"
                )
            before = loaded[start - 1 - first] if start > 0 else None
            after = loaded[end - first] if end < size else None
            run = loaded[start - first : end - first]
        return HistoryProof(
            account=account,
            statement=statement,
            head=head,
            start=start,
            end=end,
            before=None if before is None else before.to_json(),
            after=None if after is None else after.to_json(),
            index_path=tuple(path),
            entries=tuple(self._entries([leaf.leaf_index for leaf in run], head.tree_size)),
        )

    def lines_page(self, seq: int, after: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
        """Up to ``limit`` lines of batch ``seq`` at positions above ``after``, in order."""
        self._document(seq)
        lines = self._trees.lines(seq, after + 1, after + 1 + limit)
        return [(after + 1 + n, json.loads(raw)) for n, (_account, raw) in enumerate(lines)]

    def _document(self, seq: int) -> tuple[Batch, dict[str, Any]]:
        """The batch and its statement; :class:`NotFoundError` unless it is version 2."""
        batch = BatchRepository(self._session).get(seq)
        statement: dict[str, Any] = json.loads(batch.statement)
        if statement.get("version") != 2 or not self._trees.has_trees(seq):
            raise NotFoundError(
                f"batch {seq} has a version {statement.get('version')} statement, without "
                "account lines: only batches sealed since statement version 2 have them"
            )
        return batch, statement

    def _statement(self, seq: int) -> tuple[dict[str, Any], StatementHead]:
        batch, statement = self._document(seq)
        store = ProofStore(SqlProofRows(self._session.connection()))
        found = AnchoredHeadIndex(cache=False).at_size(store, batch.end_index)
        if found is None:
            raise NotFoundError(
                f"batch {seq}'s statement is not anchored: no mined anchor of its head (tree "
                f"size {batch.end_index}) yet, or a later head was anchored in its place"
            )
        head = StatementHead(found.tree_size, found.root, found.statement_hash, found.anchor)
        return statement, head

    def _entries(self, indices: list[int], tree_size: int) -> list[EntryProof]:
        rows: dict[int, tuple[bytes, bytes | None]] = {}
        for offset in range(0, len(indices), _IN_LIST):
            chunk = indices[offset : offset + _IN_LIST]
            statement = select(Entry.leaf_index, Entry.leaf_hash, Entry.document).where(
                Entry.leaf_index.in_(chunk)
            )
            for index, digest, document in self._session.execute(statement):
                rows[int(index)] = (bytes(digest), None if document is None else bytes(document))
        tiles = TileRepository(self._session)
        proofs = []
        for index in indices:
            digest, document = rows[index]
            path = inclusion_proof_from_tiles(index, tree_size, tiles.read_tiles)
            entry = None if document is None else json.loads(document)
            proofs.append(EntryProof(index, digest, entry, tuple(path)))
        return proofs


def _line_leaf(raw: bytes) -> LineNode:
    return LineNode(sha256(b"\x00" + raw).digest(), line_from_json(json.loads(raw)).sums)
