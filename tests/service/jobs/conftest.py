"""Fixtures for the scheduler tests: entries stored as ingest stores them, and a funded
signing account with its own registry on the shared ganache (deterministic wallet:
public test-only keys)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from eth_account import Account
from web3 import Web3
from web3.types import Wei

from anchor_service.chain import RegistryClient, Signer, deploy_registry
from anchor_service.db.repositories.entries import EntryRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.dev import DEV_ACCOUNT_KEYS
from anchor_service.ledger import EntryIn, encode_entry

StoreEntries = Callable[..., None]

_ids = itertools.count()


def entry(external_id: str) -> EntryIn:
    return EntryIn.model_validate(
        {
            "external_id": external_id,
            "occurred_at": "2026-11-21T08:15:00+07:00",
            "postings": [
                {"account": "wallet:user:981", "amount": "-150000", "currency": "IDR"},
                {"account": "escrow:project:42", "amount": "150000", "currency": "IDR"},
            ],
        }
    )


@pytest.fixture
def store_entries(database: Database) -> StoreEntries:
    """``store_entries(count, received_at=now)``: append entries as ingest does."""

    def store(count: int, received_at: datetime | None = None) -> None:
        encoded = [
            encode_entry(entry(f"job-test-{next(_ids)}"), max_metadata_bytes=4096)
            for _ in range(count)
        ]
        with unit_of_work(database.writer) as session:
            EntryRepository(session).append(encoded, received_at=received_at or datetime.now(UTC))

    return store


def funded_key(web3: Web3) -> str:
    """The private key (hex) of a fresh account given 10 ETH by ganache's account 9."""
    key: str = Account.create().key.hex()
    funder = Account.from_key(DEV_ACCOUNT_KEYS[9]).address  # unlocked in ganache
    tx_hash = web3.eth.send_transaction(
        {"from": funder, "to": Signer.from_key(key).address, "value": Wei(10**18)}
    )
    web3.eth.wait_for_transaction_receipt(tx_hash, timeout=10)
    return key


def deploy_for(web3: Web3, signer: Signer) -> RegistryClient:
    """A registry with ``signer`` as admin and anchorer (its nonces 0 and 1)."""
    deployment = deploy_registry(web3, signer, signer.address)
    registry = RegistryClient(web3, deployment.address, chain_id=1337)
    registry.grant_anchorer(signer, signer.address)
    return registry
