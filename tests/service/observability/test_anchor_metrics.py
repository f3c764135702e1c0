"""Anchor metrics after real anchors on ganache: lag while in flight, then age, gas and fees."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from web3 import Web3
from web3.types import Wei

from anchor_service.chain import FeePolicy, RegistryClient, Signer, deploy_registry
from anchor_service.db.session import Database
from anchor_service.dev import DEV_ACCOUNT_KEYS
from anchor_service.observability.collector import DatabaseCollector
from anchor_service.services.anchoring.anchorer import Anchorer
from anchor_service.services.anchoring.chain_context import ChainContext
from anchor_service.services.anchoring.views import AnchorView, OutcomeKind

from .conftest import PostEntries
from .scrape import names, scrape, value

Rpc = Callable[..., Any]


@pytest.fixture
def anchorer(web3: Web3, database: Database) -> Anchorer:
    """An anchorer with a fresh funded signer that deployed its own registry."""
    signer = Signer.from_key(Account.create().key.hex())
    funder = Account.from_key(DEV_ACCOUNT_KEYS[9]).address  # unlocked in ganache
    tx_hash = web3.eth.send_transaction(
        {"from": funder, "to": signer.address, "value": Wei(10**18)}
    )
    web3.eth.wait_for_transaction_receipt(tx_hash, timeout=10)
    deployment = deploy_registry(web3, signer, signer.address)
    registry = RegistryClient(web3, deployment.address, fee_policy=FeePolicy(), chain_id=1337)
    registry.grant_anchorer(signer, signer.address)
    chain = ChainContext(web3=web3, signer=signer, registry=registry, chain_id=1337)
    return Anchorer(database, chain, confirmations=2)


def confirm_all(anchorer: Anchorer, rpc: Rpc) -> None:
    """Run confirm rounds, mining a block after each, until nothing is in flight."""
    for _ in range(6):
        anchorer.confirm()
        if anchorer.records.in_flight() is None:
            return
        rpc("evm_mine")
    raise AssertionError("the anchor was not confirmed")


def submit(anchorer: Anchorer) -> AnchorView:
    outcome = anchorer.anchor_latest()
    assert outcome.kind is OutcomeKind.SUBMITTED and outcome.anchor is not None, outcome.message
    return outcome.anchor


def at(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def test_anchor_figures_follow_anchors_from_submission_to_confirmation(
    client: TestClient,
    post_entries: PostEntries,
    seal: Callable[[], int],
    database: Database,
    anchorer: Anchorer,
    rpc: Rpc,
) -> None:
    post_entries(3)
    seal()
    submitted = submit(anchorer)
    submitted_at = submitted.submitted_at or submitted.created_at

    samples = scrape(client)  # in flight: lag, no confirmed anchor yet
    assert value(samples, "anchor_anchors", status="submitted") == 1
    assert value(samples, "anchor_batches", status="anchored") == 1
    assert 0 <= value(samples, "anchor_confirmation_lag_seconds") < 60
    assert "anchor_last_anchor_age_seconds" not in names(samples)
    assert value(samples, "anchor_anchor_fees_wei_total") == 0
    lagging = DatabaseCollector(
        database, cache_seconds=0, now=at(submitted_at + timedelta(seconds=7))
    )
    assert _sample(lagging, "anchor_confirmation_lag_seconds") == 7.0

    confirm_all(anchorer, rpc)
    first = anchorer.status(submitted.id)
    post_entries(2)
    seal()
    second_id = submit(anchorer).id
    confirm_all(anchorer, rpc)
    second = anchorer.status(second_id)
    assert first.fee_wei and second.fee_wei and first.gas_used and second.gas_used
    assert second.confirmed_at is not None

    samples = scrape(client)
    assert value(samples, "anchor_anchors", status="confirmed") == 2
    assert value(samples, "anchor_anchors", status="submitted") == 0
    assert value(samples, "anchor_batches", status="settled") == 2
    assert value(samples, "anchor_confirmation_lag_seconds") == 0
    assert value(samples, "anchor_last_anchor_gas_used") == second.gas_used
    assert value(samples, "anchor_last_anchor_fee_wei") == second.fee_wei
    assert value(samples, "anchor_anchor_gas_used_total") == first.gas_used + second.gas_used
    assert value(samples, "anchor_anchor_fees_wei_total") == first.fee_wei + second.fee_wei
    assert 0 <= value(samples, "anchor_last_anchor_age_seconds") < 60
    later = DatabaseCollector(
        database, cache_seconds=0, now=at(second.confirmed_at + timedelta(seconds=42))
    )
    assert _sample(later, "anchor_last_anchor_age_seconds") == 42.0


def _sample(collector: DatabaseCollector, name: str) -> float:
    for family in collector.collect():
        for sample in family.samples:
            if sample.name == name:
                return float(sample.value)
    raise KeyError(name)
