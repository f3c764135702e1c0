"""Builds a real log for the auditor tests: entries posted through the API, sealed, and
anchored on ganache by the service's own Anchorer; plus raw SQL for tampering."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from anchor_service.db.models import Role
from anchor_service.db.repositories.api_keys import ApiKeyRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.services.anchoring.anchorer import Anchorer
from anchor_service.services.anchoring.views import AnchorView, OutcomeKind
from anchor_service.services.sealing import SealedBatch, seal_pending
from anchor_service.settings import Settings

_numbers = itertools.count()


def entry_payload(external_id: str, amount: int) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "occurred_at": "2026-11-21T08:15:00+07:00",
        "description": f"Contribution {amount} to project 42",
        "postings": [
            {"account": "wallet:user:981", "amount": str(-amount), "currency": "IDR"},
            {"account": "escrow:project:42", "amount": str(amount), "currency": "IDR"},
        ],
        "metadata": {"gateway": "midtrans", "gateway_ref": f"MT-{amount}"},
    }


class LogBuilder:
    """The test's log; ``ids[i]`` is the external id of leaf ``i`` (its own entries, and
    the leaves the service appended between them, such as redaction records)."""

    def __init__(
        self,
        client: TestClient,
        database: Database,
        settings: Settings,
        anchorer: Anchorer,
        rpc: Callable[..., Any],
        writer_headers: dict[str, str],
    ) -> None:
        self.client = client
        self.database = database
        self.settings = settings
        self.anchorer = anchorer
        self.rpc = rpc
        self._headers = writer_headers
        self.ids: list[str] = []
        self.prefix = f"aud-{secrets.token_hex(3)}"

    def add(self, count: int) -> list[str]:
        """Post ``count`` entries in one bulk request; return their external ids."""
        ids = [f"{self.prefix}-{next(_numbers):06d}" for _ in range(count)]
        body = {"entries": [entry_payload(external_id, 1000 + len(self.ids) + n)
                            for n, external_id in enumerate(ids)]}  # fmt: skip
        response = self.client.post("/v1/entries/bulk", json=body, headers=self._headers)
        assert response.status_code == 201, response.text
        indices = [item["leaf_index"] for item in response.json()["entries"]]
        first = indices[0]
        assert indices == list(range(first, first + count)) and first >= len(self.ids)
        self.ids += self._stored_ids(len(self.ids), first)  # leaves the service appended
        self.ids += ids
        return ids

    def add_for(self, account: str) -> str:
        """Post one entry paying from ``account`` (instead of wallet:user:981); its id."""
        ids = [f"{self.prefix}-{next(_numbers):06d}"]
        entry = entry_payload(ids[0], 7000)
        entry["postings"][0]["account"] = account
        response = self.client.post("/v1/entries", json=entry, headers=self._headers)
        assert response.status_code == 201, response.text
        self.ids += self._stored_ids(len(self.ids), response.json()["leaf_index"]) + ids
        return ids[0]

    def account_key(self, *accounts: str) -> dict[str, str]:
        """Authorization headers of a new ``account`` key bound to ``accounts``."""
        with unit_of_work(self.database.writer) as session:
            token = ApiKeyRepository(session).create(Role.ACCOUNT, accounts=list(accounts)).token
        return {"Authorization": f"Bearer {token}"}

    def _stored_ids(self, start: int, end: int) -> list[str]:
        """External ids of leaves ``[start, end)`` (redaction records, for example)."""
        if start == end:
            return []
        with unit_of_work(self.database.reader) as session:
            rows = session.execute(
                text(
                    "SELECT external_id FROM entries WHERE leaf_index >= :start"
                    " AND leaf_index < :end ORDER BY leaf_index"
                ),
                {"start": start, "end": end},
            )
            return [str(row[0]) for row in rows]

    def seal(self, max_batch_entries: int | None = None) -> list[SealedBatch]:
        batches = seal_pending(
            self.database, self.settings, max_batch_entries=max_batch_entries or 10**6
        )
        assert batches, "nothing was sealed"
        return batches

    def anchor(self, *, confirm: bool = True) -> AnchorView:
        """Anchor the newest sealed head; mine until it is confirmed (or only mined)."""
        outcome = self.anchorer.anchor_latest()
        assert outcome.kind is OutcomeKind.SUBMITTED, outcome.message
        assert outcome.anchor is not None
        anchor_id = outcome.anchor.id
        self.anchorer.confirm()  # ganache mines at once: the receipt is recorded
        for _ in range(8 if confirm else 0):
            if self.anchorer.records.in_flight() is None:
                break
            self.rpc("evm_mine")
            self.anchorer.confirm()
        view = self.anchorer.status(anchor_id)
        assert view.mined, view
        return view

    def head(self, count: int, *, batches: int = 1, confirm: bool = True) -> int:
        """Add ``count`` entries, seal them in ``batches`` batches, anchor; the new size."""
        self.add(count)
        sealed = self.seal(max_batch_entries=-(-count // batches))
        self.anchor(confirm=confirm)
        return sealed[-1].end_index

    def sql(self, sql: str, /, **params: Any) -> None:
        """Run raw SQL in its own transaction (the tampering an attacker would do)."""
        with unit_of_work(self.database.writer) as session:
            session.execute(text(sql), params)
