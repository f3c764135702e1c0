"""``POST /v1/proofs/verify``: the checks of ``anchor-service verify``, over HTTP.

The body is a proof bundle, read by the verifier's own strict parser (so the API and the
CLI accept exactly the same documents), and the answer is the verifier's own report model
(the CLI's ``verify --json``). The trust root is the service's own: its configured
registry (``ANCHOR_REGISTRY_ADDRESS``, else the deployment file) on ``ANCHOR_CHAIN_ID``,
and its log key (``ANCHOR_LOG_KEY`` / ``ANCHOR_LOG_KEY_PATH``) when one is configured, for
a bundle's signed checkpoint; so a bundle naming any other registry is invalid here, and
the report says so ("trust root: registry 0x.. on chain N (this service's)"). The chain
checks read the node at the service's ``rpc_url`` through one cached view per node URL,
whose registry clients are bounded (``verifier.onchain.REGISTRY_CLIENTS``). The answer is
200 with the report for every well-formed bundle, valid or not, and 422 for a malformed
one (``BundleFormatError``, see ``api.errors``).
"""

from __future__ import annotations

import functools
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from anchor_service.api.deps import AuditorDep, SettingsDep
from anchor_service.api.errors import error_responses
from anchor_service.errors import LogKeyError
from anchor_service.services.anchoring.chain_context import ChainConfigError, registry_address_from
from anchor_service.services.log_identity import load_log_identity, log_key_configured
from anchor_service.settings import Settings
from anchor_service.verifier import (
    ProofBundle,
    TrustRoot,
    VerificationOut,
    VerificationReport,
    parse_bundle,
    verify_bundle,
)
from anchor_service.verifier.onchain import Web3ChainView

__all__ = ["SERVICE_TRUST_SOURCE", "router", "service_trust_root"]

SERVICE_TRUST_SOURCE = "this service's"

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
        "checkpoint": {
            "type": "string",
            "description": "The signed checkpoint (C2SP signed note text) of the proof's tree.",
        },
        "redaction_record": {
            "type": "object",
            "description": "Redacted bundles: the log leaf recording the erasure.",
            "properties": {"index": _UINT, "hash": _HASH},
            "required": ["index", "hash"],
        },
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
        "Runs the checks of `anchor-service verify` against this service's own trust root "
        "(its configured registry on its chain: a bundle naming another registry is "
        "invalid; `trust_root` in the answer says what was pinned): the leaf hash from "
        "the document and salt, the root from the inclusion path, the pinned registry, "
        "the registry's root at that tree size, "
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
    return verify_bundle(
        bundle,
        _chain_view(settings.rpc_url),
        min_confirmations=min_confirmations,
        trust=service_trust_root(settings),
    )


def service_trust_root(settings: Settings) -> TrustRoot | None:
    """The service's registry on its chain, and its log key when one is configured;
    ``None`` (the report is then "unpinned") when no registry is configured or deployed."""
    try:
        address = registry_address_from(settings)
    except ChainConfigError:
        return None
    log_keys: tuple[str, ...] = ()
    if log_key_configured(settings):
        try:
            log_keys = (load_log_identity(settings).verifier_key,)
        except LogKeyError:
            log_keys = ()  # the registry still pins; the log key's own error is the operator's
    return TrustRoot.for_registry(
        settings.chain_id, address, SERVICE_TRUST_SOURCE, log_keys=log_keys
    )


@functools.lru_cache(maxsize=8)
def _chain_view(rpc_url: str) -> Web3ChainView:
    """One view (one HTTP connection pool, one loaded contract ABI) per node URL."""
    return Web3ChainView.connect(rpc_url)
