"""Fixtures for the reliability scenarios: the scale knob, a ganache of the test's own
with the registry deployed (account 0 of the deterministic wallet: a public test-only
key), and the environment of the service processes.

``RELIABILITY_SCALE=short`` (default; what ``make test`` runs) or ``full`` (what
``make reliability`` runs: longer load, more kill rounds, bigger backlogs).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from anchor_service.dev import DEV_ACCOUNT_KEYS, DevChain
from anchor_service.services.anchoring.deployment import deploy_and_record
from anchor_service.settings import Settings
from tests.support.ports import free_port
from tests.support.processes import service_env

SIGNER_KEY = DEV_ACCOUNT_KEYS[0]  # PUBLIC test-only key (ganache's deterministic wallet)
BLOCK_SECONDS = "0.5"
CONFIRMATIONS = 2


@dataclass(frozen=True)
class Scale:
    name: str
    load_seconds: float
    load_max_requests: int
    load_clients: int
    seal_check_seconds: float
    proof_sample: int
    bulk_size: int
    bulk_kill_rounds: int
    sealing_backlog: int
    scheduler_kill_rounds: int
    outage_seconds: float


SCALES = {
    "short": Scale(
        name="short", load_seconds=8, load_max_requests=4_000, load_clients=6,
        seal_check_seconds=2, proof_sample=40, bulk_size=5_000, bulk_kill_rounds=3,
        sealing_backlog=50_000, scheduler_kill_rounds=1, outage_seconds=4,
    ),
    "full": Scale(
        name="full", load_seconds=60, load_max_requests=100_000, load_clients=12,
        seal_check_seconds=10, proof_sample=300, bulk_size=10_000, bulk_kill_rounds=10,
        sealing_backlog=200_000, scheduler_kill_rounds=4, outage_seconds=20,
    ),
}  # fmt: skip


@pytest.fixture(scope="session")
def scale() -> Scale:
    name = os.environ.get("RELIABILITY_SCALE", "short")
    if name not in SCALES:
        raise pytest.UsageError(f"RELIABILITY_SCALE must be short or full, not {name!r}")
    return SCALES[name]


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[DevChain]:
    """A ganache of this test's own, a block every 0.5 s."""
    dev = DevChain(
        tmp_path / "ganache", port=free_port(), extra_args=["--miner.blockTime", BLOCK_SECONDS]
    )
    with dev:
        yield dev


@pytest.fixture
def registry_address(chain: DevChain, tmp_path: Path) -> str:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, rpc_url=chain.rpc_url, signer_key=SIGNER_KEY, data_dir=tmp_path
    )
    record, _path = deploy_and_record(settings, dev=True, timeout=60)
    return record.address


StackEnv = Callable[..., dict[str, str]]


@pytest.fixture
def stack_env(tmp_path: Path) -> StackEnv:
    """``stack_env(database_url, rpc_url=..., registry=..., **ANCHOR_overrides)``."""

    def build(
        database_url: str, rpc_url: str | None = None, registry: str | None = None, **extra: str
    ) -> dict[str, str]:
        values = {
            "ANCHOR_DATABASE_URL": database_url,
            "ANCHOR_DATA_DIR": str(tmp_path / "data"),
            "ANCHOR_LOG_LEVEL": "INFO",
            "ANCHOR_API_KEY_CACHE_SECONDS": "5",
            "ANCHOR_METRICS_CACHE_SECONDS": "5",
            "ANCHOR_CONFIRMATIONS": str(CONFIRMATIONS),
            "ANCHOR_CONFIRM_INTERVAL_SECONDS": "0.5",
            "ANCHOR_LEADER_RETRY_SECONDS": "1",
            # a SIGKILLed scheduler's lease expires after this: the next one takes over
            "ANCHOR_LEADER_LEASE_SECONDS": "3",
            "ANCHOR_AUDIT_CRON": "",
            "ANCHOR_SEAL_CRON": "0 0 1 1 *",
        }
        if rpc_url is not None:
            values["ANCHOR_RPC_URL"] = rpc_url
        if registry is not None:
            values["ANCHOR_REGISTRY_ADDRESS"] = registry
            values["ANCHOR_SIGNER_KEY"] = SIGNER_KEY
        values.update({f"ANCHOR_{k.upper()}": v for k, v in extra.items()})
        return service_env(**values)

    return build
