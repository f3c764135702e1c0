"""``GET /verify`` and its assets over HTTP (no browser): public, self-contained, locked down."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from anchor_service.api import create_app
from anchor_service.chain import REGISTRY_V2_ARTIFACT_PATH, load_artifact
from anchor_service.settings import Settings
from anchor_service.web import STATIC_DIR

_LOCAL_IMPORT = re.compile(r'^import\s[^;]*?from\s+"\./([a-z]+\.js)";', re.MULTILINE)
_URL = re.compile(r"\b(?:https?:)?//[a-z0-9][a-z0-9.-]*\.[a-z]{2,}", re.IGNORECASE)
_ANY_IMPORT = re.compile(r"^\s*import\b|\bimport\(", re.MULTILINE)


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    settings = Settings(_env_file=None, database_url=sqlite_url, confirmations=4)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_page_is_served_without_an_api_key(client: TestClient) -> None:
    response = client.get("/verify")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Verify a proof bundle</h1>" in response.text


def test_page_offers_the_services_confirmations_as_the_default(client: TestClient) -> None:
    html = client.get("/verify").text

    assert 'id="min-confirmations" min="0" step="1" value="4"' in html
    assert "{{" not in html


def test_page_offers_the_public_node_and_shows_the_operators_registry_as_a_claim(
    sqlite_url: str,
) -> None:
    registry = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    settings = Settings(
        _env_file=None,
        database_url=sqlite_url,
        public_rpc_url="https://rpc.example/?a=1&b=<2>",
        registry_address=registry,
        chain_id=11155111,
        rpc_url="https://user:secret@node.example/v3/KEY",
    )
    with TestClient(create_app(settings)) as client:
        html = client.get("/verify").text

    assert '<textarea id="rpc-urls" class="urls" spellcheck="false" autocomplete="off">' in html
    assert "https://rpc.example/?a=1&amp;b=&lt;2&gt;</textarea>" in html
    assert f'data-registry="{registry}"' in html and 'data-chain-id="11155111"' in html
    assert "The operator's claim — compare with an independent source" in html
    assert "secret" not in html and "node.example" not in html  # never the service's own node


def test_page_without_a_public_node_or_a_registry_leaves_both_empty(client: TestClient) -> None:
    html = client.get("/verify").text

    assert 'autocomplete="off"></textarea>' in html.split('id="rpc-urls"', 1)[1].split("\n", 1)[0]
    assert 'data-registry=""' in html
    assert 'placeholder="http' not in html  # no made-up node that looks like a real one


def test_page_allows_scripts_and_styles_from_its_own_origin_only(client: TestClient) -> None:
    response = client.get("/verify")
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response.headers["content-security-policy"].split(";")
    )

    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["connect-src"] == "*"  # the auditor's JSON-RPC node may be anywhere
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_page_loads_nothing_from_another_origin(client: TestClient) -> None:
    html = client.get("/verify").text
    references = re.findall(r'(?:src|href)="([^"]*)"', html)

    assert references, "the page references its assets"
    for reference in references:
        assert reference.startswith(("verify/assets/", "data:")), reference
        if reference.startswith("verify/assets/"):
            assert client.get(f"/{reference}").status_code == 200, reference


def test_every_script_imports_only_sibling_modules_that_exist(client: TestClient) -> None:
    scripts = sorted(path.name for path in STATIC_DIR.glob("*.js"))
    assert "verify.js" in scripts

    for name in scripts:
        source = client.get(f"/verify/assets/{name}").text
        local = _LOCAL_IMPORT.findall(source)
        assert len(local) == len(_ANY_IMPORT.findall(source)), f"{name}: a non-local import"
        assert set(local) <= set(scripts), name
        assert not _URL.findall(source), name


@pytest.mark.parametrize(
    ("name", "media_type"),
    [("verify.js", "text/javascript"), ("checks.js", "text/javascript"),
     ("verify.css", "text/css")],
)  # fmt: skip
def test_assets_are_served_with_their_media_type(
    client: TestClient, name: str, media_type: str
) -> None:
    response = client.get(f"/verify/assets/{name}")

    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.content == (STATIC_DIR / name).read_bytes()


@pytest.mark.parametrize(
    "name", ["verify.html", "nope.js", "..%2Fverify_page.py", "%2E%2E%2F__init__.py"]
)
def test_only_the_pages_scripts_and_styles_are_served(client: TestClient, name: str) -> None:
    response = client.get(f"/verify/assets/{name}")

    assert response.status_code == 404
    assert response.json()["error"] == "NotFound"


def test_page_is_not_part_of_the_api_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    assert not [path for path in paths if path.startswith("/verify")]


def test_the_registries_code_is_served_for_the_page_to_tell_them_apart(
    client: TestClient,
) -> None:
    """registries.json: each registry's runtime code and the ranges its immutables take,
    exactly what ``ContractArtifact.runtime_matches`` compares."""
    response = client.get("/verify/assets/registries.json")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    served = response.json()
    for artifact in (load_artifact(), load_artifact(REGISTRY_V2_ARTIFACT_PATH)):
        entry = served[artifact.contract_name]
        assert entry["runtime"] == artifact.deployed_bytecode.hex()
        assert [tuple(item) for item in entry["immutables"]] == list(artifact.masked_ranges)
    assert len(served["AnchorRegistryV2"]["immutables"]) > 0  # v2 has immutables to mask
