"""Statement version 2's stored trees: account lines, the account index, chunk roots.

Written once per batch by the seal (:meth:`StatementTreeRepository.build`), in the seal's
transaction, from one pass over the batch's postings, which also gives the statement its
movements and the count of entries with postings. PostgreSQL groups them per account and
currency in SQL (exact ``NUMERIC`` sums, and the group's leaf indices as one array:
``array_agg`` in a hash aggregate, no sort of the postings); SQLite streams them in
account order and Python adds them up (it has no exact big-integer sum). Python then
walks the accounts in byte order, one at a time: a line per account, the account's
distinct leaf indices (sorted here, so no database order is relied on) hashed into the
index leaves, each 256-leaf chunk's root computed and the chunk stored as one row. Held at
once: one fetch of groups (``_FETCH_GROUPS`` of them with their leaf indices: at worst
every posting's, 2M Python ints for a 1M-entry batch, the default batch size), one chunk,
one write batch, the statement's movements (one per line and currency) and the chunk
roots.

Measured on the seal benchmark's batch (1M entries, 2M postings, 1,050 accounts,
PostgreSQL): the build of migration 0011 (one ``account_index`` row per pair, numbered
by an ``INSERT ... SELECT row_number()`` that sorted 2M text keys, then read back and
hashed; a separate ``GROUP BY`` with ``count(DISTINCT)`` for the lines and another for
the totals) took 15.2 s; this one 3.4 s alone (the grouping ~0.9 s, Python 2.3 s, most
of it the 2M leaf and 2M node hashes), and within the seal the grouping overlaps the
leaf-hash read and the tree extension.

Account order is byte order everywhere: ``COLLATE "C"`` on PostgreSQL, SQLite's default
``BINARY``, code points in Python (the same for UTF-8).

Read back for proofs: one line, the lines or index leaves of a position range, the chunk
roots of a tree, an account's run in the index (or where it would be).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any, cast

import psycopg
from sqlalchemy import Engine, Table, func, select
from sqlalchemy.orm import Session

from anchor_service.db.dialect import insert_rows, is_postgresql, prefer_index_range_scans
from anchor_service.db.models_sealing import EntryPosting
from anchor_service.db.models_statements import (
    INDEX_TREE,
    LINES_TREE,
    AccountIndexChunk,
    StatementChunk,
    StatementLine,
)
from anchor_service.ledger.account_index import IndexLeaf
from anchor_service.ledger.account_lines import (
    EMPTY_LINES_ROOT,
    AccountLine,
    CurrencyLine,
    LineNode,
    combine_lines,
    sums_from_json,
    sums_to_json,
)
from anchor_service.ledger.jcs import json_string
from anchor_service.ledger.statement import AccountMovement
from anchor_service.merkle import EMPTY_ROOT, node_hash
from anchor_service.merkle.ranges import CHUNK_SIZE, subtree_root

__all__ = ["BuiltTrees", "Group", "StatementTreeRepository"]

_postings = cast(Table, EntryPosting.__table__)
_lines = cast(Table, StatementLine.__table__)
_index = cast(Table, AccountIndexChunk.__table__)
_chunks = cast(Table, StatementChunk.__table__)
_WRITE_ROWS = 10_000
_WRITE_CHUNKS = 1_000
_STREAM_ROWS = 50_000
_FETCH_GROUPS = 1_000
_CANCEL_EVERY = 0.05

# One row per (account, currency): debits, credits, postings at position 0 (one per
# entry with postings), the leaf indices of its postings (unordered, maybe repeated).
# MATERIALIZED: the grouping is planned alone (a hash aggregate), then only the groups
# are sorted, never the postings.
_PG_GROUPS = """
WITH groups AS MATERIALIZED (
  SELECT account, currency,
         sum(CASE WHEN amount < 0 THEN -amount ELSE 0 END) AS debits,
         sum(CASE WHEN amount > 0 THEN amount ELSE 0 END) AS credits,
         count(*) FILTER (WHERE position = 0) AS firsts,
         array_agg(leaf_index) AS leaves
  FROM entry_postings WHERE leaf_index >= %(start)s AND leaf_index < %(end)s
  GROUP BY account, currency)
