"""Send an import batch to a running API instead: ``POST /v1/entries/bulk``.

Records are checked and encoded locally first (the same rules as the server), so every
invalid record of a batch is reported with its line before anything is sent; the server
then stores the batch all or nothing. A conflict it reports (``409`` with the item's
index) is mapped back to the record's line; an entry it reports as redacted counts as
existing. Needs a ``writer`` (or ``admin``) key.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import httpx

from anchor_service.importer.batches import (
    BatchOutcome,
    Problem,
    count_problems,
    encode_records,
    stopped,
    without_repeats,
)
from anchor_service.importer.errors import RemoteError
from anchor_service.importer.source import SourceRecord

__all__ = ["post_batch", "remote_client"]

BULK_PATH = "/v1/entries/bulk"


def remote_client(url: str, key: str, *, timeout: float = 120.0) -> httpx.Client:
    """An HTTP client for the API at ``url`` authenticating with the API key ``key``."""
    return httpx.Client(
        base_url=url.rstrip("/"),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        timeout=timeout,
    )


def post_batch(
    records: Sequence[SourceRecord],
    client: httpx.Client,
    *,
    max_metadata_bytes: int,
    skip_invalid: bool,
) -> BatchOutcome:
    """Send the valid entries of ``records`` in one bulk request (see :func:`store_batch`)."""
    outcome = BatchOutcome()
    encoded = without_repeats(encode_records(records, max_metadata_bytes, outcome), outcome, {})
    if outcome.problems and not skip_invalid:
        return stopped(outcome)
    while encoded:
        entries = []
        for _, _, record in encoded:
            assert record.entry is not None
            entries.append(record.entry.model_dump(mode="json", exclude_none=True))
        try:
            response = client.post(BULK_PATH, content=json.dumps({"entries": entries}))
        except httpx.HTTPError as exc:
            raise RemoteError(f"cannot reach the API at {client.base_url}: {exc}") from None
        if response.status_code in (200, 201):
            result: dict[str, Any] = response.json()
            outcome.counts.imported += int(result["created"])
            outcome.counts.existing += int(result["existing"])
            break
        error = _error_of(response)
        index = error.get("index")
        if error.get("error") == "EntryRedacted" and isinstance(index, int):
            encoded.pop(index)  # stored, then redacted: it exists
            outcome.counts.existing += 1
            continue
        if response.status_code not in (409, 422) or not isinstance(index, int):
            raise RemoteError(
                f"the API refused the batch: {response.status_code} "
                f"{error.get('error', '')}: {error.get('detail', response.text[:200])}"
            )
        line, _, _ = encoded.pop(index)
        kind = "conflict" if response.status_code == 409 else "invalid"
        outcome.problems.append(Problem(line, kind, str(error.get("detail", ""))))
        if not skip_invalid:
            return stopped(outcome)
    count_problems(outcome)
    return outcome


def _error_of(response: httpx.Response) -> dict[str, Any]:
    try:
        document = response.json()
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}
