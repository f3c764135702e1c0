"""Small answers of the API (issue 17, item 15): 413 bodies, 405, the root page."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from anchor_service.api import create_app
from anchor_service.api import errors as api_errors
from anchor_service.db import Database, Role
from anchor_service.settings import Settings
from tests.support.servers import app_in_thread

Auth = Callable[[Role], dict[str, str]]


def test_413_is_the_same_for_sized_and_chunked_bodies(
    settings: Settings, database: Database, make_key: Callable[[Role], str]
) -> None:
    app: FastAPI = create_app(settings.model_copy(update={"max_body_bytes": 1024}), database)
    headers = {"Authorization": f"Bearer {make_key(Role.WRITER)}",
               "Content-Type": "application/json"}
    body = b"[" + b"0," * 2000 + b"0]"

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 256):
            yield body[start:start + 256]

    with app_in_thread(app) as url, httpx.Client(base_url=url) as client:
        sized = client.post("/v1/entries", content=body, headers=headers)
        chunked = client.post("/v1/entries", content=chunks(), headers=headers)
    assert "content-length" not in chunked.request.headers  # really chunked
    assert (sized.status_code, chunked.status_code) == (413, 413)
    assert sized.content == chunked.content
    assert sized.json()["error"] == "PayloadTooLarge"
    assert sized.headers["content-type"] == chunked.headers["content-type"]


def test_405_names_the_method_and_is_in_both_error_tables(client: TestClient) -> None:
    response = client.delete("/v1/entries/x")
    assert response.status_code == 405
    assert response.json()["error"] == "MethodNotAllowed"
    assert "405    MethodNotAllowed" in (api_errors.__doc__ or "")
    assert 405 in api_errors.ERROR_RESPONSES


def test_the_root_points_to_the_docs_and_the_verify_page(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    body = response.json()
    assert (body["docs"], body["verify"], body["openapi"]) == ("/docs", "/verify", "/openapi.json")
    page = client.get("/", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'href="docs"' in page.text and 'href="verify"' in page.text
