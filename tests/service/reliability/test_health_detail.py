"""``GET /healthz/detail``: the database and the chain node, each ``ok`` or not; the
service is ``degraded`` (still 200) while either is unreachable."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from anchor_service.api import create_app
from anchor_service.db.session import Database
from anchor_service.dev import DevChain, free_port
from anchor_service.settings import Settings


def _detail(settings: Settings, database: Database) -> dict[str, str]:
    with TestClient(create_app(settings, database)) as client:
        response = client.get("/healthz/detail")
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def test_detail_is_ok_when_the_database_and_the_chain_answer(
    make_settings: Callable[..., Settings], database: Database, devchain: DevChain
) -> None:
    settings = make_settings(rpc_url=devchain.rpc_url)
    assert _detail(settings, database) == {
        "status": "ok",
        "database": "ok",
        "chain": "ok",
        "registry": "not configured",
    }


def test_an_unreachable_chain_node_shows_as_degraded_and_the_service_stays_ready(
    make_settings: Callable[..., Settings], database: Database
) -> None:
    settings = make_settings(rpc_url=f"http://127.0.0.1:{free_port()}")
    body = _detail(settings, database)
    assert body["status"] == "degraded"
    assert body["database"] == "ok"
    assert body["chain"].startswith("unavailable: ")
    with TestClient(create_app(settings, database)) as client:
        assert client.get("/readyz").status_code == 200  # entries are still taken


def test_a_node_of_another_chain_shows_as_wrong_chain(
    make_settings: Callable[..., Settings], database: Database, devchain: DevChain
) -> None:
    settings = make_settings(rpc_url=devchain.rpc_url, chain_id=5)
    body = _detail(settings, database)
    assert body["status"] == "degraded"
    assert body["chain"] == "wrong chain: the node's chain id is 1337, expected 5"


def test_an_unreachable_database_shows_as_unavailable(
    make_settings: Callable[..., Settings], devchain: DevChain
) -> None:
    settings = make_settings(
        rpc_url=devchain.rpc_url,
        database_url=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing",
    )
    database = Database.from_settings(settings)
    try:
        body = _detail(settings, database)
    finally:
        database.dispose()
    assert body["status"] == "degraded"
    assert body["database"].startswith("unavailable: ")
    assert body["chain"] == "ok"
