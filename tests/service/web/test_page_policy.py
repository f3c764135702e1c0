"""policy.js against anchor_service.tlog.policy: the same policies accepted, the same errors.

Each policy is parsed by the Python parser (what ``anchor-service verify --policy`` uses) and
by the page's own parser in headless Chromium; both must accept it with the same contents,
or refuse it with the same message ("line N: reason").
"""

from __future__ import annotations

from typing import Any

import pytest

from anchor_service.tlog import PolicyFileError, generate_cosignature_key, generate_key
from anchor_service.tlog.policy import parse_policy

from .page import VerifyPage

_, LOG = generate_key("example.com/log")
_, LOG2 = generate_key("example.com/log2")
_, W1 = generate_cosignature_key("w1.example")
_, W2 = generate_cosignature_key("w2.example")
_, W3 = generate_cosignature_key("w3.example")
REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
WITNESSES = f"witness A {W1}\nwitness B {W2} https://b.example/\nwitness C {W3}\n"


def _wrong_id(vkey: str) -> str:
    name, key_id, material = vkey.split("+", 2)
    return f"{name}+{int(key_id, 16) ^ 1:08x}+{material}"


POLICIES: dict[str, str] = {
    "full": (
        f"# a comment\n\nlog {LOG} https://log.example/\nlog\t{LOG2}\n{WITNESSES}"
        f"group AB 2 A B\ngroup all-of all AB C\nregistry 1337 {REGISTRY}\n"
        f"registry 1 {REGISTRY.lower()}\nquorum all-of\n"
    ),
    "minimal": "quorum none",
    "registry only": f"registry 1337 {REGISTRY}\nquorum none\n",
    "any": f"{WITNESSES}group g any A B C\nquorum g\n",
    "leading zero threshold": f"{WITNESSES}group g 02 A B C\nquorum g\n",
    "no quorum": f"log {LOG}\n",
    "empty": "",
    "two quorums": "quorum none\nquorum none\n",
    "unknown keyword": "quorum none\nwitnesses A B\n",
    "log without key": "log\nquorum none\n",
    "too many fields": f"registry 1 {REGISTRY} extra\nquorum none\n",
    "malformed log key": "log abc\nquorum none\n",
    "log key of a witness": f"log {W1}\nquorum none\n",
    "wrong key id": f"log {_wrong_id(LOG)}\nquorum none\n",
    "witness with a log key": f"witness A {LOG}\nquorum none\n",
    "wrong witness key id": f"witness A {_wrong_id(W1)}\nquorum none\n",
    "duplicate log": f"log {LOG}\nlog {LOG} https://again.example/\nquorum none\n",
    "duplicate witness key": f"witness A {W1}\nwitness B {W1}\nquorum none\n",
    "duplicate name": f"witness A {W1}\nwitness A {W2}\nquorum none\n",
    "reserved name": f"witness none {W1}\nquorum none\n",
    "bad threshold": f"{WITNESSES}group g most A B\nquorum g\n",
    "threshold too big": f"{WITNESSES}group g 4 A B C\nquorum g\n",
    "threshold zero": f"{WITNESSES}group g 0 A\nquorum g\n",
    "unknown member": f"{WITNESSES}group g any A D\nquorum g\n",
    "member twice": f"{WITNESSES}group g any A B\ngroup h any A C\nquorum h\n",
    "undefined quorum": f"{WITNESSES}quorum D\n",
    "quorum before definition": f"quorum A\n{WITNESSES}",
    "chain id 0": f"registry 0 {REGISTRY}\nquorum none\n",
    "chain id leading zero": f"registry 01 {REGISTRY}\nquorum none\n",
    "chain id sign": f"registry -1 {REGISTRY}\nquorum none\n",
    "chain id too big": f"registry {2**256} {REGISTRY}\nquorum none\n",
    "short address": "registry 1 0x1234\nquorum none\n",
    "address without 0x": f"registry 1 {REGISTRY[2:]}\nquorum none\n",
    "duplicate registry": f"registry 1 {REGISTRY}\nregistry 1 {REGISTRY.lower()}\nquorum none\n",
    "control character": "quorum none\n# bell \x07\n",
    "carriage return": "quorum none\r\n",
    "unbalanced IPv6 URL": f"log {LOG} http://[::1\nquorum none\n",
    "quoted name": f"witness it's {W1}\nwitness it's {W2}\nquorum none\n",
}


def _python(text: str) -> dict[str, Any]:
    try:
        policy = parse_policy(text)
    except PolicyFileError as exc:
        return {"error": str(exc)}
    return {
        "logs": [[log.vkey, log.url] for log in policy.logs],
        "witnesses": [[w.name, w.vkey, w.url] for w in policy.witnesses],
        "groups": [[g.name, g.threshold, list(g.members)] for g in policy.groups],
        "quorum": policy.quorum,
        "registries": [str(registry) for registry in policy.registries],
    }


_JS = """
try {
  const policy = await m.policy.parsePolicy(args[0]);
  return {
    logs: policy.logs.map((log) => [log.vkey, log.url]),
    witnesses: policy.witnesses.map((w) => [w.name, w.vkey, w.url]),
    groups: policy.groups.map((g) => [g.name, g.threshold, g.members]),
    quorum: policy.quorum,
    registries: policy.registries.map((r) => `${r.chainId} ${r.address}`),
  };
} catch (error) {
  if (error instanceof m.policy.PolicyFileError) return {error: error.message};
  throw error;
}
"""


@pytest.mark.parametrize("name", list(POLICIES))
def test_page_reads_a_policy_as_the_python_parser_does(page: VerifyPage, name: str) -> None:
    text = POLICIES[name]

    assert page.run_modules(("policy",), _JS, text) == _python(text)


def test_full_policy_is_accepted_with_its_registries() -> None:
    parsed = _python(POLICIES["full"])

    assert parsed["registries"] == [f"1337 {REGISTRY.lower()}", f"1 {REGISTRY.lower()}"]
    assert parsed["quorum"] == "all-of"
