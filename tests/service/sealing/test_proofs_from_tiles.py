"""Proofs and old roots served from the stored tiles equal the reference implementation."""

from __future__ import annotations

import random

import pytest

from anchor_service.db.session import Database, unit_of_work
from anchor_service.errors import NotFoundError
from anchor_service.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    root,
    verify_consistency,
    verify_inclusion,
)
from anchor_service.services.proofs.sealed_log import ProofService

from .conftest import Seal
from .helpers import LogWriter, entry_payload


def test_proofs_after_several_seals_equal_the_reference(
    log: LogWriter, seal: Seal, database: Database
) -> None:
    for size in (1, 6, 250, 260, 3, 600):  # crosses tile boundaries at 256 and 512
        log.add([entry_payload() for _ in range(size)])
        seal(max_batch_entries=400)
    leaves = log.leaf_hashes()
    n = len(leaves)
    rng = random.Random(9162)
    pairs = [(0, 1), (0, n), (n - 1, n), (255, 256), (256, 257), (511, 512), (300, 700)]
    pairs += [(index, size) for size in rng.sample(range(1, n + 1), 12)
              for index in (rng.randrange(size),)]
    sizes = [(0, n), (1, n), (n, n), (256, 512), (255, 257), (7, 1000), (513, n)]
    sizes += [tuple(sorted(rng.sample(range(1, n + 1), 2))) for _ in range(12)]  # type: ignore[misc]

    with unit_of_work(database.reader) as session:
        proofs = ProofService(session)
        assert proofs.head() == (n, root(leaves))
        for index, size in pairs:
            path = proofs.inclusion_proof(index, size)
            assert path == inclusion_proof(leaves[:size], index), (index, size)
            assert verify_inclusion(index, size, leaves[index], path, root(leaves[:size]))
        for size1, size2 in sizes:
            path = proofs.consistency_proof(size1, size2)
            assert path == consistency_proof(leaves[:size2], size1), (size1, size2)
        for size in (0, 1, 255, 256, 257, 1000, n):
            assert proofs.root_at(size) == root(leaves[:size])
        assert verify_consistency(
            256, n, proofs.consistency_proof(256, n), proofs.root_at(256), proofs.root_at(n)
        )


def test_proofs_span_three_tile_levels(log: LogWriter, seal: Seal, database: Database) -> None:
    log.add_many(40_000)
    seal()
    log.add_many(26_000)  # 66,000 leaves: a level-2 tile holds the first 65,536
    seal()
    leaves = log.leaf_hashes()
    n = len(leaves)

    with unit_of_work(database.reader) as session:
        proofs = ProofService(session)
        assert proofs.head() == (n, root(leaves))
        for index, size in ((65_535, 65_536), (65_536, 65_537), (12_345, n), (n - 1, n)):
            assert proofs.inclusion_proof(index, size) == inclusion_proof(leaves[:size], index)
        for size1, size2 in ((40_000, n), (65_536, n), (1, 65_536), (300, 40_000)):
            assert proofs.consistency_proof(size1, size2) == consistency_proof(
                leaves[:size2], size1
            )


def test_an_empty_log_has_the_empty_root(database: Database) -> None:
    with unit_of_work(database.reader) as session:
        proofs = ProofService(session)
        assert proofs.head() == (0, EMPTY_ROOT)
        assert proofs.root_at(0) == EMPTY_ROOT
        with pytest.raises(NotFoundError):
            proofs.root_at(1)


def test_sizes_beyond_the_sealed_log_are_not_found(
    log: LogWriter, seal: Seal, database: Database
) -> None:
    log.add([entry_payload() for _ in range(4)])
    seal()
    log.add([entry_payload() for _ in range(2)])  # stored, not sealed

    with unit_of_work(database.reader) as session:
        proofs = ProofService(session)
        assert proofs.head()[0] == 4
        with pytest.raises(NotFoundError, match="sealed log has 4 leaves"):
            proofs.inclusion_proof(0, 5)
        with pytest.raises(NotFoundError, match="not in the tree of size 4"):
            proofs.inclusion_proof(4, 4)
        with pytest.raises(NotFoundError):
            proofs.consistency_proof(2, 6)
        with pytest.raises(NotFoundError):
            proofs.consistency_proof(3, 2)
        with pytest.raises(NotFoundError):
            proofs.root_at(5)
