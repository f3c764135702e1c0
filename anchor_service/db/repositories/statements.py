"""Statement version 2's stored trees: account lines, the account index, chunk roots.

Written once per batch by the seal (:meth:`StatementTreeRepository.build`), in the seal's
transaction, with bounded memory: the postings are read in account order (PostgreSQL sums
them per account and currency in SQL; SQLite streams them and Python adds them up, since
it has no exact big-integer sum), the index pairs are numbered by one
``INSERT ... SELECT row_number()`` in the database and read back in order; lines and
chunk roots are written as they come, so at most one 256-leaf chunk and one write batch
are held. Account order is byte order everywhere: ``COLLATE "C"`` on PostgreSQL,
SQLite's default ``BINARY``, code points in Python (the same for UTF-8).

Read back for proofs: one line, the lines or index leaves of a position range, the chunk
roots of a tree, an account's run in the index (or where it would be).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

from anchor_service.db.dialect import insert_rows, is_postgresql, prefer_index_range_scans
from anchor_service.db.models_sealing import EntryPosting
from anchor_service.db.models_statements import (
    INDEX_TREE,
    LINES_TREE,
    AccountIndexLeaf,
    StatementChunk,
    StatementLine,
)
from anchor_service.ledger.account_index import IndexLeaf, index_leaf_hash
from anchor_service.ledger.account_lines import (
    EMPTY_LINES_ROOT,
    AccountLine,
    CurrencyLine,
    LineNode,
    combine_lines,
    line_node,
    lines_from_postings,
    sums_from_json,
    sums_to_json,
)
from anchor_service.merkle import EMPTY_ROOT, node_hash
from anchor_service.merkle.ranges import chunk_roots, subtree_root

__all__ = ["BuiltTrees", "StatementTreeRepository"]

_postings = cast(Table, EntryPosting.__table__)
_lines = cast(Table, StatementLine.__table__)
_index = cast(Table, AccountIndexLeaf.__table__)
_chunks = cast(Table, StatementChunk.__table__)
_WRITE_ROWS = 10_000
_STREAM_ROWS = 50_000

_PG_LINES = """
SELECT account, currency,
       sum(CASE WHEN amount < 0 THEN -amount ELSE 0 END),
       sum(CASE WHEN amount > 0 THEN amount ELSE 0 END),
       count(DISTINCT leaf_index)
FROM entry_postings WHERE leaf_index >= :start AND leaf_index < :end
GROUP BY account, currency
ORDER BY account COLLATE "C", currency COLLATE "C"
"""

_NUMBER_INDEX_SQL = """
INSERT INTO account_index (batch_seq, position, account, leaf_index)
SELECT :seq, row_number() OVER (ORDER BY account COLLATE {collation}, leaf_index) - 1,
       account, leaf_index
FROM (SELECT DISTINCT account, leaf_index FROM entry_postings
      WHERE leaf_index >= :start AND leaf_index < :end) AS pairs
