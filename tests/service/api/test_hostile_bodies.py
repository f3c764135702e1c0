"""Hostile bodies within the size limit: answered at once with one bounded error.

A writer key once killed API workers with ``{"entries": [{}, {}, ...]}``: every item was
validated (three errors each) before the item limit was checked. The limit is now checked
before any item is validated, and a body with more JSON values than any real request
needs is refused before it is parsed. Time and peak Python memory are printed (``-s``),
not asserted.
"""

from __future__ import annotations

import json
import resource
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from anchor_service.db import Role
from anchor_service.ledger import parsing
from anchor_service.ledger.parsing import MAX_JSON_VALUES
from anchor_service.settings import Settings

Auth = Callable[[Role], dict[str, str]]


def _empty_objects(size: int, prefix: bytes = b'{"entries":[', suffix: bytes = b"]}") -> bytes:
    """The largest ``prefix {},{},... suffix`` of at most ``size`` bytes."""
    count = (size - len(prefix) - len(suffix) + 1) // 3
    return prefix + b",".join([b"{}"] * count) + suffix


def _post(client: TestClient, path: str, body: bytes, headers: dict[str, str]) -> Any:
    started = time.perf_counter()
    response = client.post(path, content=body, headers=headers)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{path} {len(body)} bytes: {response.status_code} in {elapsed:.3f} s "
          f"(test process peak RSS so far {peak:.0f} MiB)")
    return response


def test_the_attack_body_is_refused_with_one_error(client: TestClient, auth: Auth) -> None:
    body = _empty_objects(2 * 1024 * 1024)  # the attack: 699,050 empty objects
    response = _post(client, "/v1/entries/bulk", body, auth(Role.WRITER))
    assert response.status_code == 422
    error = response.json()
    # one error about the body, not about item 0's missing fields
    assert (error["error"], error["field"], error["index"]) == ("InvalidEntry", None, None)
    assert f"more than {MAX_JSON_VALUES} JSON values" in error["detail"]


def test_the_item_limit_is_checked_before_any_item(client: TestClient, auth: Auth) -> None:
    body = _empty_objects(3 * 400_000 + 13)  # within the value limit
    response = _post(client, "/v1/entries/bulk", body, auth(Role.WRITER))
    assert response.status_code == 422
    error = response.json()
    # one error about the count, not about item 0's missing fields
    assert (error["error"], error["field"], error["index"]) == ("InvalidEntry", "entries", None)
    assert error["detail"] == "entries: at most 10000 entries per bulk request, got 400000"


def test_the_worst_bulk_body_within_the_size_limit_is_refused_unparsed(
    client: TestClient, auth: Auth, settings: Settings
) -> None:
    body = _empty_objects(settings.max_body_bytes)
    response = _post(client, "/v1/entries/bulk", body, auth(Role.WRITER))
    assert response.status_code == 422
    error = response.json()
    assert (error["field"], error["index"]) == (None, None)
    assert f"more than {MAX_JSON_VALUES} JSON values" in error["detail"]


@pytest.mark.parametrize("filler", [b"{}", b"0", b"[]", b'""'])
def test_a_single_entry_with_millions_of_values_is_refused_unparsed(
    client: TestClient, auth: Auth, settings: Settings, filler: bytes
) -> None:
    prefix = b'{"external_id":"x-1","metadata":{"a":['
    count = (settings.max_body_bytes - len(prefix) - 3) // (len(filler) + 1)
    body = prefix + b",".join([filler] * count) + b"]}}"
    response = _post(client, "/v1/entries", body, auth(Role.WRITER))
    assert response.status_code == 422
    assert f"more than {MAX_JSON_VALUES} JSON values" in response.json()["detail"]


def test_values_inside_strings_do_not_count(
    client: TestClient, auth: Auth, make_entry: Callable[..., dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # brackets, commas and escaped quotes inside strings are not JSON values: a limit of
    # 150 values takes three entries full of them
    monkeypatch.setattr(parsing, "MAX_JSON_VALUES", 150)
    tricky = '\\"[{,' * 200
    entries = [make_entry(metadata={"note": tricky}) for _ in range(3)]
    body = json.dumps({"entries": entries}).encode()
    assert body.count(b"{") + body.count(b",") > 1000
    stored = client.post("/v1/entries/bulk", content=body, headers=auth(Role.WRITER))
    assert stored.status_code == 201, stored.text
    more = {"entries": [make_entry() for _ in range(10)]}
    refused = client.post("/v1/entries/bulk", json=more, headers=auth(Role.WRITER))
    assert refused.status_code == 422
    assert "more than 150 JSON values" in refused.json()["detail"]
