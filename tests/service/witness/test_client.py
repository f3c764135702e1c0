"""The log's witness client against real ``witness serve`` processes (quorum 2).

One witness of the policy is down, one is asked from a stale size (409, retried), one
was shown a conflicting checkpoint. Garbage answers come from a tiny server of the
test's own (the only stand-in: no real witness answers garbage).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from anchor_service.tlog import (
    CosignatureSigner,
    Policy,
    parse_policy,
    sign_note,
    verify_checkpoint,
)
from anchor_service.witness.client import WitnessRound, collect_cosignatures
from tests.service.witness.conftest import Log, StartWitness
from tests.support.ports import free_port


def collect(
    log: Log, size: int, policy: Policy, known: dict[str, int] | None = None
) -> WitnessRound:
    return asyncio.run(
        collect_cosignatures(log.checkpoint(size), policy, log.proof, known or {}, timeout=2.0)
    )


def outcomes(round_: WitnessRound) -> dict[str, tuple[str, int | None]]:
    return {o.witness: (o.outcome, o.size) for o in round_.outcomes}


def test_two_witnesses_meet_quorum_two_while_a_third_is_down(
    log: Log, start_witness: StartWitness
) -> None:
    w1, w2 = start_witness("w1"), start_witness("w2")
    down = f"http://127.0.0.1:{free_port()}"
    policy = parse_policy(
        f"log {log.vkey}\n"
        f"witness w1 {w1.vkey} {w1.url}\n"
        f"witness w2 {w2.vkey} {w2.url}\n"
        f"witness w3 witness.example/w3+{_key('w3')} {down}\n"
        "group two 2 w1 w2 w3\n"
        "quorum two\n"
    )
    first = collect(log, 6, policy)
    assert outcomes(first) == {
        "w1": ("cosigned", 6), "w2": ("cosigned", 6), "w3": ("unreachable", None),
    }  # fmt: skip
    assert first.cosigners == ["w1", "w2"] and first.quorum_met(policy)
    verified = verify_checkpoint(policy, log.checkpoint(6), b"".join(first.cosignatures))
    assert set(verified.cosigners) == {"w1", "w2"}

    # the caller lost w2's size (a restart): w2 answers 409 with 6, the client retries from it
    second = collect(log, 11, policy, {"w1": 6})
    assert outcomes(second)["w1"] == ("cosigned", 11)
    assert outcomes(second)["w2"] == ("cosigned", 11)
    assert second.quorum_met(policy)
    verify_checkpoint(policy, log.checkpoint(11), b"".join(second.cosignatures))


def test_a_witness_shown_a_conflicting_checkpoint_refuses_the_log_and_quorum_fails(
    log: Log, start_witness: StartWitness
) -> None:
    w1, w2 = start_witness("w1"), start_witness("w2")
    policy = parse_policy(
        f"log {log.vkey}\nwitness w1 {w1.vkey} {w1.url}\nwitness w2 {w2.vkey} {w2.url}\n"
        "group both all w1 w2\nquorum both\n"
    )
    assert outcomes(collect(log, 5, policy)) == {"w1": ("cosigned", 5), "w2": ("cosigned", 5)}
    fork = Log(fork_at=7)  # the same first 7 leaves, then another history
    assert w2.add_checkpoint(fork.request(5, 10)).status_code == 200  # w2 was shown the fork
    round_ = collect(log, 10, policy, {"w1": 5, "w2": 5})
    # w2 answered 409 with 10, the client retried from 10: same size, other root
    assert outcomes(round_) == {"w1": ("cosigned", 10), "w2": ("conflict", 10)}
    assert not round_.quorum_met(policy)
    assert round_.cosigners == ["w1"]


def test_a_witness_not_trusting_the_log_is_counted_by_answer(
    log: Log, start_witness: StartWitness
) -> None:
    other = Log(origin="another.example/log")
    stranger = start_witness("w1", f"log {other.vkey}\nquorum none\n")
    policy = parse_policy(f"log {log.vkey}\nwitness w1 {stranger.vkey} {stranger.url}\nquorum w1\n")
    round_ = collect(log, 3, policy)
    assert [(o.outcome, o.status) for o in round_.outcomes] == [("unknown-origin", 404)]
    assert "unknown log origin" in round_.outcomes[0].reason


def _key(name: str) -> str:
    """The key-ID-and-key part of a valid witness verifier key (no server holds it)."""
    return CosignatureSigner(f"witness.example/{name}", bytes(32)).verifier().vkey.split("+", 1)[1]


class _Garbage(BaseHTTPRequestHandler):
    """Answers ``POST /<mode>/add-checkpoint`` as ``mode`` says; nothing is checked."""

    answers: ClassVar[dict[str, tuple[int, bytes]]] = {}

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        mode = self.path.strip("/").split("/")[0]
        if mode == "slow":
            time.sleep(6)
        status, body = self.answers.get(mode, (500, b"oops\n"))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def garbage_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Garbage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_malformed_and_forged_witness_answers_are_refused(log: Log, garbage_server: str) -> None:
    signers = {n: CosignatureSigner(f"witness.example/{n}", bytes([i]) * 32) for i, n in enumerate(
        ["text", "stranger", "forged", "badsize", "teapot", "slow", "valid", "nolines"], start=1
    )}  # fmt: skip
    text = log.checkpoint(4).split(b"\n\n")[0] + b"\n"
    other = CosignatureSigner("witness.example/valid", b"\xee" * 32)  # same name, other key
    by_other = sign_note(text.decode(), other).split(b"\n\n")[1]
    genuine = sign_note(text.decode(), signers["valid"]).split(b"\n\n")[1]
    forged = bytearray(sign_note(text.decode(), signers["forged"]).split(b"\n\n")[1])
    forged[-6] = ord("A") if forged[-6] != ord("A") else ord("B")
    _Garbage.answers = {
        "text": (200, b"hello, I am a witness\n"),
        "stranger": (200, by_other),
        "forged": (200, bytes(forged)),
        "badsize": (409, b"many\n"),
        "teapot": (418, b"short and stout\n"),
        "valid": (200, genuine),
        "nolines": (200, b""),
    }
    lines = [f"log {log.vkey}"]
    lines += [f"witness {n} {s.verifier().vkey} {garbage_server}/{n}" for n, s in signers.items()]
    policy = parse_policy("\n".join(lines) + "\nquorum valid\n")
    round_ = collect(log, 4, policy)
    assert {o.witness: o.outcome for o in round_.outcomes} == {
        "text": "malformed-answer",
        "stranger": "bad-cosignature",
        "forged": "bad-cosignature",
        "badsize": "malformed-answer",
        "teapot": "error",
        "slow": "timeout",
        "valid": "cosigned",
        "nolines": "malformed-answer",
    }
    assert round_.cosigners == ["valid"] and round_.quorum_met(policy)
