"""The signer key never appears in logs, errors or API answers, along the whole anchoring
flow: entries, seal, anchor, confirm, every read, a reverted anchor, a chain that is down,
a malformed key. Logs are captured raw at DEBUG (before any redaction) and as the
service's JSON lines."""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from web3 import Web3
from web3.types import RPCEndpoint

from anchor_service.api import create_app
from anchor_service.api.deps import state_of
from anchor_service.chain import ANCHORER_ROLE, RegistryClient, Signer
from anchor_service.chain.txbuilder import transact
from anchor_service.db.models import Role
from anchor_service.db.session import Database
from anchor_service.dev import DevChain, free_port
from anchor_service.services.anchoring.deployment import deploy_and_record
from anchor_service.settings import Settings

from .conftest import KeyWatch, json_log_handler

MakeSettings = Callable[..., Settings]
MakeKey = Callable[[Role], str]
MakeEntry = Callable[..., dict[str, Any]]

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def settings(
    make_settings: MakeSettings, devchain: DevChain, signer_key: str, tmp_path: Path
) -> Settings:
    """The key configured as operators might write it: ``0x`` and upper case."""
    return make_settings(
        rpc_url=devchain.rpc_url,
        chain_id=1337,
        signer_key=SecretStr("0x" + signer_key.upper()),
        data_dir=tmp_path,
        confirmations=1,
        log_level="DEBUG",
    )


@pytest.fixture
def json_logs(settings: Settings) -> Iterator[Callable[[], str]]:
    handler, stream = json_log_handler(settings)
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream.getvalue
    root.removeHandler(handler)


