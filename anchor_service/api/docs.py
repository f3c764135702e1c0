"""Interactive API docs served from the package, with no CDN.

FastAPI's stock ``/docs`` page loads Swagger UI from a CDN, which a machine without
internet access (an auditor's laptop behind a firewall, this project's CI) cannot
reach. The Swagger UI files shipped in the ``fastapi-offline`` wheel are served from
``/docs/static`` instead.

The page is served with a Content-Security-Policy: scripts only from this origin or with
the page's nonce (Swagger UI starts from one inline script), no framing
(``frame-ancestors 'none'``, and ``X-Frame-Options: DENY`` for older browsers).
"""

from __future__ import annotations

import secrets
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

__all__ = ["DOCS_STATIC_URL", "install_docs", "install_root"]

DOCS_STATIC_URL = "/docs/static"
_STATIC_DIR = Path(fastapi_offline.__file__).parent / "static"


def install_docs(app: FastAPI, docs_url: str = "/docs") -> None:
    """Serve Swagger UI at ``docs_url`` from local files. Requires ``docs_url=None`` on the app."""
    app.mount(DOCS_STATIC_URL, StaticFiles(directory=_STATIC_DIR), name="docs-static")

    @app.get(docs_url, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - API docs",
            swagger_js_url=f"{root}{DOCS_STATIC_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_STATIC_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_STATIC_URL}/favicon.png",
        )
        nonce = secrets.token_urlsafe(16)
        html = bytes(page.body).decode("utf-8").replace("<script", f'<script nonce="{nonce}"')
        return HTMLResponse(html, headers=_security_headers(nonce))


def _security_headers(nonce: str) -> dict[str, str]:
    policy = (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; "
        "connect-src 'self'; "
        "object-src 'none'; "
        "base-uri 'none'; "
        "form-action 'self'; "
        "frame-ancestors 'none'"
    )
    return {
        "Content-Security-Policy": policy,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


_ROOT_LINKS = {
    "docs": "/docs",
    "openapi": "/openapi.json",
    "verify": "/verify",
    "health": "/healthz",
}

_ROOT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>anchor-service</title></head>
<body><h1>anchor-service</h1><ul>
<li><a href="docs">API documentation</a> (<a href="openapi.json">OpenAPI</a>)</li>
<li><a href="verify">Verify a proof bundle</a> in your browser</li>
<li><a href="healthz">Health</a></li>
</ul></body></html>
"""


def install_root(app: FastAPI) -> None:
    """``GET /``: where to go from here (HTML for browsers, JSON links otherwise)."""

    @app.get("/", include_in_schema=False)
    async def root(request: Request) -> Response:
        if "text/html" in request.headers.get("accept", ""):
            return HTMLResponse(_ROOT_PAGE, headers=_security_headers(secrets.token_urlsafe(8)))
        return JSONResponse({"service": app.title, "version": app.version, **_ROOT_LINKS})
