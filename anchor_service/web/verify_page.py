"""``GET /verify``: the auditor page, and ``GET /verify/assets/{name}``: its files.

Public (no API key): the page is static, and everything it checks it checks in the
browser or with the key the auditor types into it. Nothing is loaded from another origin;
the Content-Security-Policy allows scripts, styles and images from this origin only, and
network requests (``connect-src``) anywhere, because the auditor picks the JSON-RPC node.
The values filled in on the server: the default number of confirmations
(``ANCHOR_CONFIRMATIONS``, the same default the API and the CLI use), the node URL
offered to auditors (``ANCHOR_PUBLIC_RPC_URL``; never ``ANCHOR_RPC_URL``, which may carry
credentials), and the registry this operator anchors in, which the page shows as the
operator's claim only: the auditor's trust root is what the auditor types or pastes.
"""

from __future__ import annotations

import functools
import html
import json
from pathlib import Path
from typing import Final

from fastapi import APIRouter
from starlette.responses import FileResponse, HTMLResponse, Response

from anchor_service.api.deps import SettingsDep
from anchor_service.chain.artifact import (
    REGISTRY_ARTIFACT_PATH,
    REGISTRY_V2_ARTIFACT_PATH,
    load_artifact,
)
from anchor_service.chain.errors import ChainConfigError, DeploymentFileError
from anchor_service.errors import NotFoundError
from anchor_service.services.anchoring.chain_context import registry_address_from
from anchor_service.settings import Settings

__all__ = ["ASSETS_PATH", "PAGE_PATH", "REGISTRIES_ASSET", "STATIC_DIR", "router"]

PAGE_PATH: Final = "/verify"
ASSETS_PATH: Final = "/verify/assets"
STATIC_DIR: Final = Path(__file__).parent / "static"
_PAGE_FILE: Final = "verify.html"
_MEDIA_TYPES: Final = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
REGISTRIES_ASSET: Final = "registries.json"
"""The registries' runtime code (and where their immutables are), by contract name: the
page tells AnchorRegistry from AnchorRegistryV2 by the code at the address, as
``RegistryClient.detect`` does."""
_CONTENT_SECURITY_POLICY: Final = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src *",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
_COMMON_HEADERS: Final = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
_PAGE_HEADERS: Final = {
    **_COMMON_HEADERS,
    "Content-Security-Policy": _CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
}

router = APIRouter(include_in_schema=False)


@functools.cache
def _assets() -> dict[str, Path]:
    """The files the page may load, by name (``.js`` and ``.css`` in ``static/``)."""
    return {
        path.name: path
        for path in sorted(STATIC_DIR.iterdir())
        if path.suffix in _MEDIA_TYPES and path.is_file()
    }


@functools.cache
def _registries() -> bytes:
    """:data:`REGISTRIES_ASSET`: ``{name: {"runtime": hex, "immutables": [[start, length]]}}``."""
    known = {}
    for path in (REGISTRY_ARTIFACT_PATH, REGISTRY_V2_ARTIFACT_PATH):
        artifact = load_artifact(path)
        known[artifact.contract_name] = {
            "runtime": artifact.deployed_bytecode.hex(),
            "immutables": [list(item) for item in artifact.masked_ranges],
        }
    return json.dumps(known, sort_keys=True).encode()


@functools.cache
def _template() -> str:
    return (STATIC_DIR / _PAGE_FILE).read_text(encoding="utf-8")


def _operator_registry(settings: Settings) -> str:
    """The registry this service anchors in, or "" when none is configured (or its
    deployment file is unreadable: the page still serves, without the claim)."""
    try:
        return registry_address_from(settings)
    except (ChainConfigError, DeploymentFileError):
        return ""


def _render_page(settings: Settings) -> str:
    """The page's HTML with the server's defaults and the operator's claimed registry."""
    values = {
        "confirmations": str(int(settings.confirmations)),
        "public_rpc_url": settings.public_rpc_url or "",
        "operator_registry": _operator_registry(settings),
        "operator_chain_id": str(int(settings.chain_id)),
    }
    page = _template()
    for name, value in values.items():
        page = page.replace("{{" + name + "}}", html.escape(value, quote=True))
    return page


@router.get(PAGE_PATH)
def verify_page(settings: SettingsDep) -> HTMLResponse:
    return HTMLResponse(_render_page(settings), headers=_PAGE_HEADERS)


@router.get(ASSETS_PATH + "/{name}")
async def verify_asset(name: str) -> Response:
    if name == REGISTRIES_ASSET:
        return Response(_registries(), media_type="application/json", headers=_COMMON_HEADERS)
    path = _assets().get(name)
    if path is None:
        raise NotFoundError(f"no asset {name!r} for the verify page")
    return FileResponse(path, media_type=_MEDIA_TYPES[path.suffix], headers=_COMMON_HEADERS)
