"""Statements sum the sealed entries' postings exactly, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import pytest

from anchor_service.db.repositories.postings import PostingRepository
from anchor_service.db.repositories.statements import StatementTreeRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.ledger.statement import build_statement
from anchor_service.services.sealing import seal_pending
from anchor_service.settings import Settings

from .conftest import Seal
from .helpers import LogWriter, empty_database, entry_payload

BIG = 10**30

POSTINGS: list[list[tuple[str, int, str]]] = [
    [("wallet:user:981", -150000, "IDR"), ("escrow:project:42", 150000, "IDR")],
    [("wallet:user:981", -BIG, "IDR"), ("escrow:project:42", BIG, "IDR")],
    [("wallet:user:981", -(BIG - 1), "IDR"), ("escrow:project:42", BIG - 1, "IDR")],
    [("treasury:usd", -BIG, "USD"), ("wallet:user:981", BIG, "USD")],
    [
        ("wallet:user:7", -500, "JPY"),
        ("fees:platform", 20, "JPY"),
        ("escrow:project:42", 480, "JPY"),
        ("wallet:user:7", -99, "USD"),
        ("treasury:usd", 99, "USD"),
    ],
    [("escrow:project:42", -BIG, "IDR"), ("wallet:user:981", BIG, "IDR")],
]


def _expected(postings: list[list[tuple[str, int, str]]]) -> tuple[dict[str, Any], dict[str, Any]]:
    debits: defaultdict[str, int] = defaultdict(int)
    credits: defaultdict[str, int] = defaultdict(int)
    net: defaultdict[str, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
    for entry in postings:
        for account, amount, currency in entry:
            if amount < 0:
                debits[currency] -= amount
            else:
                credits[currency] += amount
            net[account][currency] += amount
    totals = {c: {"debits": str(debits[c]), "credits": str(credits[c])} for c in debits}
    nets = {a: {c: str(v) for c, v in amounts.items()} for a, amounts in net.items()}
    return totals, nets


def _nets(database: Database, seq: int) -> dict[str, dict[str, str]]:
    """Each account's net per currency, from the batch's stored account lines."""
    with unit_of_work(database.reader) as session:
        lines = StatementTreeRepository(session).lines(seq, 0, 10**6)
    nets = {}
    for account, raw in lines:
        line = json.loads(raw)
        assert line["account"] == account
        nets[account] = {code: item["net"] for code, item in line["currencies"].items()}
    return nets


def test_statement_totals_and_nets_are_exact(
    log: LogWriter, seal: Seal, database: Database
) -> None:
    log.add([entry_payload(p) for p in POSTINGS[:2]])
    [first] = seal()
    log.add([entry_payload(p) for p in POSTINGS[2:]])
    [second] = seal()

    for batch, postings in ((first, POSTINGS[:2]), (second, POSTINGS[2:])):
        statement = json.loads(batch.statement)
        totals, net = _expected(postings)
        assert statement["totals"] == totals
        assert statement["version"] == 2 and "net" not in statement
        assert _nets(database, batch.seq) == net
        assert statement["accounts"]["lines"] == len(net)
        assert {code: {"debits": s["debits"], "credits": s["credits"]}
                for code, s in statement["accounts"]["sums"].items()} == totals  # fmt: skip
        assert statement["entry_count"] == len(postings)
        assert statement["leaf_range"] == {"start": batch.start_index, "end": batch.end_index}
    # Nets add up across entries and currencies stay apart.
    assert _nets(database, second.seq)["wallet:user:981"]["IDR"] == str(BIG - (BIG - 1))
    assert json.loads(second.statement)["totals"]["IDR"]["credits"] == str(2 * BIG - 1)


@pytest.mark.postgres
def test_statements_are_identical_on_sqlite_and_postgresql(
    sqlite_url: str, postgres_url: str
) -> None:
    period = datetime(2026, 11, 21, 17, 30, tzinfo=UTC)
    documents = []
    statements = []
    for url in (sqlite_url, postgres_url):
        empty_database(url)
        settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
        database = Database.from_settings(settings)
        try:
            log = LogWriter(database)
            log.add([entry_payload(p, external_id=f"same-{i}") for i, p in enumerate(POSTINGS)])
            [batch] = seal_pending(database, settings)
            document = json.loads(batch.statement)
            del document["period"]
            documents.append(document)
            with unit_of_work(database.reader) as session:
                sums = PostingRepository(session).sums(0, len(POSTINGS))
            statements.append(
                build_statement(
                    batch_seq=0, start=0, end=len(POSTINGS), period_start=period,
                    period_end=period, movements=sums.movements,
                ).canonical
            )
        finally:
            database.dispose()
            empty_database(url)

    assert documents[0] == documents[1]
    assert statements[0] == statements[1]
    assert documents[0]["totals"] == _expected(POSTINGS)[0]
