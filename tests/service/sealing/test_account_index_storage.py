"""The seal's one pass over the postings stores trees equal to their definition, and the
account index stored per chunk gives back every pair, every run and every gap.

The batch's index spans four 256-leaf chunks; ``wallet:platform`` has a run across three
of them, an entry posts twice to one account and currency (one pair, one entry), and
accounts move in two currencies. Everything is compared with a reference built here
from the postings as written, with the ledger's own leaf and node functions.
"""

from __future__ import annotations

import json
from bisect import bisect_left

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