class Caller:
    """A test client that records every answer (status, headers, body) in the watch."""

    def __init__(self, client: TestClient, watch: KeyWatch) -> None:
        self.client = client
        self.watch = watch

    def __call__(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.client.request(method, path, **kwargs)
        self.watch.add(
            f"{method} {path} -> {response.status_code}",
            f"{dict(response.headers)}\n{response.text}",
        )
        return response


def _auth(make_key: MakeKey, role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_key(role)}"}


def _revoke_anchorer(settings: Settings, web3: Web3, registry_address: str) -> None:
    """The signer (the registry's admin) takes its own anchorer role away."""
    signer = Signer.from_settings(settings)
    registry = RegistryClient(web3, registry_address, chain_id=1337)
    contract = web3.eth.contract(address=registry.address, abi=registry.artifact.abi)
    data = contract.encode_abi("revokeRole", args=[ANCHORER_ROLE, signer.address])
    transact(
        web3, signer, to=registry.address, data=bytes.fromhex(data[2:]), chain_id=1337,
        policy=registry.fee_policy, decoder=registry.decoder, timeout=30,
    )  # fmt: skip


def test_anchoring_flow_and_its_errors_never_show_the_signer_key(
    settings: Settings,
    database: Database,
    web3: Web3,
    make_key: MakeKey,
    make_entry: MakeEntry,
    signer_key: str,
    debug_logs: pytest.LogCaptureFixture,
    json_logs: Callable[[], str],
) -> None:
    watch = KeyWatch(signer_key)
    record, _path = deploy_and_record(settings, dev=True, timeout=30)
    writer, auditor = _auth(make_key, Role.WRITER), _auth(make_key, Role.AUDITOR)
    admin = _auth(make_key, Role.ADMIN)
    app = create_app(settings, database)
    with TestClient(app) as client:
        call = Caller(client, watch)
        _happy_path(call, web3, writer, auditor, admin, make_entry)
        _error_answers(call, writer, auditor, admin, make_entry)

        _revoke_anchorer(settings, web3, record.address)
        assert call("POST", "/v1/entries", json=make_entry(), headers=writer).status_code == 201
        assert call("POST", "/v1/admin/seal", headers=admin).status_code in (200, 201)
        reverted = call("POST", "/v1/admin/anchor", headers=admin)
        assert reverted.json()["outcome"] == "failed", reverted.text
        assert reverted.json()["anchor"]["error_name"] == "AccessControlUnauthorizedAccount"
        watch.add("repr of the anchorer", repr(state_of(app).anchorer))

    _chain_down(settings, database, watch, admin)
    _malformed_keys(settings, database, watch, admin, signer_key)

    watch.add_records(debug_logs.records)
    assert any(r.levelno == logging.DEBUG for r in debug_logs.records), "no DEBUG logs seen"
    assert any(r.exc_info for r in debug_logs.records) or any(
        r.levelno >= logging.WARNING for r in debug_logs.records
    ), "the error paths logged nothing"
    lines = json_logs()
    assert lines.count("\n") > 20 and '"level": "DEBUG"' in lines
    watch.add("JSON log lines", lines)
    watch.assert_clean()


def _happy_path(
    call: Caller,
    web3: Web3,
    writer: dict[str, str],
    auditor: dict[str, str],
    admin: dict[str, str],
    make_entry: MakeEntry,
) -> None:
    entries = [make_entry(amount=1000 + number) for number in range(3)]
    for entry in entries:
        assert call("POST", "/v1/entries", json=entry, headers=writer).status_code == 201
    bulk = {"entries": [make_entry(), make_entry()]}
    assert call("POST", "/v1/entries/bulk", json=bulk, headers=writer).status_code == 201
    assert call("POST", "/v1/admin/seal", headers=admin).status_code in (200, 201)
    sent = call("POST", "/v1/admin/anchor", headers=admin)
    assert sent.status_code == 202, sent.text
    for _ in range(10):
        web3.provider.make_request(RPCEndpoint("evm_mine"), [])
        followed = call("POST", "/v1/admin/anchor", headers=admin).json()
        if followed["anchor"] is None or followed["anchor"]["status"] == "confirmed":
            break  # confirmed now, or before (then nothing is left to do)
    anchors = call("GET", "/v1/anchors", headers=auditor).json()["items"]
    assert [anchor["status"] for anchor in anchors] == ["confirmed"], anchors
    external_id = entries[0]["external_id"]
    for path in (
        f"/v1/entries/{external_id}", "/v1/log/head", "/v1/log/consistency?first=5&second=5",
        "/v1/batches", "/v1/batches/0", "/v1/batches/0/statement", "/v1/anchors",
        "/v1/anchors/0", "/healthz", "/healthz/detail", "/readyz", "/metrics",
        "/openapi.json", "/docs", "/verify",
    ):  # fmt: skip
        call("GET", path, headers=auditor)
    bundle = call("GET", f"/v1/entries/{external_id}/proof", headers=auditor)
    assert bundle.status_code == 200, bundle.text
    checked = call("POST", "/v1/proofs/verify", json=bundle.json(), headers=auditor)
    assert checked.status_code == 200, checked.text
    assert call("POST", "/v1/admin/audit", headers=admin).status_code in (200, 503)


def _error_answers(
    call: Caller,
    writer: dict[str, str],
    auditor: dict[str, str],
    admin: dict[str, str],
    make_entry: MakeEntry,
) -> None:
    assert call("POST", "/v1/admin/anchor").status_code == 401
    assert call("POST", "/v1/admin/anchor", headers=writer).status_code == 403
    assert call("GET", "/v1/entries/absent", headers=auditor).status_code == 404
    bad = make_entry(postings=[])
    assert call("POST", "/v1/entries", json=bad, headers=writer).status_code == 422
    assert call("POST", "/v1/proofs/verify", json={"x": 1}, headers=auditor).status_code == 422
    stored = make_entry(external_id="conflict-1")
    assert call("POST", "/v1/entries", json=stored, headers=admin).status_code == 201
    changed = make_entry(external_id="conflict-1", amount=7)
    assert call("POST", "/v1/entries", json=changed, headers=admin).status_code == 409


def _chain_down(
    settings: Settings, database: Database, watch: KeyWatch, admin: dict[str, str]
) -> None:
    """A node that does not answer: 503, and nothing about the key."""
    down = settings.model_copy(update={"rpc_url": f"http://127.0.0.1:{free_port()}"})
    with TestClient(create_app(down, database)) as client:
        call = Caller(client, watch)
        answer = call("POST", "/v1/admin/anchor", headers=admin)
        assert answer.status_code in (200, 503), answer.text


def _malformed_keys(
    settings: Settings,
    database: Database,
    watch: KeyWatch,
    admin: dict[str, str],
    signer_key: str,
) -> None:
    """A key with a typo, or two digits too many: refused without echoing it."""
    watch.secrets.append(signer_key[:-1])  # what a typo'd key would still show
    for broken in (signer_key[:-1] + "z", signer_key + "ab", "0x" + signer_key[:-1] + "G"):
        app: FastAPI = create_app(
            settings.model_copy(update={"signer_key": SecretStr(broken)}), database
        )
        with TestClient(app) as client:
            answer = Caller(client, watch)("POST", "/v1/admin/anchor", headers=admin)
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"] == "ChainError"


def test_settings_and_signer_never_show_the_key(settings: Settings, signer_key: str) -> None:
    watch = KeyWatch(signer_key)
    signer = Signer.from_settings(settings)
    for where, text in {
        "repr(settings)": repr(settings),
        "str(settings)": str(settings),
        "settings as JSON": settings.model_dump_json(),
        "settings as a dict": str(settings.model_dump()),
        "repr(signer_key)": repr(settings.signer_key),
        "repr(signer)": repr(signer),
        "str(signer)": str(signer),
    }.items():
        watch.add(where, text)
    watch.assert_clean()
    with pytest.raises(TypeError):
        pickle.dumps(signer)