"""
_BEFORE_SQL = (
    "SELECT count(*) FROM account_index WHERE batch_seq = :seq"
    " AND account COLLATE {collation} < :account"
)
# Byte order, keyed by "is PostgreSQL".
_NUMBER_INDEX = {
    pg: _NUMBER_INDEX_SQL.format(collation=c) for pg, c in ((True, '"C"'), (False, "BINARY"))
}
_BEFORE = {pg: _BEFORE_SQL.format(collation=c) for pg, c in ((True, '"C"'), (False, "BINARY"))}


@dataclass(frozen=True, slots=True)
class BuiltTrees:
    """What the statement commits to: both roots and sizes."""

    lines_root: LineNode
    lines: int
    index_root: bytes
    index_size: int


class StatementTreeRepository:
    """Writes and reads the statement trees of batches. Flushes; the caller commits."""

    def __init__(self, session: Session) -> None:
        self._session = session

    # -- writing (the seal) -------------------------------------------------------------

    def build(self, seq: int, start: int, end: int) -> BuiltTrees:
        """Build, store and return the trees of batch ``seq`` (leaves ``[start, end)``)."""
        if is_postgresql(self._session):
            prefer_index_range_scans(self._session)
        lines_root, lines = self._build_lines(seq, start, end)
        index_root, index_size = self._build_index(seq, start, end)
        return BuiltTrees(lines_root, lines, index_root, index_size)

    def _account_lines(self, start: int, end: int) -> Iterator[AccountLine]:
        bounds = {"start": start, "end": end}
        if is_postgresql(self._session):
            rows = self._session.execute(
                text(_PG_LINES).execution_options(yield_per=_STREAM_ROWS), bounds
            )
            account: str | None = None
            currencies: dict[str, CurrencyLine] = {}
            for row_account, currency, debits, credits, entries in rows:
                if row_account != account:
                    if account is not None:
                        yield AccountLine(account, currencies)
                    account, currencies = row_account, {}
                currencies[currency] = CurrencyLine(int(debits), int(credits), int(entries))
            if account is not None:
                yield AccountLine(account, currencies)
            return
        statement = (
            select(_postings.c.account, _postings.c.currency, _postings.c.leaf_index,
                   _postings.c.amount)
            .where(_postings.c.leaf_index >= start, _postings.c.leaf_index < end)
            .order_by(_postings.c.account, _postings.c.currency, _postings.c.leaf_index)
            .execution_options(yield_per=_STREAM_ROWS)
        )  # fmt: skip
        rows = self._session.execute(statement)
        yield from lines_from_postings((a, c, i, int(m)) for a, c, i, m in rows)

    def _build_lines(self, seq: int, start: int, end: int) -> tuple[LineNode, int]:
        pending: list[tuple[int, int, str, bytes]] = []
        count = 0

        def leaves() -> Iterator[LineNode]:
            nonlocal count
            for line in self._account_lines(start, end):
                pending.append((seq, count, line.account, line.canonical()))
                count += 1
                if len(pending) >= _WRITE_ROWS:
                    self._write_lines(pending)
                yield line_node(line)

        chunks: list[LineNode] = []
        rows: list[tuple[int, int, int, bytes, str | None]] = []
        for number, node in enumerate(chunk_roots(leaves(), combine_lines)):
            chunks.append(node)
            rows.append((seq, LINES_TREE, number, node.hash, json.dumps(sums_to_json(node.sums))))
        self._write_lines(pending)
        insert_rows(self._session, _chunks, _CHUNK_COLUMNS, _CHUNK_TYPES, rows)
        root = subtree_root(chunks, combine_lines) if chunks else EMPTY_LINES_ROOT
        return root, count

    def _write_lines(self, pending: list[tuple[int, int, str, bytes]]) -> None:
        insert_rows(self._session, _lines, ("batch_seq", "position", "account", "line"),
                    ("int4", "int8", "varchar", "bytea"), pending)  # fmt: skip
        pending.clear()

    def _build_index(self, seq: int, start: int, end: int) -> tuple[bytes, int]:
        self._session.execute(
            text(_NUMBER_INDEX[is_postgresql(self._session)]),
            {"seq": seq, "start": start, "end": end},
        )
        pairs = self._session.execute(
            select(_index.c.account, _index.c.leaf_index)
            .where(_index.c.batch_seq == seq)
            .order_by(_index.c.position)
            .execution_options(yield_per=_STREAM_ROWS)
        )
        count = 0

        def leaves() -> Iterator[bytes]:
            nonlocal count
            for account, leaf_index in pairs:
                count += 1
                yield index_leaf_hash(account, leaf_index)

        chunks = list(chunk_roots(leaves(), node_hash))
        rows = [(seq, INDEX_TREE, number, digest, None) for number, digest in enumerate(chunks)]
        insert_rows(self._session, _chunks, _CHUNK_COLUMNS, _CHUNK_TYPES, rows)
        root = subtree_root(chunks, node_hash) if chunks else EMPTY_ROOT
        return root, count

    # -- reading (proofs) ---------------------------------------------------------------

    def has_trees(self, seq: int) -> bool:
        """Whether the batch has stored trees (version 2 statements have)."""
        found = self._session.scalar(
            select(_chunks.c.chunk).where(_chunks.c.batch_seq == seq).limit(1)
        )
        return found is not None

    def line(self, seq: int, account: str) -> tuple[int, bytes] | None:
        """``(position, line bytes)`` of ``account``'s line, if it has one."""
        row = self._session.execute(
            select(_lines.c.position, _lines.c.line).where(
                _lines.c.batch_seq == seq, _lines.c.account == account
            )
        ).first()
        return None if row is None else (int(row[0]), bytes(row[1]))

    def lines(self, seq: int, start: int, end: int) -> list[tuple[str, bytes]]:
        """``(account, line bytes)`` at positions ``[start, end)``, in order."""
        rows = self._session.execute(
            select(_lines.c.account, _lines.c.line)
            .where(_lines.c.batch_seq == seq, _lines.c.position >= start,
                   _lines.c.position < end)
            .order_by(_lines.c.position)
        )  # fmt: skip
        return [(str(account), bytes(line)) for account, line in rows]

    def line_chunks(self, seq: int) -> list[LineNode]:
        """The lines tree's chunk roots, in order."""
        rows = self._chunk_rows(seq, LINES_TREE)
        return [LineNode(bytes(h), sums_from_json(json.loads(s or "{}"))) for h, s in rows]

    def index_chunks(self, seq: int) -> list[bytes]:
        """The index tree's chunk roots, in order."""
        return [bytes(h) for h, _sums in self._chunk_rows(seq, INDEX_TREE)]

    def _chunk_rows(self, seq: int, tree: int) -> Sequence[tuple[bytes, str | None]]:
        rows = self._session.execute(
            select(_chunks.c.hash, _chunks.c.sums)
            .where(_chunks.c.batch_seq == seq, _chunks.c.tree == tree)
            .order_by(_chunks.c.chunk)
        )
        return [(bytes(h), s) for h, s in rows]

    def index_run(self, seq: int, account: str) -> tuple[int, int]:
        """``[first, end)`` positions of ``account``'s pairs; empty (``first == end``) at
        the place it would take when it has none."""
        low, high = self._session.execute(
            select(func.min(_index.c.position), func.max(_index.c.position)).where(
                _index.c.batch_seq == seq, _index.c.account == account
            )
        ).one()
        if low is not None:
            return int(low), int(high) + 1
        before = self._session.scalar(
            text(_BEFORE[is_postgresql(self._session)]), {"seq": seq, "account": account}
        )
        return int(before or 0), int(before or 0)

    def index_leaves(self, seq: int, start: int, end: int) -> list[IndexLeaf]:
        """The index pairs at positions ``[start, end)``, in order."""
        rows = self._session.execute(
            select(_index.c.account, _index.c.leaf_index)
            .where(_index.c.batch_seq == seq, _index.c.position >= start,
                   _index.c.position < end)
            .order_by(_index.c.position)
        )  # fmt: skip
        return [IndexLeaf(str(account), int(leaf_index)) for account, leaf_index in rows]


_CHUNK_COLUMNS = ("batch_seq", "tree", "chunk", "hash", "sums")
_CHUNK_TYPES = ("int4", "int2", "int8", "bytea", "text")
