"""Migration 0002 creates the sealing tables and fills in the postings of older entries;
0012 moves the account index into chunk rows, keeping sealed batches provable."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.engine import URL

from anchor_service.db import migrate
from anchor_service.db.models import Entry
from anchor_service.db.models_sealing import EntryPosting
from anchor_service.db.repositories.entries import EntryRepository
from anchor_service.db.repositories.statements import StatementTreeRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.ledger import EntryIn, encode_entry
from anchor_service.ledger.account_index import index_leaf_hash
from anchor_service.merkle import node_hash
from anchor_service.merkle.ranges import subtree_root
from anchor_service.services.sealing import seal_pending
from anchor_service.settings import Settings
from tests.support.postgres import admin_engine

from .helpers import entry_payload

BIG = 10**30


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database, not migrated."""
    if request.param == "sqlite":
        yield URL.create("sqlite", database=str(tmp_path / "blank.db")).render_as_string()
        return
    admin = admin_engine()  # skips, or fails under CI=true, when PostgreSQL is down
    name = f"anchor_test_mig_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_fills_in_postings_of_entries_stored_before(blank_url: str) -> None:
    settings = Settings(_env_file=None, database_url=blank_url)  # type: ignore[call-arg]
    migrate.upgrade(settings, "0001")
    payloads = [
        entry_payload([("wallet:user:1", -BIG, "IDR"), ("escrow:project:2", BIG, "IDR")]),
        entry_payload(
            [("wallet:user:1", -5, "USD"), ("fees:x", 1, "USD"), ("escrow:project:2", 4, "USD")]
        ),
    ]
    database = Database.from_settings(settings)
    try:
        with unit_of_work(database.writer) as session:  # as version 0001 stored entries
            for index, payload in enumerate(payloads):
                encoded = encode_entry(EntryIn.model_validate(payload), max_metadata_bytes=4096)
                session.execute(
                    insert(Entry).values(
                        leaf_index=index, external_id=encoded.external_id,
                        document=encoded.document, salt=encoded.salt,
                        leaf_hash=encoded.leaf_hash, content_hash=encoded.content_hash,
                        received_at=datetime.now(UTC),
                    )
                )
            session.execute(text("UPDATE log_state SET next_index = 2"))

        migrate.upgrade(settings)

        assert migrate.current_revision(settings) == migrate.head_revision()
        with unit_of_work(database.reader) as session:
            rows = session.execute(
                select(
                    EntryPosting.leaf_index, EntryPosting.position, EntryPosting.account,
                    EntryPosting.currency, EntryPosting.amount,
                ).order_by(EntryPosting.leaf_index, EntryPosting.position)
            ).all()
        assert [tuple(row) for row in rows] == [
            (0, 0, "wallet:user:1", "IDR", -BIG),
            (0, 1, "escrow:project:2", "IDR", BIG),
            (1, 0, "wallet:user:1", "USD", -5),
            (1, 1, "fees:x", "USD", 1),
            (1, 2, "escrow:project:2", "USD", 4),
        ]
        [batch] = seal_pending(database, settings, max_batch_entries=10)
        assert batch.end_index == 2
    finally:
        database.dispose()


def _index_reads(database: Database, seq: int, accounts: list[str]) -> dict[str, Any]:
    with unit_of_work(database.reader) as session:
        trees = StatementTreeRepository(session)
        size = sum(1 for _ in trees.index_leaves(seq, 0, 10**6))
        return {
            "leaves": trees.index_leaves(seq, 0, size),
            "chunks": trees.index_chunks(seq),
            "runs": {account: trees.index_run(seq, account) for account in accounts},
        }


def test_0012_keeps_the_account_index_of_sealed_batches_provable(blank_url: str) -> None:
    """0012 moves the pairs of 0011's ``account_index`` into chunk rows and back: the
    batches sealed before keep the same pairs, runs and roots."""
    settings = Settings(_env_file=None, database_url=blank_url)  # type: ignore[call-arg]
    migrate.upgrade(settings)
    database = Database.from_settings(settings)
    accounts = ["a", "creator:7:payouts", "creator:7:payouts-x", "wallet:platform", "zzz"]
    try:
        with unit_of_work(database.writer) as session:
            encoded = [
                encode_entry(EntryIn.model_validate(payload), max_metadata_bytes=4096)
                for payload in [
                    entry_payload([("wallet:platform", -n - 1, "IDR"),
                                   (f"creator:{n}:payouts", n + 1, "IDR")])
                    for n in range(300)
                ] + [entry_payload([("creator:7:payouts", -3, "USD"), ("zzz", 3, "USD")])]
            ]  # fmt: skip
            EntryRepository(session).append(encoded, received_at=datetime.now(UTC))
        batches = seal_pending(database, settings, max_batch_entries=200)
        assert len(batches) == 2
        before = {b.seq: _index_reads(database, b.seq, accounts) for b in batches}
        database.dispose()

        migrate.downgrade(settings, "0011")
        with unit_of_work(database.reader) as session:
            rows = session.execute(
                text("SELECT batch_seq, position, account, leaf_index FROM account_index"
                     " ORDER BY batch_seq, position")
            ).all()  # fmt: skip
        for seq, reads in before.items():
            assert [(r.account, r.leaf_index) for r in rows if r.batch_seq == seq] == [
                (leaf.account, leaf.leaf_index) for leaf in reads["leaves"]
            ]
            assert [r.position for r in rows if r.batch_seq == seq] == list(
                range(len(reads["leaves"]))
            )

        migrate.upgrade(settings)
        for batch in batches:
            after = _index_reads(database, batch.seq, accounts)
            assert after == before[batch.seq]
            statement = json.loads(batch.statement)
            leaves = [index_leaf_hash(leaf.account, leaf.leaf_index) for leaf in after["leaves"]]
            assert subtree_root(leaves, node_hash).hex() == statement["account_index"]["root"]
    finally:
        database.dispose()
