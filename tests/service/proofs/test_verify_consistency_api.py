"""``anchor-service verify-consistency N M --api URL``: the proof fetched from the real
API (the service's app served over HTTP in a thread) and checked against the registry
on the test ganache by the real executable."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI

from anchor_service.db import Role
from anchor_service.dev import DevChain
from anchor_service.services.anchoring.chain_context import ChainContext
from tests.support.processes import service_command, service_env
from tests.support.servers import app_in_thread

from .conftest import LogBuilder


def _verify_consistency(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        service_command("verify-consistency", *args),
        cwd=cwd,
        env=service_env(PYTHONIOENCODING="utf-8"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_proof_from_the_api_is_checked_against_the_pinned_registry(
    log: LogBuilder,
    app: FastAPI,
    chain: ChainContext,
    devchain: DevChain,
    make_key: Callable[[Role], str],
    tmp_path: Path,
) -> None:
    first, second = log.head(3), log.head(4)  # anchored heads of sizes 3 and 7
    key = make_key(Role.AUDITOR)
    pinned = ["--registry", chain.registry.address, "--rpc", devchain.rpc_url]
    with app_in_thread(app) as api:
        good = _verify_consistency(
            str(first), str(second), "--api", api, "--key", key, *pinned, "--json", cwd=tmp_path
        )
        unknown = _verify_consistency(
            str(first + 1), str(second), "--api", api, "--key", key, *pinned, cwd=tmp_path
        )
        unauthorised = _verify_consistency(
            str(first), str(second), "--api", api, "--key", "ak_wrong", *pinned, cwd=tmp_path
        )
    assert good.returncode == 0, good.stdout + good.stderr
    report = json.loads(good.stdout)
    assert report["status"] == "valid", report
    assert (report["first"], report["second"]) == (first, second)
    assert report["root_second"] == chain.registry.root_at(second).hex()
    assert unknown.returncode == 2, unknown.stdout + unknown.stderr
    assert "HTTP 404" in unknown.stderr
    assert unauthorised.returncode == 2, unauthorised.stdout + unauthorised.stderr
    assert "HTTP 401" in unauthorised.stderr
