"""BatchRepository: lookups by leaf, paging, and the anchoring status moves."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from anchor_service.db.models_sealing import BatchStatus
from anchor_service.db.repositories.batches import BatchRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.errors import NotFoundError

from .conftest import Seal
from .helpers import LogWriter, entry_payload


@pytest.fixture
def three_batches(log: LogWriter, seal: Seal) -> None:
    """Batches [0, 2), [2, 5), [5, 6); entry 6 stays pending."""
    for size in (2, 3, 1):
        log.add([entry_payload() for _ in range(size)])
        seal()
    log.add([entry_payload()])


def test_lookups_find_the_batch_of_a_leaf(
    three_batches: None, database: Database
) -> None:
    with unit_of_work(database.reader) as session:
        batches = BatchRepository(session)
        assert [b.seq for b in batches.page()] == [0, 1, 2]
        assert [b.seq for b in batches.page(offset=1, limit=1)] == [1]
        assert [b.seq for b in batches.page(newest_first=True)] == [2, 1, 0]
        assert batches.count() == 3
        assert batches.latest() is not None and batches.latest().seq == 2  # type: ignore[union-attr]
        assert [batches.covering(i).seq for i in range(6)] == [0, 0, 1, 1, 1, 2]  # type: ignore[union-attr]
        assert batches.covering(6) is None
        assert batches.get(2).entry_count == 1
        with pytest.raises(NotFoundError):
            batches.get(3)


def test_status_moves_from_sealed_to_anchored_to_settled(
    three_batches: None, database: Database
) -> None:
    settled_at = datetime(2026, 11, 22, tzinfo=UTC)
    with unit_of_work(database.writer) as session:
        batches = BatchRepository(session)
        assert batches.mark_anchored(5, anchor_id=7) == 2
        assert batches.mark_anchored(6, anchor_id=8) == 1  # only the one still sealed
        assert batches.unmark_anchored(8) == 1
        assert batches.mark_settled(5, anchor_id=7, settled_at=settled_at) == 2
    with unit_of_work(database.reader) as session:
        rows = [(b.status, b.anchor_id, b.settled_at) for b in BatchRepository(session).page()]
    assert rows == [
        (BatchStatus.SETTLED, 7, settled_at),
        (BatchStatus.SETTLED, 7, settled_at),
        (BatchStatus.SEALED, None, None),
    ]
