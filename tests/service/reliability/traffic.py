"""Mixed traffic over loopback (async httpx): single posts, bulk posts, proof reads.

Bounded by time and by request count. Every answer is classified: a 2xx on a write
marks its external ids as acknowledged; a 5xx is a failure unless the scenario allows
``503 DatabaseUnavailable`` (the database is down on purpose).
"""

from __future__ import annotations

import asyncio
import itertools
import random
import secrets
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

ENTRY_TIME = "2026-11-21T08:15:00+07:00"


def entry(external_id: str, amount: int = 150000) -> dict[str, Any]:
    """A valid two-posting entry payload."""
    return {
        "external_id": external_id,
        "occurred_at": ENTRY_TIME,
        "postings": [
            {"account": "wallet:user:981", "amount": str(-amount), "currency": "IDR"},
            {"account": "escrow:project:42", "amount": str(amount), "currency": "IDR"},
        ],
        "metadata": {"gateway": "midtrans"},
    }


def percentile(values: list[float], fraction: float) -> float:
    """The ``fraction`` quantile (nearest rank) of ``values``; 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


@dataclass
class Traffic:
    """What the clients sent and got back."""

    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    acked: set[str] = field(default_factory=set)
    unavailable: set[str] = field(default_factory=set)  # got 503 DatabaseUnavailable
    failures: list[str] = field(default_factory=list)
    expected_503: int = 0  # answers 503 DatabaseUnavailable while it was allowed

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def ok(self) -> int:
        return sum(n for code, n in self.statuses.items() if 200 <= code < 300)

    @property
    def server_errors(self) -> int:
        """5xx answers other than the allowed ``503 DatabaseUnavailable``."""
        return sum(n for code, n in self.statuses.items() if code >= 500) - self.expected_503

    def figures(self) -> dict[str, Any]:
        ms = [value * 1000 for value in self.latencies]
        return {
            "requests": self.requests,
            "2xx": self.ok,
            "5xx": self.server_errors,
            "p50_ms": round(percentile(ms, 0.50), 1),
            "p95_ms": round(percentile(ms, 0.95), 1),
            "p99_ms": round(percentile(ms, 0.99), 1),
            "mean_ms": round(statistics.fmean(ms), 1) if ms else 0.0,
        }

    def latency_line(self) -> str:
        f = self.figures()
        return (
            f"{f['requests']} requests, {f['2xx']} 2xx, {f['5xx']} 5xx; latency p50 "
            f"{f['p50_ms']} ms, p95 {f['p95_ms']} ms, p99 {f['p99_ms']} ms"
        )


@dataclass
class LoadPlan:
    seconds: float
    max_requests: int
    clients: int = 8
    bulk_size: tuple[int, int] = (10, 100)
    allow_unavailable: bool = False  # 503 DatabaseUnavailable is expected (database down)


class _Run:
    def __init__(
        self, base: str, writer: str, auditor: str, plan: LoadPlan, traffic: Traffic
    ) -> None:
        self.base = base
        self.writer = {"Authorization": f"Bearer {writer}"}
        self.auditor = {"Authorization": f"Bearer {auditor}"}
        self.plan = plan
        self.traffic = traffic
        self.sent = itertools.count()
        self.ids = itertools.count()
        self.prefix = f"rel-{secrets.token_hex(3)}"
        self.deadline = time.monotonic() + plan.seconds
        self.stop = asyncio.Event()

    def _more(self) -> bool:
        return (
            not self.stop.is_set()
            and time.monotonic() < self.deadline
            and next(self.sent) < self.plan.max_requests
        )

    def _new_id(self) -> str:
        return f"{self.prefix}-{next(self.ids)}"

    def _classify(self, response: httpx.Response, what: str, ids: list[str]) -> None:
        code = response.status_code
        self.traffic.statuses[code] += 1
        if 200 <= code < 300:
            if what != "proof":
                self.traffic.acked.update(ids)
            return
        error = _error_code(response)
        if code == 503 and error == "DatabaseUnavailable" and self.plan.allow_unavailable:
            self.traffic.expected_503 += 1
            if what != "proof":
                self.traffic.unavailable.update(ids)
            return
        if what == "proof" and code == 409 and error == "EntryNotAnchored":
            return
        self.traffic.failures.append(f"{what} -> {code} {response.text[:200]}")

    async def client(self, http: httpx.AsyncClient, rng: random.Random) -> None:
        while self._more():
            roll = rng.random()
            acked = self.traffic.acked
            if roll < 0.2 and acked:
                what, ids = "proof", [rng.choice(tuple(acked))]
                request = http.build_request(
                    "GET", f"/v1/entries/{ids[0]}/proof", headers=self.auditor
                )
            elif roll < 0.4:
                what = "bulk"
                ids = [self._new_id() for _ in range(rng.randint(*self.plan.bulk_size))]
                body = {"entries": [entry(i) for i in ids]}
                request = http.build_request(
                    "POST", "/v1/entries/bulk", json=body, headers=self.writer
                )
            else:
                what, ids = "single", [self._new_id()]
                request = http.build_request(
                    "POST", "/v1/entries", json=entry(ids[0]), headers=self.writer
                )
            began = time.perf_counter()
            try:
                response = await http.send(request)
            except httpx.HTTPError as exc:
                self.traffic.failures.append(f"{what} -> {type(exc).__name__}: {exc}")
                continue
            self.traffic.latencies.append(time.perf_counter() - began)
            self._classify(response, what, ids)


def _error_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("error") if isinstance(body, dict) else None


async def _run(base: str, writer: str, auditor: str, plan: LoadPlan, traffic: Traffic) -> None:
    run = _Run(base, writer, auditor, plan, traffic)
    limits = httpx.Limits(max_connections=plan.clients)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as http:
        rng = random.Random(secrets.randbits(32))
        await asyncio.gather(
            *(run.client(http, random.Random(rng.random())) for _ in range(plan.clients))
        )


def run_load(
    base: str, writer: str, auditor: str, plan: LoadPlan, traffic: Traffic | None = None
) -> Traffic:
    """Run ``plan`` against the API at ``base``; returns what happened (``traffic``, when
    given, is filled as it goes: another thread may read it)."""
    traffic = traffic if traffic is not None else Traffic()
    asyncio.run(_run(base, writer, auditor, plan, traffic))
    return traffic
