"""Fixtures for service tests: real databases, the app, API keys, entry payloads.

``database_url`` runs a test on SQLite (a temporary file) and on PostgreSQL (a fresh
database ``anchor_test_<random>`` on 127.0.0.1:5432, or on the server of
``ANCHOR_TEST_POSTGRES_URL``, created for the session and dropped after it). When
PostgreSQL is unreachable its tests are skipped, unless ``CI=true``: then they fail
(``tests.support.postgres``). Both databases are migrated with the package's Alembic
migrations, and emptied before each test.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL
from web3 import Web3
from web3.types import RPCEndpoint

from anchor_service.api import create_app
from anchor_service.chain import (
    REGISTRY_ARTIFACT_PATH,
    ContractArtifact,
    RegistryClient,
    Signer,
    connect,
    deploy_registry,
    load_artifact,
)
from anchor_service.db import migrate
from anchor_service.db.models import Role
from anchor_service.db.repositories.api_keys import ApiKeyRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.dev import DEV_ACCOUNT_KEYS, DevChain
from anchor_service.settings import Settings
from tests.support.ports import free_port
from tests.support.postgres import admin_engine

MakeSettings = Callable[..., Settings]
MakeKey = Callable[[Role], str]
MakeEntry = Callable[..., dict[str, Any]]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "postgres: runs against the PostgreSQL server at 127.0.0.1:5432"
    )


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session (dropped after)."""
    admin = admin_engine()
    name = f"anchor_test_{secrets.token_hex(6)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(Settings(_env_file=None, database_url=url))  # type: ignore[call-arg]
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite file for this test session."""
    path = tmp_path_factory.mktemp("sqlite") / "anchor.db"
    url = URL.create("sqlite", database=str(path)).render_as_string()
    migrate.upgrade(Settings(_env_file=None, database_url=url))  # type: ignore[call-arg]
    return url


def _empty_database(url: str) -> None:
    """Delete every row of every table; put back the log counter row at zero."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        tables = [name for name in inspect(engine).get_table_names() if name != "alembic_version"]
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                names = ", ".join(f'"{name}"' for name in tables)
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for name in tables:
                    connection.execute(text(f'DELETE FROM "{name}"'))
            connection.execute(text("INSERT INTO log_state (id, next_index) VALUES (1, 0)"))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """URL of an empty, migrated database: once SQLite, once PostgreSQL."""
    url: str = request.getfixturevalue(
        "sqlite_url" if request.param == "sqlite" else "postgres_url"
    )
    _empty_database(url)
    return url


@pytest.fixture
def make_settings(database_url: str) -> MakeSettings:
    """Build test settings (no .env) for the test's database, with overrides."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"database_url": database_url, "api_key_cache_seconds": 0}
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return build


@pytest.fixture
def settings(make_settings: MakeSettings) -> Settings:
    return make_settings()


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    database = Database.from_settings(settings)
    yield database
    database.dispose()


@pytest.fixture
def app(settings: Settings, database: Database) -> FastAPI:
    return create_app(settings, database)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def make_key(database: Database) -> MakeKey:
    """Create an API key with a role in the test database; return the token."""

    def create(role: Role) -> str:
        with unit_of_work(database.writer) as session:
            return ApiKeyRepository(session).create(role, name=f"test {role.value}").token

    return create


@pytest.fixture
def auth(make_key: MakeKey) -> Callable[[Role], dict[str, str]]:
    """Authorization headers for a fresh key with the given role."""

    def headers(role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {make_key(role)}"}

    return headers


@pytest.fixture
def make_entry() -> MakeEntry:
    """Build a valid entry payload (a fresh external_id unless given), with overrides."""
    counter = itertools.count()

    def build(external_id: str | None = None, amount: int = 150000, **overrides: Any) -> dict:
        entry: dict[str, Any] = {
            "external_id": external_id or f"pay-{secrets.token_hex(4)}-{next(counter)}",
            "occurred_at": "2026-11-21T08:15:00+07:00",
            "description": "Contribution to project 42",
            "postings": [
                {"account": "wallet:user:981", "amount": str(-amount), "currency": "IDR"},
                {"account": "escrow:project:42", "amount": str(amount), "currency": "IDR"},
            ],
            "metadata": {"gateway": "midtrans", "gateway_ref": "MT-88123"},
        }
        entry.update(overrides)
        return entry

    return build


@pytest.fixture
def stored_count(database: Database) -> Callable[[], tuple[int, int]]:
    """(rows in entries, log_state.next_index) of the test database, read fresh."""

    def read() -> tuple[int, int]:
        with database.engine.connect() as connection:
            rows = connection.execute(text("SELECT count(*) FROM entries")).scalar_one()
            counter = connection.execute(text("SELECT next_index FROM log_state")).scalar_one()
        return int(rows), int(counter)

    return read


# --- chain: one real ganache per session (deterministic wallet: public test-only keys),
# --- account 0 deploys and administers, 1 anchors, 2 is an outsider with no role.


@pytest.fixture(scope="session")
def devchain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevChain]:
    db_path: Path = tmp_path_factory.mktemp("ganache-db")
    with DevChain(db_path, port=free_port()) as chain:
        yield chain


@pytest.fixture(scope="session")
def web3(devchain: DevChain) -> Web3:
    return connect(devchain.rpc_url, expected_chain_id=1337)


@pytest.fixture(scope="session")
def artifact() -> ContractArtifact:
    """The v1 AnchorRegistry's artifact: the chain-layer tests that name it keep v1 covered
    (v1 registries exist in the field); the ``registry`` fixture deploys the default, v2."""
    return load_artifact(REGISTRY_ARTIFACT_PATH)


@pytest.fixture(scope="session")
def admin() -> Signer:
    return Signer.from_key(DEV_ACCOUNT_KEYS[0])


@pytest.fixture(scope="session")
def anchorer() -> Signer:
    return Signer.from_key(DEV_ACCOUNT_KEYS[1])


@pytest.fixture(scope="session")
def outsider() -> Signer:
    return Signer.from_key(DEV_ACCOUNT_KEYS[2])


@pytest.fixture
def rpc(web3: Web3) -> Callable[..., Any]:
    """Call a ganache-specific JSON-RPC method (evm_mine, evm_snapshot, miner_stop...)."""

    def call(method: str, *params: Any) -> Any:
        response = web3.provider.make_request(RPCEndpoint(method), list(params))
        assert "error" not in response, response
        return response["result"]

    return call


@pytest.fixture
def registry(web3: Web3, admin: Signer, anchorer: Signer) -> RegistryClient:
    """A freshly deployed registry of the default kind (AnchorRegistryV2); the anchorer
    holds ANCHORER_ROLE, admin the admin role and PAUSER_ROLE."""
    deployment = deploy_registry(
        web3, admin, admin.address, anchorer=anchorer.address, pauser=admin.address
    )
    return RegistryClient(web3, deployment.address, chain_id=1337)


@pytest.fixture
def registry_v1(
    web3: Web3, artifact: ContractArtifact, admin: Signer, anchorer: Signer
) -> RegistryClient:
    """A freshly deployed v1 AnchorRegistry, roles as in ``registry``."""
    deployment = deploy_registry(web3, admin, admin.address, artifact)
    client = RegistryClient(web3, deployment.address, artifact=artifact, chain_id=1337)
    client.grant_anchorer(admin, anchorer.address)
    client.grant_pauser(admin, admin.address)
    return client
