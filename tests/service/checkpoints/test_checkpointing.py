"""Integration and signing in-process, on SQLite and PostgreSQL: checkpoints verify, the
seal cuts batches at checkpointed sizes with the same roots, a log sealed before
checkpoints gets its first one from every stored leaf, a broken tile is refused and
recorded, and the cosignature repository the witness client uses."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from anchor_service.db.repositories.checkpoints import CheckpointRepository
from anchor_service.db.repositories.entries import EntryRepository
from anchor_service.db.repositories.tiles import TileRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.errors import CheckpointMismatchError
from anchor_service.ledger import EntryIn, encode_entry
from anchor_service.merkle import TileId, root
from anchor_service.services.checkpointing import integrate
from anchor_service.services.log_identity import LogIdentity, create_log_key
from anchor_service.services.sealing import seal_pending
from anchor_service.settings import Settings
from anchor_service.tlog import (
    VerifierList,
    generate_cosignature_key,
    new_cosignature_signer,
    new_verifier,
    open_note,
    parse_checkpoint,
    sign_note,
)

ORIGIN = "test.example/anchor/integration"
MakeSettings = Callable[..., Settings]
_ids = itertools.count()


@pytest.fixture
def identity(tmp_path: Path) -> LogIdentity:
    return create_log_key(tmp_path / "log.key", ORIGIN)


@pytest.fixture
def keyed(make_settings: MakeSettings, tmp_path: Path) -> Settings:
    return make_settings(log_key_path=tmp_path / "log.key", log_origin=ORIGIN)


def store(database: Database, count: int) -> None:
    encoded = [
        encode_entry(
            EntryIn.model_validate(
                {
                    "external_id": f"cp-{next(_ids)}",
                    "occurred_at": "2026-11-21T08:15:00+07:00",
                    "postings": [
                        {"account": "wallet:user:981", "amount": "-150000", "currency": "IDR"},
                        {"account": "escrow:project:42", "amount": "150000", "currency": "IDR"},
                    ],
                }
            ),
            max_metadata_bytes=4096,
        )
        for _ in range(count)
    ]
    with unit_of_work(database.writer) as session:
        EntryRepository(session).append(encoded, received_at=datetime.now(UTC))


def leaf_hashes(database: Database) -> list[bytes]:
    with database.engine.connect() as connection:
        rows = connection.execute(text("SELECT leaf_hash FROM entries ORDER BY leaf_index"))
        return [bytes(row[0]) for row in rows]


def test_each_checkpoint_signs_the_root_of_every_committed_leaf(
    database: Database, identity: LogIdentity
) -> None:
    first = integrate(database, identity)
    assert first is not None and first.tree_size == 0  # the empty log's checkpoint
    assert integrate(database, identity) is None  # nothing new
    store(database, 3)
    second = integrate(database, identity)
    store(database, 300)  # crosses a full level-0 tile
    third = integrate(database, identity, max_entries=200)
    fourth = integrate(database, identity)
    assert second is not None and third is not None and fourth is not None
    assert (second.tree_size, third.tree_size, fourth.tree_size) == (3, 203, 303)
    leaves = leaf_hashes(database)
    verifiers = VerifierList(new_verifier(identity.verifier_key))
    for signed in (second, third, fourth):
        checkpoint = parse_checkpoint(open_note(signed.note.encode(), verifiers).text)
        assert checkpoint.origin == ORIGIN and checkpoint.size == signed.tree_size
        assert checkpoint.root_hash == root(leaves[: signed.tree_size]) == signed.root


def test_the_seal_cuts_batches_at_the_integrated_size_with_the_signed_root(
    database: Database, keyed: Settings, identity: LogIdentity
) -> None:
    store(database, 5)
    assert integrate(database, identity) is not None
    store(database, 4)  # committed after the checkpoint: the seal integrates them first
    batches = seal_pending(database, keyed, max_batch_entries=6)
    assert [(b.start_index, b.end_index) for b in batches] == [(0, 6), (6, 9)]
    leaves = leaf_hashes(database)
    assert [b.root for b in batches] == [root(leaves[:6]), root(leaves[:9])]
    with unit_of_work(database.reader) as session:
        latest = CheckpointRepository(session).latest()
    assert latest is not None and latest.tree_size == 9 and latest.root == batches[-1].root


def test_a_keyless_seal_after_checkpoints_seals_only_what_they_cover(
    database: Database, settings: Settings, identity: LogIdentity
) -> None:
    store(database, 4)
    integrate(database, identity)
    store(database, 2)
    batches = seal_pending(database, settings)  # no log key in these settings
    assert [(b.start_index, b.end_index) for b in batches] == [(0, 4)]
    assert integrate(database, identity) is not None  # the tiles are intact: 6 signed
    assert seal_pending(database, settings)[-1].end_index == 6


def test_a_log_sealed_before_checkpoints_gets_its_first_from_every_stored_leaf(
    database: Database, settings: Settings, identity: LogIdentity
) -> None:
    store(database, 7)
    seal_pending(database, settings)  # keyless: the batch extends the tiles, as before 0005
    store(database, 2)
    signed = integrate(database, identity)
    assert signed is not None and signed.tree_size == 9
    assert signed.root == root(leaf_hashes(database))


def test_a_broken_tile_is_refused_recorded_and_nothing_is_signed(
    database: Database, identity: LogIdentity, caplog: pytest.LogCaptureFixture
) -> None:
    store(database, 3)
    good = integrate(database, identity)
    assert good is not None
    with unit_of_work(database.writer) as session:
        session.execute(
            text("UPDATE merkle_tiles SET hashes = :h WHERE tile_level = 0 AND tile_index = 0"),
            {"h": bytes(96)},
        )
    store(database, 1)
    with pytest.raises(CheckpointMismatchError) as raised:
        integrate(database, identity)
    error = raised.value
    assert error.tree_size == 4 and error.recomputed_root == root(leaf_hashes(database))
    assert error.tiles_root != error.recomputed_root
    assert error.tiles_root.hex() in error.detail and error.recomputed_root.hex() in error.detail
    assert any(
        record.levelname == "ERROR" and error.tiles_root.hex() in record.getMessage()
        for record in caplog.records
    )
    with unit_of_work(database.reader) as session:
        checkpoints = CheckpointRepository(session)
        assert checkpoints.latest().tree_size == 3  # type: ignore[union-attr]
        assert checkpoints.mismatch_count() == 1
        # Nothing of the refused integration was written: the tile is still the broken one.
        assert TileRepository(session).read_tiles([TileId(0, 0)])[TileId(0, 0)] == bytes(96)


def test_cosignatures_are_stored_once_per_witness_key_and_listed_by_name(
    database: Database, identity: LogIdentity
) -> None:
    signed = integrate(database, identity)
    assert signed is not None
    lines = {}
    for name in ("w2.example", "w1.example"):
        skey, _ = generate_cosignature_key(name)
        cosigner = new_cosignature_signer(skey)
        cosigned = sign_note(signed.note.split("\n\n")[0] + "\n", cosigner).decode()
        lines[name] = (cosigner.key_id, cosigned.rsplit("\n", 2)[-2])
    with unit_of_work(database.writer) as session:
        checkpoints = CheckpointRepository(session)
        for name, (key_id, line) in lines.items():
            assert checkpoints.add_cosignature(
                tree_size=signed.tree_size, witness_name=name, key_id=key_id, line=line,
                timestamp=1_700_000_000,
            )  # fmt: skip
        key_id, line = lines["w1.example"]
        assert not checkpoints.add_cosignature(
            tree_size=signed.tree_size, witness_name="w1.example", key_id=key_id, line=line,
            timestamp=1_700_000_001,
        )  # fmt: skip
    with unit_of_work(database.reader) as session:
        stored = CheckpointRepository(session).cosignatures_for(signed.tree_size)
    assert [row.witness_name for row in stored] == ["w1.example", "w2.example"]
    assert [row.line for row in stored] == [lines["w1.example"][1], lines["w2.example"][1]]
