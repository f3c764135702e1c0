"""Fixtures for the auditor page: headless Chromium, the real API serving it, real bundles.

``served`` runs the service as in production: ``uvicorn`` in a child process on a free
port, a migrated SQLite file, the shared test ganache, a registry deployed by a fresh
funded account (so its anchors never use nonce 0; see tests/service/anchoring). Entries
go in through ``POST /v1/entries/bulk``, are sealed (``POST /v1/admin/seal``) and anchored
(``POST /v1/admin/anchor``), and the bundles are what ``GET /v1/entries/{id}/proof``
returns: nothing in them is made up by the tests.

``forgery`` is issue 13's attack on the served bundle: an attacker's registry on the same
ganache, a forged entry anchored there (tests/service/anchored_log/forgery.py).

``browser`` is Debian's Chromium through its chromedriver (``make browser-tools``
installs both). Without them the browser tests are skipped, unless ``CI=true``: then
they fail.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service as ChromeService
from sqlalchemy.engine import URL
from web3 import Web3

from anchor_service.chain import deploy_registry
from anchor_service.chain.registry import RegistryClient
from anchor_service.db import migrate
from anchor_service.db.models import Role
from anchor_service.db.repositories.api_keys import ApiKeyRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.dev import DevChain
from anchor_service.settings import Settings
from tests.service.anchored_log.forgery import (
    ForgedAnchor,
    attacker_registry,
    forge_bundle,
    fresh_signer,
)
from tests.support.ci import skip_or_fail
from tests.support.ports import free_port
from tests.support.processes import ChildProcess
from tests.support.servers import uvicorn_command, wait_for_http
from tests.support.waiting import wait_until

from .page import VerifyPage

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1500",
)
CONFIRMATIONS = 1
ENTRY_COUNT = 5
PROVED = 2  # the entry whose bundle the tests check (index 2 of 5: a path of 3 hashes)


@dataclass(frozen=True)
class Served:
    """The running service and what the tests need from it."""

    base_url: str
    rpc_url: str
    registry: str
    auditor_key: str
    external_ids: tuple[str, ...]
    bundles: dict[str, str]  # external_id -> the bundle text as the API served it
    admin_key: str = ""

    @property
    def bundle_text(self) -> str:
        return self.bundles[self.external_ids[PROVED]]

    def bundle(self) -> dict[str, Any]:
        """A fresh, decoded copy of the proved entry's bundle (to tamper with)."""
        decoded: dict[str, Any] = json.loads(self.bundle_text)
        return decoded


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.is_file()]
    if missing:
        reason = f"{' and '.join(missing)} missing: run `make browser-tools`"
        skip_or_fail(reason, must_run="the browser tests")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(
        options=options, service=ChromeService(executable_path=str(CHROMEDRIVER))
    )
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _entry(number: int) -> dict[str, Any]:
    """An entry whose document exercises canonical JSON: non-ASCII text, a control
    character, keys that sort differently by UTF-16 and by code point, a float."""
    amount = 150000 + 1000 * number
    return {
        "external_id": f"web-verify-{number:03d}",
        "occurred_at": "2026-11-21T08:15:00+07:00",
        "description": f"Donasi untuk proyek 42 — café ☕ nomor {number}\u0007",
        "postings": [
            {"account": "wallet:user:981", "amount": str(-amount), "currency": "IDR"},
            {"account": "escrow:project:42", "amount": str(amount), "currency": "IDR"},
        ],
        "metadata": {
            "gateway": "midtrans",
            "gateway_ref": f"MT-{88000 + number}",
            "fee_rate": 0.0275,
            "ﬁ": "U+FB01 sorts after the emoji in UTF-16",
            "😀": [1, True, None],
        },
    }


