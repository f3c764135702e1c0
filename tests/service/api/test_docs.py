"""The interactive docs work with no internet: Swagger UI is served by the API itself."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_docs_page_loads_swagger_ui_from_the_service_not_a_cdn(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/docs/static/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    script = client.get("/docs/static/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.text
    assert client.get("/docs/static/swagger-ui.css").status_code == 200


def test_openapi_schema_is_served_for_the_docs_page(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/v1/entries" in schema["paths"]
