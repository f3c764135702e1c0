"""``/tlog/checkpoint``: the newest signed checkpoint, with every witness cosignature.

The tlog-tiles read API (c2sp.org/tlog-tiles) serves the checkpoint at ``<prefix>/checkpoint``
as a signed note (c2sp.org/signed-note, c2sp.org/tlog-checkpoint) in ``text/plain``; the
cosignature lines the witnesses returned (c2sp.org/tlog-cosignature) are appended after
the log's own signature line. It is always the newest checkpoint, cosigned or not yet
(tlog-tiles asks only for the log's signature, and the served size must not go
backwards); the scheduler's witness job sends the newest one until its quorum is met,
so a quiet log's checkpoint carries it within ``ANCHOR_WITNESS_SECONDS``. Public by
default (``ANCHOR_TLOG_PUBLIC``; else an auditor key); short-lived in caches. The hash
tiles are in their own router.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from anchor_service.api.deps import ReadSessionDep, TlogReaderDep
from anchor_service.db.repositories.checkpoints import CheckpointRepository

__all__ = ["CHECKPOINT_CACHE_CONTROL", "router"]

router = APIRouter(prefix="/tlog", tags=["tlog"])

#: The checkpoint changes every few seconds: caches may keep it one second.
CHECKPOINT_CACHE_CONTROL = "public, max-age=1"
_TEXT = "text/plain; charset=utf-8"


@router.get(
    "/checkpoint",
    summary="The newest signed checkpoint (C2SP), with its witness cosignatures",
    description=(
        "The log's newest checkpoint as a C2SP signed note: origin, tree size and base64 "
        "root, the log's signature line, then one line per witness cosignature collected "
        "(`text/plain; charset=utf-8`). Always the newest checkpoint: with witnesses "
        "configured, the newest one is sent to them until their quorum is met, so it may "
        "carry no cosignature for up to `ANCHOR_WITNESS_SECONDS` (use the entry's "
        "tlog-proof for a cosigned checkpoint now). Verify it with the log's verifier key "
        "(`anchor-service log-key show`, or the operator's published trust policy). "
        "404 before the first checkpoint. Public unless `ANCHOR_TLOG_PUBLIC=false` "
        "(then an `auditor` or `admin` key)."
    ),
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}, "description": "The signed checkpoint."},
        404: {"content": {"text/plain": {}}, "description": "No checkpoint yet."},
    },
)
def get_checkpoint(_reader: TlogReaderDep, session: ReadSessionDep) -> Response:
    checkpoints = CheckpointRepository(session)
    latest = checkpoints.latest()
    cache = CHECKPOINT_CACHE_CONTROL if _reader is None else "private, max-age=1"
    if latest is None:
        return Response(
            "no checkpoint yet: the scheduler signs the first one within "
            "ANCHOR_CHECKPOINT_SECONDS of its start, once a log key is configured\n",
            status_code=404,
            media_type=_TEXT,
            headers={"Cache-Control": "no-store"},
        )
    lines = "".join(f"{row.line}\n" for row in checkpoints.cosignatures_for(latest.tree_size))
    return Response(latest.note + lines, media_type=_TEXT, headers={"Cache-Control": cache})
