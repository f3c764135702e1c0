"""Receipt benchmark: what signing an entry receipt adds to a write answer.

Every ``POST /v1/entries`` answer carries the log key's signed receipt
(:mod:`anchor_service.services.receipts`). This measures, in process, one receipt
(building the note text and its Ed25519 signature) and the answer body with and
without it, then the receipts of a full bulk answer (10,000 entries, in the thread
pool): one range receipt (Merkle tree, one signature, a path per entry, see
:mod:`anchor_service.tlog.range_receipt`) beside what one entry receipt each would
cost. The single-POST latency target is p99 <= 25 ms (``ingest_bench.py`` measures it
end to end); the figures below are what the receipt adds to it.

    .venv/bin/python benchmarks/receipt_bench.py [--rounds 20000]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import time
from datetime import UTC, datetime

from bench_support import percentile

from anchor_service.api.schemas.entries import render_bulk, render_entry
from anchor_service.db.repositories.entries import StoredEntry
from anchor_service.ledger.status import EntryStatus
from anchor_service.services.receipts import ReceiptSigner
from anchor_service.tlog import Ed25519Signer

DOCUMENT = (
    b'{"description":"Contribution to project 42","external_id":"pay-1","occurred_at":'
    b'"2026-11-21T01:15:00Z","postings":[{"account":"wallet:user:981","amount":"-150000",'
    b'"currency":"IDR"},{"account":"escrow:project:42","amount":"150000","currency":"IDR"}],'
    b'"salt":"5f0c2b7e9a1d4c3b8e6f0a2d4c6b8e0f"}'
)


def _stored(index: int) -> StoredEntry:
    return StoredEntry(
        external_id=f"pay-{index}",
        leaf_index=index,
        leaf_hash=hashlib.sha256(b"\x00" + DOCUMENT + str(index).encode()).digest(),
        document=DOCUMENT,
        received_at=datetime(2026, 11, 21, 1, 15, 2, 318000 + index % 1000, tzinfo=UTC),
        created=True,
    )


def _timings(rounds: int, work: object) -> list[float]:
    samples = []
    for index in range(rounds):
        start = time.perf_counter()
        work(index)  # type: ignore[operator]
        samples.append((time.perf_counter() - start) * 1e6)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20_000)
    args = parser.parse_args()
    signer = ReceiptSigner(Ed25519Signer("bench.example/log", bytes(32)), 60)
    entries = [_stored(index) for index in range(args.rounds)]

    sign = _timings(args.rounds, lambda i: signer.receipt(entries[i]))
    plain = _timings(args.rounds, lambda i: render_entry(entries[i], EntryStatus.PENDING))
    signed = _timings(
        args.rounds,
        lambda i: render_entry(entries[i], EntryStatus.PENDING, receipt=signer.receipt(entries[i])),
    )
    received = entries[0].received_at  # one bulk request: stored together, one received time
    bulk = [dataclasses.replace(item, received_at=received) for item in entries[:10_000]]
    statuses = [EntryStatus.PENDING] * len(bulk)
    start = time.perf_counter()
    render_bulk(bulk, statuses)
    bare_ms = (time.perf_counter() - start) * 1e3
    start = time.perf_counter()
    render_bulk(bulk, statuses, list(signer.range_receipts(bulk)))
    bulk_ms = (time.perf_counter() - start) * 1e3 - bare_ms
    start = time.perf_counter()
    signer.receipts(bulk)
    each_ms = (time.perf_counter() - start) * 1e3

    print(f"{'measurement':<46}{'p50':>10}{'p99':>10}  unit   target")
    print("-" * 80)
    for name, samples in (
        ("one receipt (text + Ed25519 signature)", sign),
        ("answer body without receipt", plain),
        ("answer body with receipt", signed),
    ):
        print(f"{name:<46}{percentile(samples, 0.5):>10.1f}{percentile(samples, 0.99):>10.1f}  µs")
    added = percentile(signed, 0.99) - percentile(plain, 0.99)
    print(
        f"{'added to a single POST (p99)':<46}{'':>10}{added:>10.1f}  µs     "
        "single POST p99 <= 25 ms in all"
    )
    per_entry = bulk_ms * 1e3 / len(bulk)
    print(
        f"{'range receipt of a 10,000-entry bulk answer':<46}{'':>10}{bulk_ms:>10.1f}  ms     "
        f"{per_entry:.1f} µs/entry, in the answer too"
    )
    print(
        f"{'  (an entry receipt each would sign for)':<46}{'':>10}{each_ms:>10.1f}  ms     "
        f"{each_ms * 1e3 / len(bulk):.1f} µs/entry"
    )


if __name__ == "__main__":
    main()
