"""The witness's HTTP app: ``POST /add-checkpoint`` (c2sp.org/tlog-witness), health, metrics.

``/add-checkpoint`` carries the body to :class:`~anchor_service.witness.cosigning.Witness`
and its :class:`~anchor_service.witness.cosigning.Answer` back, untouched (a body
above :data:`MAX_REQUEST_BYTES` is refused with 413 before it is read to the end).
``/healthz`` answers 200 ``ok``; ``/metrics`` shows the answers given by status and the
refusals kept as evidence by reason, in Prometheus text format.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI, Request, Response
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool

from anchor_service.witness.cosigning import Witness

__all__ = ["MAX_REQUEST_BYTES", "create_witness_app"]

MAX_REQUEST_BYTES = 256 * 1024
"""Largest add-checkpoint body read (63 proof lines and a checkpoint with 100 signatures
fit many times over)."""


class _WitnessCollector(Collector):
    def __init__(self, witness: Witness) -> None:
        self._witness = witness

    def collect(self) -> Iterator[Metric]:
        answers = CounterMetricFamily(
            "anchor_witness_server_answers",
            "add-checkpoint answers given by this witness, by HTTP status.",
            labels=["status"],
        )
        for status, count in sorted(self._witness.answers.items()):
            answers.add_metric([str(status)], count)
        yield answers
        refusals = CounterMetricFamily(
            "anchor_witness_server_refusals",
            "Checkpoints refused and kept as evidence, by kind: fork, bad-proof, chain-conflict.",
            labels=["reason"],
        )
        for reason, count in sorted(self._witness.refused.items()):
            refusals.add_metric([reason], count)
        yield refusals


def create_witness_app(witness: Witness) -> FastAPI:
    """The witness app serving ``witness``."""
    app = FastAPI(title="anchor-service witness", docs_url=None, redoc_url=None, openapi_url=None)
    registry = CollectorRegistry()
    registry.register(_WitnessCollector(witness))

    @app.post("/add-checkpoint")
    async def add_checkpoint(request: Request) -> Response:
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_REQUEST_BYTES:
                return Response(b"request body too large\n", 413, media_type="text/plain")
        answer = await run_in_threadpool(witness.add_checkpoint, bytes(body))
        # Set as is: Starlette would add "; charset=utf-8" to a text/* media type.
        return Response(answer.body, answer.status, headers={"Content-Type": answer.content_type})

    @app.get("/healthz")
    def healthz() -> Response:
        return Response(b"ok\n", media_type="text/plain")

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return app
