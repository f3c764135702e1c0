"""What must hold in the database (and on the chain) after a scenario."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, text

from anchor_service.chain import RegistryClient, connect
from anchor_service.verifier import TrustRoot, parse_bundle, verify_bundle
from anchor_service.verifier.onchain import Web3ChainView


def engine_for(url: str) -> Engine:
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


@dataclass(frozen=True)
class LogShape:
    entries: int
    next_index: int
    dense: bool
    batches: list[tuple[int, int, int, str]]  # seq, start, end, status
    anchors: list[tuple[int, int, str]]  # id, tree_size, status


def read_shape(url: str) -> LogShape:
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            indices = [r[0] for r in connection.execute(text("SELECT leaf_index FROM entries"))]
            next_index = connection.execute(text("SELECT next_index FROM log_state")).scalar_one()
            batches = connection.execute(
                text("SELECT seq, start_index, end_index, status FROM batches ORDER BY seq")
            ).all()
            anchors = connection.execute(
                text("SELECT id, tree_size, status FROM anchors ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    return LogShape(
        entries=len(indices),
        next_index=int(next_index),
        dense=sorted(indices) == list(range(len(indices))),
        batches=[(int(s), int(a), int(b), str(st)) for s, a, b, st in batches],
        anchors=[(int(i), int(n), str(st)) for i, n, st in anchors],
    )


def count_ids(url: str, external_ids: Iterable[str]) -> dict[str, int]:
    """How many rows each external id has (0 for a missing one)."""
    wanted = list(external_ids)
    engine = engine_for(url)
    found: dict[str, int] = dict.fromkeys(wanted, 0)
    try:
        with engine.connect() as connection:
            for start in range(0, len(wanted), 5000):
                rows = connection.execute(
                    text(
                        "SELECT external_id, count(*) FROM entries"
                        " WHERE external_id = ANY(:ids) GROUP BY external_id"
                    ),
                    {"ids": wanted[start : start + 5000]},
                )
                found.update({str(i): int(n) for i, n in rows})
    finally:
        engine.dispose()
    return found


def assert_acknowledged_stored_once(url: str, acked: set[str]) -> int:
    """Every acknowledged id exactly once, indices dense; returns the entries lost."""
    counts = count_ids(url, acked)
    lost = sum(1 for n in counts.values() if n == 0)
    doubled = [i for i, n in counts.items() if n > 1]
    shape = read_shape(url)
    assert not doubled, f"stored more than once: {doubled[:5]}"
    assert lost == 0, f"{lost} acknowledged entries are not stored"
    assert shape.dense, "leaf indices are not 0..n-1"
    assert shape.next_index == shape.entries, (shape.next_index, shape.entries)
    return lost


def assert_batches_contiguous(shape: LogShape) -> None:
    """Batches 0..k-1 cover [0, end) without gap or overlap."""
    position = 0
    for number, (seq, start, end, _status) in enumerate(shape.batches):
        assert seq == number, f"batch seq {seq} where {number} was expected"
        assert start == position, f"batch {seq} starts at {start}, the log was at {position}"
        assert end > start, f"batch {seq} is empty"
        position = end


def assert_all_settled(shape: LogShape) -> bool:
    return (
        bool(shape.batches)
        and shape.batches[-1][2] == shape.next_index
        and all(status == "settled" for *_, status in shape.batches)
    )


def assert_one_anchor_per_head(shape: LogShape, rpc_url: str, registry: str) -> int:
    """Each head on the chain was anchored once, by one confirmed anchor of ours;
    returns the number of heads anchored."""
    web3 = connect(rpc_url, expected_chain_id=1337)
    client = RegistryClient(web3, registry, chain_id=1337)
    count = client.anchor_count()
    sizes_on_chain = []
    for seq in range(count):
        record = client.anchor_at(seq)
        assert record is not None
        sizes_on_chain.append(record.tree_size)
    assert len(set(sizes_on_chain)) == len(sizes_on_chain), f"a head twice: {sizes_on_chain}"
    confirmed = sorted(size for _, size, status in shape.anchors if status == "confirmed")
    assert confirmed == sorted(sizes_on_chain), (confirmed, sizes_on_chain)
    failed = [a for a in shape.anchors if a[2] == "failed"]
    assert not failed, f"failed anchors: {failed}"
    sealed_heads = {end for _, _, end, _ in shape.batches}
    assert set(sizes_on_chain) <= sealed_heads, "the chain has a head we never sealed"
    return count


def verify_proofs(
    base: str, auditor: str, external_ids: list[str], rpc_url: str, sample: int
) -> int:
    """Fetch and verify (against the chain) the proofs of up to ``sample`` ids."""
    chosen = external_ids if len(external_ids) <= sample else random.sample(external_ids, sample)
    view = Web3ChainView.connect(rpc_url)
    pin: TrustRoot | None = None
    headers = {"Authorization": f"Bearer {auditor}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        for external_id in chosen:
            response = client.get(f"/v1/entries/{external_id}/proof")
            assert response.status_code == 200, response.text
            bundle = parse_bundle(response.content)
            # These runs check the served proofs against the chain; pinning is tested in
            # tests/service/verifier. Every bundle must name the same registry, pinned here.
            pin = pin or TrustRoot.for_registry(1337, bundle.anchor.registry, "the stack's")
            report = verify_bundle(bundle, view, min_confirmations=1, trust=pin)
            assert report.valid, (external_id, [c.to_json() for c in report.checks])
    return len(chosen)


def record(scenario: str, **figures: Any) -> None:
    """Append a scenario's figures to ``$RELIABILITY_SUMMARY`` (read by the summary)."""
    path = os.environ.get("RELIABILITY_SUMMARY")
    if not path:
        return
    test = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0]
    line = json.dumps({"scenario": scenario, "test": test, **figures})
    with Path(path).open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