def _make_bundles(
    client: httpx.Client, admin: dict[str, str], auditor: dict[str, str]
) -> dict[str, str]:
    """Write, seal and anchor the entries through the API; return their proof bundles."""
    entries = [_entry(number) for number in range(ENTRY_COUNT)]
    written = client.post("/v1/entries/bulk", json={"entries": entries}, headers=admin)
    assert written.status_code in (200, 201), written.text
    sealed = client.post("/v1/admin/seal", headers=admin)
    assert sealed.status_code == 201, sealed.text
    anchored = client.post("/v1/admin/anchor", headers=admin)
    assert anchored.status_code == 202, anchored.text
    bundles: dict[str, str] = {}
    for entry in entries:
        external_id = entry["external_id"]

        def fetched(external_id: str = external_id) -> bool:
            response = client.get(f"/v1/entries/{external_id}/proof", headers=auditor)
            if response.status_code == 200:
                bundles[external_id] = response.text
                return True
            assert response.status_code == 409, response.text  # not anchored yet
            client.post("/v1/admin/anchor", headers=admin)  # follow up the anchor
            return False

        wait_until(fetched, 90, f"a bundle for {external_id}", interval=0.2)
    return bundles


@pytest.fixture(scope="package")
def served(
    tmp_path_factory: pytest.TempPathFactory, devchain: DevChain, web3: Web3
) -> Iterator[Served]:
    yield from serve_anchored_log(tmp_path_factory.mktemp("web-api"), devchain, web3, {})


def serve_anchored_log(
    workdir: Path, devchain: DevChain, web3: Web3, extra_env: dict[str, str]
) -> Iterator[Served]:
    """The API (its own registry, ``extra_env`` added to its environment) serving
    :data:`ENTRY_COUNT` entries written, sealed and anchored through it."""
    database_url = URL.create("sqlite", database=str(workdir / "anchor.db")).render_as_string()
    settings = Settings(_env_file=None, database_url=database_url)
    migrate.upgrade(settings)
    database = Database.from_settings(settings)
    try:
        with unit_of_work(database.writer) as session:
            keys = ApiKeyRepository(session)
            admin_key = keys.create(Role.ADMIN, name="web test admin").token
            auditor_key = keys.create(Role.AUDITOR, name="web test auditor").token
    finally:
        database.dispose()

    signer, signer_key = fresh_signer(web3)
    deployment = deploy_registry(web3, signer, signer.address)
    RegistryClient(web3, deployment.address, chain_id=1337).grant_anchorer(signer, signer.address)

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "ANCHOR_DATABASE_URL": database_url,
        "ANCHOR_DATA_DIR": str(workdir),
        "ANCHOR_RPC_URL": devchain.rpc_url,
        "ANCHOR_CHAIN_ID": "1337",
        "ANCHOR_REGISTRY_ADDRESS": deployment.address,
        "ANCHOR_SIGNER_KEY": signer_key,
        "ANCHOR_CONFIRMATIONS": str(CONFIRMATIONS),
        "ANCHOR_PUBLIC_RPC_URL": devchain.rpc_url,
        "ANCHOR_LOG_LEVEL": "WARNING",
        **extra_env,
    }
    server = ChildProcess(
        uvicorn_command(port, "--log-level", "warning"),
        env=environment,
        cwd=workdir,  # no .env from the checkout
    )
    with server:
        wait_for_http(f"{base_url}/healthz", server, timeout=60)
        with httpx.Client(base_url=base_url, timeout=30) as client:
            bundles = _make_bundles(
                client,
                {"Authorization": f"Bearer {admin_key}"},
                {"Authorization": f"Bearer {auditor_key}"},
            )
        yield Served(
            base_url=base_url,
            rpc_url=devchain.rpc_url,
            registry=deployment.address,
            auditor_key=auditor_key,
            external_ids=tuple(bundles),
            bundles=bundles,
            admin_key=admin_key,
        )


@pytest.fixture
def page(browser: webdriver.Chrome, served: Served) -> Iterator[VerifyPage]:
    """The verify page, freshly loaded from the running API (its local storage emptied
    afterwards: a trust root one test remembered is not another's)."""
    yield VerifyPage.open(browser, served.base_url)
    browser.execute_script("window.localStorage.clear();")


@pytest.fixture(scope="package")
def forgery(served: Served, web3: Web3) -> ForgedAnchor:
    """The proved entry's bundle forged into an attacker's registry (random other leaves)."""
    attacker, _ = fresh_signer(web3)
    return forge_bundle(attacker_registry(web3, attacker), attacker, served.bundle())
