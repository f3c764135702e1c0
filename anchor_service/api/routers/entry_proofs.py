"""``GET /v1/entries/{external_id}/proof``: the proof bundle of one entry (auditors, and
account keys for entries touching their accounts; others' entries are 404 to them).

The bundle is what ``anchor-service verify`` and ``POST /v1/proofs/verify`` read; it is
written by the verifier's own serialiser, so the format is defined once.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from anchor_service.api.auth import Principal, hide_unreadable_entry
from anchor_service.api.deps import DB_BIGINT_MAX, AccountReaderDep, ProofReadsDep
from anchor_service.api.errors import error_responses
from anchor_service.errors import NotFoundError
from anchor_service.services.proofs.bundles import BundleService
from anchor_service.services.proofs.reads import ProofReads
from anchor_service.services.proofs.store import ProofStore
from anchor_service.services.proofs.tlog_proofs import TlogProofService
from anchor_service.verifier import dump_bundle

__all__ = ["PROOF_PATH", "bundle_json", "router"]

#: The route's full path, as the app's routes name it.
PROOF_PATH = "/v1/entries/{external_id}/proof"

router = APIRouter(prefix="/v1/entries", tags=["proofs"])

_EXAMPLE_BUNDLE: dict[str, Any] = {
    "version": 1,
    "entry": {
        "external_id": "pay-2026-11-21-000123",
        "occurred_at": "2026-11-21T01:15:00Z",
        "postings": [
            {"account": "wallet:user:981", "amount": "-150000", "currency": "IDR"},
            {"account": "escrow:project:42", "amount": "150000", "currency": "IDR"},
        ],
        "salt": "5f0c2b7e9a1d4c3b8e6f0a2d4c6b8e0f",
    },
    "leaf": {"index": 17, "hash": "9d2c5f0e" + "00" * 28},
    "inclusion": {"tree_size": 50, "root": "4b1a" + "00" * 30, "path": ["7c3e" + "00" * 30]},
    "statement_hash": "e3b0" + "00" * 30,
    "anchor": {
        "chain_id": 1337,
        "registry": "0x" + "ab" * 20,
        "seq": 0,
        "tx_hash": "0x" + "cd" * 32,
        "block_number": 12,
    },
}


@router.get(
    "/{external_id}/proof",
    summary="The proof bundle of one entry",
    description=(
        "A self-contained proof an auditor can verify offline (`anchor-service verify`) "
        "or with `POST /v1/proofs/verify`: the stored document with its salt, the leaf "
        "index and hash, the inclusion path, the tree head, the settlement statement "
        "hash and the anchor (chain id, registry, anchor seq, transaction, block). "
        "Against the first anchored head that includes the entry, or the anchored head of "
        "`tree_size` leaves. A head counts as anchored once its transaction is mined; "
        "its confirmations are for the verifier to check. A redacted entry's bundle has "
        '`"entry": null, "redacted": true`. **409** `EntryNotAnchored` with the entry\'s '
        "`status` (`pending`, `sealed`, `anchored`: transaction not mined yet) while no "
        "anchored head includes it; **404** for an unknown entry or a size that is not an "
        "anchored head's. `?format=tlog-proof` answers a c2sp.org/tlog-proof@v1 document "
        "instead (text): against the newest cosigned signed checkpoint that includes the "
        "entry (else the newest), or the signed checkpoint of `tree_size`; its `extra` "
        "line is the base64 of the RFC 8785 JSON of this bundle (before the entry is "
        "anchored: its document and leaf); **409** while no signed checkpoint includes "
        "it. Needs an `auditor` or `admin` key, or an `account` key bound to one of the "
        "entry's accounts: to any other `account` key an entry touching none of its "
        "accounts is **404** like a missing one, in every format."
    ),
    responses={
        200: {
            "description": "The proof bundle (the body `POST /v1/proofs/verify` reads).",
            "content": {
                "application/json": {"example": _EXAMPLE_BUNDLE},
                "text/plain": {"example": "c2sp.org/tlog-proof@v1\nextra eyJ...\nindex 17\n..."},
            },
        },
        **error_responses(
            401, 403, 404, 422, described={409: "No anchored head includes the entry yet"}
        ),
    },
)
async def get_proof_bundle(
    external_id: str,
    caller: AccountReaderDep,
    reads: ProofReadsDep,
    tree_size: Annotated[
        int | None,
        Query(
            ge=1,
            le=DB_BIGINT_MAX,
            description="Size of a later anchored head to prove against (tlog-proof: of a "
            "signed checkpoint).",
        ),
    ] = None,
    proof_format: Annotated[
        Literal["json", "tlog-proof"],
        Query(
            alias="format",
            description="`json` (the bundle) or `tlog-proof` (c2sp.org/tlog-proof@v1 text).",
        ),
    ] = "json",
) -> Response:
    if proof_format == "tlog-proof":
        return await _tlog_proof(external_id, caller, reads, tree_size)
    body = await bundle_json(reads, caller, external_id, tree_size)
    return Response(body, media_type="application/json")


async def bundle_json(
    reads: ProofReads, caller: Principal, external_id: str, tree_size: int | None = None
) -> bytes:
    """The JSON proof bundle of ``external_id`` as ``caller`` may read it: what this route
    answers, and :mod:`anchor_service.api.lanes` too."""

    def build(store: ProofStore) -> bytes:
        _check_readable(store, caller, external_id)
        bundle = BundleService(store, reads.heads, reads.nodes).bundle(external_id, tree_size)
        return dump_bundle(bundle, indent=None)

    return await reads.run_prefetched(build, external_id, tree_size)


def _check_readable(store: ProofStore, caller: Principal, external_id: str) -> None:
    """404 like a missing entry when ``caller`` (an account key) may not read the entry."""
    if caller.role.reads_every_account:
        return  # no extra read
    row = store.entry(external_id)
    hide_unreadable_entry(caller, external_id, None if row is None else row.document)


async def _tlog_proof(
    external_id: str, caller: Principal, reads: ProofReads, tree_size: int | None
) -> Response:
    def build(store: ProofStore) -> bytes:
        _check_readable(store, caller, external_id)
        service = TlogProofService(store, reads.heads, reads.nodes)
        if tree_size is None:
            return service.proof(external_id)

        def at_size(_index: int) -> bytes:
            note = store.checkpoint_at(tree_size)
            if note is None:
                raise NotFoundError(f"no signed checkpoint of tree size {tree_size}")
            return note

        return service.proof(external_id, at_size)

    return Response(await reads.run(build), media_type="text/plain; charset=utf-8")
