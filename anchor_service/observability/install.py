"""Wiring into the app: the request-context middleware and the ``GET /metrics`` route.

``/metrics`` needs no API key (Prometheus scrapers usually send none): it shows counts
and timings, never entries or keys. Set ``ANCHOR_METRICS_ENABLED=false`` to leave the
route out (404) and stop timing requests; request ids stay.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from anchor_service.db.session import Database
from anchor_service.observability.collector import DatabaseCollector
from anchor_service.observability.metrics import MetricsExporter
from anchor_service.observability.middleware import RequestContextMiddleware
from anchor_service.settings import Settings

__all__ = ["METRICS_PATH", "install_observability"]

METRICS_PATH = "/metrics"


def install_observability(
    app: FastAPI, settings: Settings, database: Database
) -> MetricsExporter | None:
    """Add the request-context middleware and, unless disabled, ``GET /metrics``.

    Returns the exporter behind ``/metrics`` (``None`` when disabled) for the app's state.
    """
    if not settings.metrics_enabled:
        app.add_middleware(RequestContextMiddleware, metrics=None)
        return None
    collector = DatabaseCollector(database, cache_seconds=settings.metrics_cache_seconds)
    exporter = MetricsExporter([collector])
    app.add_middleware(RequestContextMiddleware, metrics=exporter.requests)
    app.include_router(_router(exporter))
    return exporter


def _router(exporter: MetricsExporter) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get(
        METRICS_PATH,
        summary="Prometheus metrics (no API key needed)",
        response_class=Response,
        responses={200: {"content": {"text/plain": {}}, "description": "Metrics exposition"}},
    )
    async def metrics(request: Request) -> Response:
        body, content_type = await run_in_threadpool(exporter.render, request.headers.get("accept"))
        return Response(content=body, media_type=content_type)

    return router
