"""The jobs against a real ganache and SQLite: seal, anchor, settle; a failing chain
never stops the scheduler, and the anchor goes out once the chain is back."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from web3 import Web3

from anchor_service.chain import Signer, connect
from anchor_service.db.models_sealing import Batch
from anchor_service.db.repositories.batches import BatchRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.dev import DevChain
from anchor_service.jobs.leadership import FileLeaderLock
from anchor_service.jobs.scheduler import SchedulerProcess
from anchor_service.jobs.work import SchedulerWork
from anchor_service.services.anchoring.anchorer import Anchorer
from anchor_service.services.anchoring.backoff import Backoff
from anchor_service.services.anchoring.chain_context import build_chain_context
from anchor_service.services.anchoring.views import OutcomeKind
from anchor_service.settings import Settings
from tests.support.ports import free_port
from tests.support.waiting import wait_until

from .conftest import StoreEntries, deploy_for, funded_key

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

MakeSettings = Callable[..., Settings]


def batches(database: Database) -> list[tuple[int, int, str]]:
    """(seq, tree size, status) of every batch."""
    with unit_of_work(database.reader) as session:
        return [
            (batch.seq, batch.end_index, batch.status)
            for batch in BatchRepository(session).page(limit=1000)
        ]


def latest(database: Database) -> Batch | None:
    with unit_of_work(database.reader) as session:
        return BatchRepository(session).latest()


def fast_anchorer(settings: Settings, database: Database) -> Callable[[], Anchorer]:
    """An anchorer that gives up on a down node quickly and retries within a second."""

    def build() -> Anchorer:
        web3 = connect(settings.rpc_url, retries=1, timeout=1)
        return Anchorer.from_settings(
            settings,
            database,
            build_chain_context(settings, web3=web3),
            backoff=Backoff(initial=0.1, maximum=0.5),
        )

    return build


@pytest.fixture
def scheduler_thread(tmp_path: Path) -> Iterator[Callable[[SchedulerProcess], None]]:
    running: list[tuple[SchedulerProcess, threading.Thread]] = []

    def start(process: SchedulerProcess) -> None:
        thread = threading.Thread(target=process.run, daemon=True)
        thread.start()
        running.append((process, thread))
        wait_until(lambda: process.leading)

    yield start
    for process, thread in running:
        process.stop()
        thread.join(timeout=20)
        assert not thread.is_alive(), "the scheduler did not stop"


def quick_settings(make_settings: MakeSettings, tmp_path: Path, **values: Any) -> Settings:
    return make_settings(
        data_dir=tmp_path,
        confirmations=1,
        seal_when_pending=1,
        seal_check_seconds=0.1,
        confirm_interval_seconds=0.1,
        leader_retry_seconds=0.1,
        **values,
    )


def test_seal_and_anchor_job_seals_anchors_and_confirm_settles(
    web3: Web3,
    make_settings: MakeSettings,
    database: Database,
    store_entries: StoreEntries,
    rpc: Callable[..., Any],
) -> None:
    key = funded_key(web3)
    registry = deploy_for(web3, Signer.from_key(key))
    settings = make_settings(
        rpc_url=web3.provider.endpoint_uri,  # type: ignore[attr-defined]
        registry_address=registry.address,
        signer_key=key,
        confirmations=2,
    )
    work = SchedulerWork(settings, database)
    store_entries(3)

    report = work.seal_and_anchor()
    assert [(b.seq, b.tree_size) for b in report.sealed] == [(0, 3)]
    assert report.outcome is not None and report.outcome.kind is OutcomeKind.SUBMITTED
    assert report.ok and not work.anchor_due

    for _ in range(5):
        work.confirm()
        if batches(database)[-1][2] == "settled":
            break
        rpc("evm_mine")
    assert batches(database) == [(0, 3, "settled")]
    head = registry.latest_head()
    batch = latest(database)
    assert head is not None and batch is not None
    assert (head.tree_size, head.root) == (3, batch.root)

    again = work.seal_and_anchor()
    assert again.sealed == []
    assert again.outcome is not None and again.outcome.kind is OutcomeKind.NOTHING_TO_DO


def test_an_unreachable_chain_never_stops_the_scheduler_and_the_anchor_follows_its_return(
    tmp_path: Path,
    make_settings: MakeSettings,
    database: Database,
    store_entries: StoreEntries,
    scheduler_thread: Callable[[SchedulerProcess], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    chain = DevChain(tmp_path / "ganache", port=free_port()).start()
    try:
        web3 = connect(chain.rpc_url)
        key = funded_key(web3)
        registry = deploy_for(web3, Signer.from_key(key))
    finally:
        chain.stop()
    settings = quick_settings(
        make_settings, tmp_path,
        rpc_url=chain.rpc_url, registry_address=registry.address, signer_key=key,
    )  # fmt: skip
    work = SchedulerWork(settings, database, anchorer_factory=fast_anchorer(settings, database))
    process = SchedulerProcess(settings, work, FileLeaderLock(tmp_path / "lock"))
    caplog.set_level(logging.INFO)
    scheduler_thread(process)

    store_entries(2)  # the size trigger seals them; anchoring finds no node
    wait_until(lambda: [b[:2] for b in batches(database)] == [(0, 2)])
    wait_until(lambda: any("anchoring postponed" in r.message for r in caplog.records))
    store_entries(1)
    wait_until(lambda: [b[:2] for b in batches(database)] == [(0, 2), (1, 3)])
    assert process.leading and work.anchor_due
    assert all(status == "sealed" for *_, status in batches(database))

    chain.start()  # the same chain database: the registry is there
    try:
        wait_until(lambda: batches(database)[-1][2] == "settled")
        head = registry.latest_head()
        assert head is not None and head.tree_size == 3
    finally:
        chain.stop()


def test_a_job_that_raises_is_logged_with_its_exception_and_the_scheduler_goes_on(
    web3: Web3,
    tmp_path: Path,
    make_settings: MakeSettings,
    database: Database,
    store_entries: StoreEntries,
    scheduler_thread: Callable[[SchedulerProcess], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = funded_key(web3)
    no_contract = Signer.from_key(key).address  # an account: no code there
    settings = quick_settings(
        make_settings, tmp_path,
        rpc_url=web3.provider.endpoint_uri,  # type: ignore[attr-defined]
        registry_address=no_contract, signer_key=key,
    )  # fmt: skip
    work = SchedulerWork(settings, database)
    process = SchedulerProcess(settings, work, FileLeaderLock(tmp_path / "lock"))
    caplog.set_level(logging.INFO)
    scheduler_thread(process)

    store_entries(1)
    wait_until(lambda: len(batches(database)) == 1)
    wait_until(lambda: any(r.exc_info for r in caplog.records if r.name.endswith("jobs.work")))
    failure = next(r for r in caplog.records if r.exc_info and r.name.endswith("jobs.work"))
    assert failure.exc_info is not None and failure.exc_info[0] is not None
    assert failure.exc_info[0].__name__ == "ChainConfigError"
    assert "failed" in failure.getMessage()

    store_entries(1)  # still sealing: the failure ended one run, not the scheduler
    wait_until(lambda: len(batches(database)) == 2)
    assert process.leading