SELECT account, currency, debits, credits, firsts, leaves FROM groups
ORDER BY account COLLATE "C", currency COLLATE "C"
"""

Group = tuple[str, str, int, int, int, list[int]]
"""``(account, currency, debits, credits, entries with postings, leaf indices)``."""


@dataclass(frozen=True, slots=True)
class BuiltTrees:
    """What the statement commits to (both roots and sizes), the movements it totals and
    the number of entries with postings (each has one at position 0)."""

    lines_root: LineNode
    lines: int
    index_root: bytes
    index_size: int
    movements: list[AccountMovement]
    entry_count: int


class StatementTreeRepository:
    """Writes and reads the statement trees of batches. Flushes; the caller commits."""

    def __init__(self, session: Session) -> None:
        self._session = session

    # -- writing (the seal) -------------------------------------------------------------

    @contextmanager
    def grouped_postings(self, start: int, end: int) -> Iterator[Iterator[Group]]:
        """The postings of leaves ``[start, end)`` per account and currency, in byte order
        of both, for :meth:`build`.

        PostgreSQL: the grouping starts at once on a second connection of the engine's
        pool, in a thread that waits for its first rows, so the database groups while
        the caller goes on (the seal reads the leaf hashes and extends the tree
        meanwhile: ~1 s of the 1M-entry seal). The postings of a sealed range are
        committed; the rows are read in that connection's own transaction, rolled back
        on exit. SQLite: streamed in the caller's transaction when iterated.
        """
        if not is_postgresql(self._session):
            yield self._sqlite_groups(start, end)
            return
        # The caller's later range reads (the seal's record count) too, as before.
        prefer_index_range_scans(self._session)
        bind = self._session.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        with _PendingGroups(engine, start, end) as pending:
            yield iter(pending)

    def build(self, seq: int, groups: Iterator[Group]) -> BuiltTrees:
        """Build, store and return the trees of batch ``seq`` from its ``groups``
        (:meth:`grouped_postings`)."""
        lines = _LinesWriter(seq, self._write_lines, self._write_chunks)
        index = _IndexWriter(seq, self._write_index)
        movements: list[AccountMovement] = []
        entry_count = 0
        for account, rows in groupby(groups, key=itemgetter(0)):
            currencies: dict[str, CurrencyLine] = {}
            distinct: set[int] = set()
            for _account, currency, debits, credits, firsts, leaves in rows:
                once = set(leaves)
                currencies[currency] = CurrencyLine(debits, credits, len(once))
                movements.append(AccountMovement(account, currency, debits, credits))
                entry_count += firsts
                distinct |= once
            lines.add(AccountLine(account, currencies))
            index.add(account, sorted(distinct))
        lines_root, count = lines.finish()
        index_root, index_size = index.finish()
        self._write_chunks([(seq, INDEX_TREE, n, h, None) for n, h in enumerate(index.roots)])
        return BuiltTrees(lines_root, count, index_root, index_size, movements, entry_count)

    def _sqlite_groups(self, start: int, end: int) -> Iterator[Group]:
        statement = (
            select(_postings.c.account, _postings.c.currency, _postings.c.leaf_index,
                   _postings.c.amount, _postings.c.position)
            .where(_postings.c.leaf_index >= start, _postings.c.leaf_index < end)
            .order_by(_postings.c.account, _postings.c.currency)
            .execution_options(yield_per=_STREAM_ROWS)
        )  # fmt: skip
        rows = self._session.execute(statement)
        for (account, currency), postings in groupby(rows, key=itemgetter(0, 1)):
            debits = credits = firsts = 0
            leaves: list[int] = []
            for _account, _currency, leaf_index, amount, position in postings:
                value = int(amount)
                if value < 0:
                    debits -= value
                else:
                    credits += value
                firsts += position == 0
                leaves.append(int(leaf_index))
            yield account, currency, debits, credits, firsts, leaves

    def _write_lines(self, rows: Sequence[tuple[int, int, str, bytes]]) -> None:
        insert_rows(self._session, _lines, ("batch_seq", "position", "account", "line"),
                    ("int4", "int8", "varchar", "bytea"), rows)  # fmt: skip

    def _write_chunks(self, rows: Sequence[tuple[int, int, int, bytes, str | None]]) -> None:
        insert_rows(self._session, _chunks, _CHUNK_COLUMNS, _CHUNK_TYPES, rows)

    def _write_index(self, rows: Sequence[tuple[int, int, str, str, str]]) -> None:
        insert_rows(self._session, _index, _INDEX_COLUMNS, _INDEX_TYPES, rows)

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
        the place it would take when it has none.

        Two indexed lookups: the last chunk starting at or before the account gives the
        end, the first chunk ending at or after it the start (the run may span chunks).
        """
        last = self._session.scalar(
            select(func.max(_index.c.chunk)).where(
                _index.c.batch_seq == seq, _index.c.first_account <= account
            )
        )
        if last is None:
            return 0, 0
        end = int(last) * CHUNK_SIZE + sum(
            len(leaves) for owner, leaves in self._runs(seq, int(last)) if owner <= account
        )
        first = self._session.scalar(
            select(func.min(_index.c.chunk)).where(
                _index.c.batch_seq == seq, _index.c.last_account >= account
            )
        )
        if first is None:
            return end, end
        start = int(first) * CHUNK_SIZE + sum(
            len(leaves) for owner, leaves in self._runs(seq, int(first)) if owner < account
        )
        return start, end

    def _runs(self, seq: int, chunk: int) -> list[tuple[str, list[int]]]:
        runs = self._session.scalar(
            select(_index.c.runs).where(_index.c.batch_seq == seq, _index.c.chunk == chunk)
        )
        return [] if runs is None else _parse_runs(runs)

    def index_leaves(self, seq: int, start: int, end: int) -> list[IndexLeaf]:
        """The index pairs at positions ``[start, end)``, in order."""
        rows = self._session.execute(
            select(_index.c.chunk, _index.c.runs)
            .where(_index.c.batch_seq == seq, _index.c.chunk >= start // CHUNK_SIZE,
                   _index.c.chunk < -(-end // CHUNK_SIZE))
            .order_by(_index.c.chunk)
        )  # fmt: skip
        found: list[IndexLeaf] = []
        for chunk, runs in rows:
            position = int(chunk) * CHUNK_SIZE
            for account, leaves in _parse_runs(runs):
                for leaf_index in leaves:
                    if start <= position < end:
                        found.append(IndexLeaf(account, leaf_index))
                    position += 1
        return found


class _PendingGroups:
    """:data:`_PG_GROUPS` on a connection of its own, its first rows fetched in a thread
    (psycopg waits for the server without the GIL), the rest when iterated (binary rows:
    the arrays arrive as lists of ints, no text parsing)."""

    def __init__(self, engine: Engine, start: int, end: int) -> None:
        self._connection = engine.raw_connection()
        driver = self._connection.driver_connection
        assert isinstance(driver, psycopg.Connection)
        self._driver = driver
        self._cursor = driver.cursor(name="statement_groups", binary=True)
        self._cursor.itersize = _FETCH_GROUPS
        self._first: list[Any] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._start, args=(start, end), name="statement-groups", daemon=True
        )
        self._thread.start()

    def _start(self, start: int, end: int) -> None:
        try:
            cursor = self._cursor
            # The range is a small part of a large table (see prefer_index_range_scans);
            # the groups of 1M entries' postings hold ~40 MB of arrays.
            for setting in ("enable_seqscan = off", "jit = off", "work_mem = '128MB'"):
                self._driver.execute(f"SET LOCAL {setting}")
            cursor.execute(_PG_GROUPS, {"start": start, "end": end})
            self._first = cursor.fetchmany(_FETCH_GROUPS)
        except BaseException as exc:  # re-raised in the caller's thread
            self._error = exc

    def __enter__(self) -> _PendingGroups:
        return self

    def __iter__(self) -> Iterator[Group]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        rows = self._first
        while rows:
            for account, currency, debits, credits, firsts, leaves in rows:
                yield account, currency, int(debits), int(credits), int(firsts), leaves
            rows = self._cursor.fetchmany(_FETCH_GROUPS)

    def __exit__(self, kind: type[BaseException] | None, *_rest: object) -> None:
        if kind is not None:
            # The groups are not wanted now. Cancelled until the thread ends: a cancel
            # sent before its query reached the server would cancel nothing.
            while self._thread.is_alive():
                self._driver.cancel()
                self._thread.join(_CANCEL_EVERY)
        self._thread.join()
        try:
            self._cursor.close()
            self._connection.rollback()
        except psycopg.Error:
            if kind is None:
                raise
            # Cancelled or failed under the caller's own error (raised as it is): the
            # connection is not reused.
            self._connection.invalidate()
        finally:
            self._connection.close()


class _LinesWriter:
    """The lines tree as lines come, in order: each line stored (in batches of
    ``_WRITE_ROWS``), the root of each 256-leaf chunk kept and stored at the end."""

    def __init__(
        self,
        seq: int,
        write_lines: Callable[[Sequence[tuple[int, int, str, bytes]]], None],
        write_chunks: Callable[[Sequence[tuple[int, int, int, bytes, str | None]]], None],
    ) -> None:
        self._seq = seq
        self._write_lines = write_lines
        self._write_chunks = write_chunks
        self._pending: list[tuple[int, int, str, bytes]] = []
        self._leaves: list[LineNode] = []
        self._roots: list[LineNode] = []
        self.count = 0

    def add(self, line: AccountLine) -> None:
        raw = line.canonical()
        self._pending.append((self._seq, self.count, line.account, raw))
        self.count += 1
        if len(self._pending) >= _WRITE_ROWS:
            self._write_lines(self._pending)
            self._pending = []
        self._leaves.append(LineNode(hashlib.sha256(b"\x00" + raw).digest(), line.sums))
        if len(self._leaves) == CHUNK_SIZE:
            self._close_chunk()

    def _close_chunk(self) -> None:
        self._roots.append(subtree_root(self._leaves, combine_lines))
        self._leaves = []

    def finish(self) -> tuple[LineNode, int]:
        """Store what is pending; the root and the number of lines."""
        if self._leaves:
            self._close_chunk()
        self._write_lines(self._pending)
        self._pending = []
        self._write_chunks([
            (self._seq, LINES_TREE, number, node.hash, json.dumps(sums_to_json(node.sums)))
            for number, node in enumerate(self._roots)
        ])  # fmt: skip
        root = subtree_root(self._roots, combine_lines) if self._roots else EMPTY_LINES_ROOT
        return root, self.count


class _IndexWriter:
    """The account index tree as accounts come, in order, each with its sorted distinct
    leaf indices: leaves hashed, each 256-leaf chunk's root kept and the chunk stored as
    one row (in batches of ``_WRITE_CHUNKS``).

    A leaf is ``SHA-256(0x00 || {"account":A,"leaf_index":i})``
    (:func:`~anchor_service.ledger.account_index.index_leaf_hash`): the hash state after
    the account's constant prefix is computed once per account and copied per leaf (on
    the seal benchmark, 2M leaves: ~1.1 s this way, ~1.7 s hashing each whole).
    """

    def __init__(
        self, seq: int, write: Callable[[Sequence[tuple[int, int, str, str, str]]], None]
    ) -> None:
        self._seq = seq
        self._write = write
        self._hashes: list[bytes] = []
        self._runs: list[tuple[str, list[int]]] = []
        self._rows: list[tuple[int, int, str, str, str]] = []
        self.roots: list[bytes] = []
        self.size = 0

    def add(self, account: str, leaves: list[int]) -> None:
        prefix = hashlib.sha256(
            b'\x00{"account":' + json_string(account).encode() + b',"leaf_index":'
        )
        copy = prefix.copy
        at = 0
        while at < len(leaves):
            piece = leaves[at : at + CHUNK_SIZE - len(self._hashes)]
            at += len(piece)
            hashes = self._hashes
            for leaf_index in piece:
                state = copy()
                state.update(b"%d}" % leaf_index)
                hashes.append(state.digest())
            self._runs.append((account, piece))
            if len(hashes) == CHUNK_SIZE:
                self._close_chunk()

    def _close_chunk(self) -> None:
        runs = self._runs
        text = json.dumps(runs, separators=(",", ":"))
        self._rows.append((self._seq, len(self.roots), runs[0][0], runs[-1][0], text))
        self.roots.append(_hash_root(self._hashes))
        self.size += len(self._hashes)
        self._hashes, self._runs = [], []
        if len(self._rows) >= _WRITE_CHUNKS:
            self._write(self._rows)
            self._rows = []

    def finish(self) -> tuple[bytes, int]:
        """Store what is pending; the root and the number of leaves."""
        if self._hashes:
            self._close_chunk()
        self._write(self._rows)
        self._rows = []
        return (subtree_root(self.roots, node_hash) if self.roots else EMPTY_ROOT), self.size


def _hash_root(level: list[bytes]) -> bytes:
    """:func:`~anchor_service.merkle.ranges.subtree_root` with ``node_hash`` inlined
    (2M nodes per 1M-entry seal): neighbours paired bottom-up, an unpaired last node
    moved up unchanged."""
    sha256 = hashlib.sha256
    while len(level) > 1:
        pairs = iter(level)
        paired = [
            sha256(b"\x01" + left + right).digest()
            for left, right in zip(pairs, pairs, strict=False)
        ]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def _parse_runs(text: str) -> list[tuple[str, list[int]]]:
    """A chunk's stored runs: ``[["<account>", [leaf_index, ...]], ...]``."""
    runs: Any = json.loads(text)
    return [(str(account), [int(i) for i in leaves]) for account, leaves in runs]


_CHUNK_COLUMNS = ("batch_seq", "tree", "chunk", "hash", "sums")
_CHUNK_TYPES = ("int4", "int2", "int8", "bytea", "text")
_INDEX_COLUMNS = ("batch_seq", "chunk", "first_account", "last_account", "runs")
_INDEX_TYPES = ("int4", "int8", "varchar", "varchar", "text")
