"""Anchoring in the API: the app's :class:`Anchorer` (response bodies:
:mod:`anchor_service.api.schemas.anchors`).

The anchorer is built on first use from the app's settings and database (building makes
no chain request) and kept in ``app.state.anchorer``, so its backoff after an
unreachable node holds across requests. Tests may put their own there.
"""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import Depends, Request

from anchor_service.db.session import Database
from anchor_service.services.anchoring import Anchorer
from anchor_service.settings import Settings

__all__ = ["AnchorerDep", "get_anchorer"]

_build_lock = threading.Lock()


def get_anchorer(request: Request) -> Anchorer:
    """The app's anchorer, built from its settings and database on first use."""
    state = request.app.state
    anchorer: Anchorer | None = getattr(state, "anchorer", None)
    if anchorer is None:
        with _build_lock:
            anchorer = getattr(state, "anchorer", None)
            if anchorer is None:
                settings: Settings = state.settings
                database: Database = state.database
                anchorer = Anchorer.from_settings(settings, database)
                state.anchorer = anchorer
    return anchorer


AnchorerDep = Annotated[Anchorer, Depends(get_anchorer)]
