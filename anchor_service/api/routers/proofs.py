"""``POST /v1/proofs/verify``: the checks of ``anchor-service verify``, over HTTP.

The body is a proof bundle, read by the verifier's own strict parser (so the API and the
CLI accept exactly the same documents), and the answer is the verifier's own report model
(the CLI's ``verify --json``). The chain checks read the node at the service's
``rpc_url``; the answer is 200 with the report for every well-formed bundle, valid or
not, and 422 for a malformed one (``BundleFormatError``, see ``api.errors``).
"""

from __future__ import annotations

import functools
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from anchor_service.api.deps import AuditorDep, SettingsDep
from anchor_service.api.errors import error_responses
from anchor_service.settings import Settings
from anchor_service.verifier import (
    ProofBundle,
    VerificationOut,
    VerificationReport,
    parse_bundle,
    verify_bundle,
)
from anchor_service.verifier.onchain import Web3ChainView

__all__ = ["router"]

router = APIRouter(prefix="/v1/proofs", tags=["proofs"])

_HASH = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_UINT = {"type": "integer", "minimum": 0}
_BUNDLE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["version", "entry", "leaf", "inclusion", "statement_hash", "anchor"],
    "additionalProperties": False,
    "properties": {
        "version": {"const": 1},
        "entry": {
            "type": ["object", "null"],
            "description": "The logged document, salt included; null when redacted.",
        },
        "redacted": {"type": "boolean"},
        "leaf": {
            "type": "object",
            "properties": {"index": _UINT, "hash": _HASH},
            "required": ["index", "hash"],
        },
        "inclusion": {
            "type": "object",
            "properties": {
                "tree_size": {"type": "integer", "minimum": 1},
                "root": _HASH,
                "path": {"type": "array", "items": _HASH},
            },
            "required": ["tree_size", "root", "path"],
        },
        "statement_hash": _HASH,
        "anchor": {
            "type": "object",
            "properties": {
                "chain_id": {"type": "integer", "minimum": 1},
                "registry": {"type": "string", "pattern": "^0x[0-9a-fA-F]{40}$"},
                "seq": _UINT,
                "tx_hash": {"type": "string", "pattern": "^0x[0-9a-f]{64}$"},
                "block_number": _UINT,
            },
            "required": ["chain_id", "registry", "seq", "tx_hash", "block_number"],
        },
    },
}
_BUNDLE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A proof bundle, as `GET /v1/entries/{external_id}/proof` returns it.",
        "content": {"application/json": {"schema": _BUNDLE_SCHEMA}},
    }
}


@router.post(
    "/verify",
    summary="Verify a proof bundle",
    description=(
        "Runs the checks of `anchor-service verify`: the leaf hash from the document and "
        "salt, the root from the inclusion path, the registry's root at that tree size, "
        "its anchor record, the anchor transaction in the canonical chain, and its "
        "confirmations (at least `min_confirmations`, default the service's "
        "`ANCHOR_CONFIRMATIONS`). **200** with every check for a well-formed bundle, "
        "valid or not; **422** for a malformed one. Needs an `auditor` or `admin` key."
    ),
    responses=error_responses(401, 403, 413, 422),
    openapi_extra=_BUNDLE_BODY,
)
async def verify_proof_bundle(
    _caller: AuditorDep,
    settings: SettingsDep,
    request: Request,
    min_confirmations: Annotated[int | None, Query(ge=0)] = None,
) -> VerificationOut:
    bundle = parse_bundle(await request.body())
    minimum = settings.confirmations if min_confirmations is None else min_confirmations
    report = await run_in_threadpool(_verify, bundle, settings, minimum)
    return VerificationOut.of(report)


def _verify(bundle: ProofBundle, settings: Settings, min_confirmations: int) -> VerificationReport:
    return verify_bundle(bundle, _chain_view(settings.rpc_url), min_confirmations=min_confirmations)


@functools.lru_cache(maxsize=8)
def _chain_view(rpc_url: str) -> Web3ChainView:
    """One view (one HTTP connection pool, one loaded contract ABI) per node URL."""
    return Web3ChainView.connect(rpc_url)
