"""Entry postings: written at ingest beside each entry, summed per batch for statements.

Sums must be exact for amounts up to 10^30 and identical on both databases. PostgreSQL
sums ``NUMERIC`` exactly, so it aggregates in SQL (one ``GROUP BY`` over the batch's
index range). SQLite has no exact big-integer ``SUM`` (it overflows at 2^63 or turns to
doubles), so there the rows are streamed and added up in Python with
:func:`~anchor_service.ledger.statement.movements_from_postings`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session

from anchor_service.db.dialect import insert_rows, prefer_index_range_scans, sums_exactly
from anchor_service.db.models_sealing import EntryPosting
from anchor_service.ledger.statement import AccountMovement, movements_from_postings

__all__ = ["PostingRepository", "PostingRow", "PostingSums"]

_postings = cast(Table, EntryPosting.__table__)
_COLUMNS = ("leaf_index", "position", "account", "currency", "amount")
_PG_TYPES = ("int8", "int2", "varchar", "varchar", "numeric")
_STREAM_ROWS = 50_000

PostingRow = tuple[int, int, str, str, int]
"""``(leaf_index, position, account, currency, amount)``."""


@dataclass(frozen=True, slots=True)
class PostingSums:
    """The postings of an index range, summed per account and currency.

    ``entry_count`` counts the entries that have postings (those with a posting at
    position 0), so a caller can check that no entry of the range lacks them.
    """

    movements: list[AccountMovement]
    entry_count: int


class PostingRepository:
    """Writes and sums ``entry_postings``. Adds and flushes; the caller commits."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def insert(self, rows: Sequence[PostingRow]) -> None:
        """Insert postings in one round trip (PostgreSQL: binary ``COPY``)."""
        insert_rows(self._session, _postings, _COLUMNS, _PG_TYPES, rows)

    def delete_of(self, leaf_index: int) -> None:
        """Delete the postings of the entry at ``leaf_index``."""
        self._session.execute(delete(_postings).where(_postings.c.leaf_index == leaf_index))

    def sums(self, start: int, end: int) -> PostingSums:
        """Sum the postings of the entries with leaf indices in ``[start, end)``.

        On PostgreSQL, sequential scans and JIT stay off for the rest of the transaction
        (:func:`~anchor_service.db.dialect.prefer_index_range_scans`).
        """
        if sums_exactly(self._session):
            return self._sums_in_sql(start, end)
        return self._sums_in_python(start, end)

    def _sums_in_sql(self, start: int, end: int) -> PostingSums:
        # The range is a small part of a large table.
        prefer_index_range_scans(self._session)
        amount = _postings.c.amount
        outgoing = (amount < 0).label("outgoing")
        statement = (
            select(
                _postings.c.account,
                _postings.c.currency,
                outgoing,
                func.sum(amount),
                func.count().filter(_postings.c.position == 0),
            )
            .where(_postings.c.leaf_index >= start, _postings.c.leaf_index < end)
            .group_by(_postings.c.account, _postings.c.currency, outgoing)
        )
        sums: dict[tuple[str, str], list[int]] = {}
        entries = 0
        for account, currency, is_outgoing, total, firsts in self._session.execute(statement):
            pair = sums.setdefault((account, currency), [0, 0])
            if is_outgoing:
                pair[0] = -int(total)
            else:
                pair[1] = int(total)
            entries += int(firsts)
        movements = [
            AccountMovement(account, currency, debits, credits)
            for (account, currency), (debits, credits) in sorted(sums.items())
        ]
        return PostingSums(movements, entries)

    def _sums_in_python(self, start: int, end: int) -> PostingSums:
        statement = (
            select(
                _postings.c.position,
                _postings.c.account,
                _postings.c.currency,
                _postings.c.amount,
            )
            .where(_postings.c.leaf_index >= start, _postings.c.leaf_index < end)
            .execution_options(yield_per=_STREAM_ROWS)
        )
        entries = 0

        def postings() -> Iterator[tuple[str, str, int]]:
            nonlocal entries
            for position, account, currency, amount in self._session.execute(statement):
                if position == 0:
                    entries += 1
                yield account, currency, amount

        movements = movements_from_postings(postings())
        return PostingSums(movements, entries)
