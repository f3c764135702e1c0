"""The API SIGKILLed (master and workers) in the middle of a 10,000-entry bulk request:
afterwards the request's entries are all stored or none, the indices stay dense, and
the same request sent again to a restarted API stores it exactly once."""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from anchor_service.db import Role

from .conftest import Scale, StackEnv
from .ledger_checks import count_ids, read_shape, record
from .stack import Api
from .traffic import entry

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def _post_bulk(base: str, writer: str, body: dict[str, object], answer: list[object]) -> None:
    try:
        response = httpx.post(
            f"{base}/v1/entries/bulk", json=body,
            headers={"Authorization": f"Bearer {writer}"}, timeout=300,
        )  # fmt: skip
        answer.append(response.status_code)
    except httpx.HTTPError as exc:
        answer.append(type(exc).__name__)


def test_a_bulk_request_cut_by_sigkill_is_stored_whole_or_not_at_all(
    scale: Scale,
    database_url: str,
    stack_env: StackEnv,
    make_key: Callable[[Role], str],
    tmp_path: Path,
) -> None:
    env = stack_env(database_url, ANCHOR_LOG_LEVEL="WARNING")
    writer = make_key(Role.WRITER)
    rng = random.Random(secrets.randbits(32))
    outcomes: dict[str, int] = {"none": 0, "all": 0}
    cut = 0
    api = Api(env, tmp_path)
    try:
        # How long one such request takes here: the kills land within that time.
        began = time.monotonic()
        calibration = {"entries": [entry(f"calibrate-{n}") for n in range(scale.bulk_size)]}
        first: list[object] = []
        _post_bulk(api.base, writer, calibration, first)
        assert first == [201], first
        duration = time.monotonic() - began
        for round_ in range(scale.bulk_kill_rounds):
            ids = [f"kill-{round_}-{secrets.token_hex(3)}-{n}" for n in range(scale.bulk_size)]
            body: dict[str, object] = {"entries": [entry(i) for i in ids]}
            answer: list[object] = []
            sender = threading.Thread(target=_post_bulk, args=(api.base, writer, body, answer))
            sender.start()
            time.sleep(rng.uniform(0.05, 0.95 * duration))
            api.kill()
            sender.join(timeout=60)
            if not (answer and answer[0] in (200, 201)):
                cut += 1  # the client saw no answer: the kill hit the request

            stored = sum(count_ids(database_url, ids).values())
            assert stored in (0, len(ids)), f"round {round_}: {stored} of {len(ids)} stored"
            outcomes["all" if stored else "none"] += 1
            shape = read_shape(database_url)
            assert shape.dense and shape.next_index == shape.entries

            api = Api(env, tmp_path)  # restarted: it takes the retry, then the next kill
            response = httpx.post(
                f"{api.base}/v1/entries/bulk", json=body,
                headers={"Authorization": f"Bearer {writer}"}, timeout=300,
            )  # fmt: skip
            assert response.status_code in (200, 201), response.text
            assert all(n == 1 for n in count_ids(database_url, ids).values())
            shape = read_shape(database_url)
            assert shape.dense and shape.next_index == shape.entries
    finally:
        api.stop()

    print(f"bulk kill: {scale.bulk_kill_rounds} rounds, {cut} cut mid-request, {outcomes}")
    record(
        "api SIGKILL during bulk",
        rounds=scale.bulk_kill_rounds,
        inputs=scale.bulk_kill_rounds * scale.bulk_size,
        cut_mid_request=cut,
        stored_none=outcomes["none"],
        stored_all=outcomes["all"],
        lost=0,
    )
