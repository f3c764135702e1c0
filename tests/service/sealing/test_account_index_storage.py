"""The seal's one pass over the postings stores trees equal to their definition, and the
account index stored per chunk gives back every pair, every run and every gap.

The batch's index spans four 256-leaf chunks; ``wallet:platform`` has a run across three
of them, an entry posts twice to one account and currency (one pair, one entry), and
accounts move in two currencies. Everything is compared with a reference built here
from the postings as written, with the ledger's own leaf and node functions.
"""

from __future__ import annotations

import json
import time
from bisect import bisect_left

import pytest

from anchor_service.db.repositories import statements
from anchor_service.db.repositories.statements import StatementTreeRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.ledger.account_index import IndexLeaf, index_leaf_hash
from anchor_service.ledger.account_lines import (
    combine_lines,
    line_node,
    lines_from_postings,
)
from anchor_service.ledger.statement import movements_from_postings
from anchor_service.merkle import node_hash
from anchor_service.merkle.ranges import CHUNK_SIZE, subtree_root

from .conftest import Seal
from .helpers import LogWriter, entry_payload

Postings = list[tuple[str, int, str]]

CREATORS = 600
ABSENT = ["a", "creator:", "creator:5:payouts-x", "wallet:platform0", "wallet:platforl", "zzz"]


def _batch_postings() -> list[Postings]:
    entries: list[Postings] = [
        [("wallet:platform", -(1000 + n), "IDR"), (f"creator:{n}:payouts", 1000 + n, "IDR")]
        for n in range(CREATORS)
    ]
    entries += [
        # one entry, two postings of one account and currency: one pair, one entry
        [("creator:7:payouts", -50, "IDR"), ("creator:7:payouts", -25, "IDR"),
         ("wallet:user:981", 75, "IDR")],
        [("treasury:usd", -99, "USD"), ("creator:7:payouts", 99, "USD")],
        [("wallet:platform", -5, "USD"), ("treasury:usd", 5, "USD")],
    ]  # fmt: skip
    return entries


def test_trees_match_their_definition_and_every_run_is_found(
    log: LogWriter, seal: Seal, database: Database
) -> None:
    log.add([entry_payload()])  # batch 0, so the checked batch starts past leaf 0
    seal()
    entries = _batch_postings()
    stored = log.add([entry_payload(postings) for postings in entries])
    [batch] = seal()
    statement = json.loads(batch.statement)

    rows = [
        (account, currency, entry.leaf_index, amount)
        for entry, postings in zip(stored, entries, strict=True)
        for account, amount, currency in postings
    ]
    pairs = sorted({IndexLeaf(account, leaf) for account, _currency, leaf, _amount in rows})
    assert len(pairs) > 3 * CHUNK_SIZE
    index_root = subtree_root([index_leaf_hash(p.account, p.leaf_index) for p in pairs], node_hash)
    lines = list(lines_from_postings(sorted(rows)))
    lines_root = subtree_root([line_node(line) for line in lines], combine_lines)
    assert statement["account_index"] == {"root": index_root.hex(), "size": len(pairs)}
    assert statement["accounts"]["root"] == lines_root.hash.hex()
    assert statement["accounts"]["lines"] == len(lines)
    movements = movements_from_postings((a, c, m) for a, c, _i, m in rows)
    assert statement["totals"] == {
        currency: {"debits": str(sum(m.debits for m in movements if m.currency == currency)),
                   "credits": str(sum(m.credits for m in movements if m.currency == currency))}
        for currency in {m.currency for m in movements}
    }  # fmt: skip
    assert statement["entry_count"] == len(entries)

    with unit_of_work(database.reader) as session:
        trees = StatementTreeRepository(session)
        stored_lines = trees.lines(batch.seq, 0, len(lines))
        assert [raw for _account, raw in stored_lines] == [line.canonical() for line in lines]
        chunks = trees.index_chunks(batch.seq)
        assert chunks == [
            subtree_root(
                [index_leaf_hash(p.account, p.leaf_index) for p in pairs[n : n + CHUNK_SIZE]],
                node_hash,
            )
            for n in range(0, len(pairs), CHUNK_SIZE)
        ]
        assert trees.index_leaves(batch.seq, 0, len(pairs)) == pairs
        for start, end in ((0, 1), (255, 257), (300, 800), (len(pairs) - 3, len(pairs))):
            assert trees.index_leaves(batch.seq, start, end) == pairs[start:end]
        for account in sorted({p.account for p in pairs}) + ABSENT:
            expected = (
                bisect_left(pairs, IndexLeaf(account, -1)),
                bisect_left(pairs, IndexLeaf(account, 2**63)),
            )
            assert trees.index_run(batch.seq, account) == expected, account
    platform = [p for p in pairs if p.account == "wallet:platform"]
    first = pairs.index(platform[0])
    assert (first + len(platform) - 1) // CHUNK_SIZE - first // CHUNK_SIZE >= 2  # 3 chunks


class _Stop(Exception):
    pass


def test_a_seal_failing_before_the_groups_are_read_releases_their_connection(
    log: LogWriter, database: Database
) -> None:
    """The grouping's connection (PostgreSQL: a second one of the pool) goes back to the
    pool whether its rows are read or not, and the caller's error is the one raised."""
    log.add([entry_payload() for _ in range(300)])
    pool = database.engine.pool
    checked_out = pool.checkedout()  # type: ignore[attr-defined]
    for consume in (False, True):
        with unit_of_work(database.writer) as session:
            trees = StatementTreeRepository(session)
            try:
                with trees.grouped_postings(0, 300) as groups:
                    if consume:
                        assert sum(len(group[5]) for group in groups) == 600
                    raise _Stop
            except _Stop:
                pass
            session.rollback()
        assert pool.checkedout() == checked_out  # type: ignore[attr-defined]


@pytest.mark.parametrize(  # SQLite reads the postings in the caller's transaction
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_a_grouping_still_running_is_cancelled_when_the_seal_fails(
    log: LogWriter, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: the seal's error does not wait for the grouping (a slow one here)."""
    slow = "SELECT 'a', 'IDR', 0, 0, %(start)s, ARRAY[%(end)s::int8] FROM pg_sleep(30)"
    monkeypatch.setattr(statements, "_PG_GROUPS", slow)
    pool = database.engine.pool
    checked_out = pool.checkedout()  # type: ignore[attr-defined]
    began = time.monotonic()
    with (
        unit_of_work(database.writer) as session,
        pytest.raises(_Stop),
        StatementTreeRepository(session).grouped_postings(0, 1),
    ):
        raise _Stop
    assert time.monotonic() - began < 10
    assert pool.checkedout() == checked_out  # type: ignore[attr-defined]
