"""Constants the page hard-codes, checked against their sources of truth.

The selectors and the event topic in rpc.js against keccak256 of the signatures in the
contract's ABI (the artifact the service deploys); the check names in checks.js against
the Python verifier's, so the page and ``anchor-service verify`` name checks alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest
from eth_utils.crypto import keccak

from anchor_service import verifier
from anchor_service.chain import load_artifact
from anchor_service.web import STATIC_DIR


def _signature(item: Mapping[str, Any]) -> str:
    return f"{item['name']}({','.join(i['type'] for i in item['inputs'])})"


def _abi_signatures(kind: str) -> set[str]:
    return {_signature(item) for item in load_artifact().abi if item["type"] == kind}


def _js_table(name: str) -> dict[str, str]:
    """The ``export const NAME = { "signature": "hex", ... }`` object of rpc.js."""
    source = (STATIC_DIR / "rpc.js").read_text(encoding="utf-8")
    match = re.search(rf"export const {name} = \{{(.*?)\}};", source, re.DOTALL)
    assert match, name
    return dict(re.findall(r'"([^"]+)":\s*"([0-9a-f]+)"', match.group(1)))


@pytest.mark.parametrize(
    ("table", "kind"), [("SELECTORS", "function"), ("ERROR_SELECTORS", "error")]
)
def test_selectors_are_the_keccak_of_signatures_in_the_contract_abi(table: str, kind: str) -> None:
    selectors = _js_table(table)

    assert selectors, table
    assert set(selectors) <= _abi_signatures(kind)
    for signature, selector in selectors.items():
        assert selector == keccak(text=signature)[:4].hex(), signature


def test_page_reads_the_views_and_errors_the_verifier_reads() -> None:
    assert set(_js_table("SELECTORS")) == {"rootAt(uint64)", "anchorAt(uint256)"}
    assert set(_js_table("ERROR_SELECTORS")) == {
        "AnchorRegistryUnknownTreeSize(uint64)",
        "AnchorRegistryUnknownAnchor(uint256,uint256)",
    }


def test_head_anchored_topic_is_the_keccak_of_the_event_in_the_abi() -> None:
    source = (STATIC_DIR / "rpc.js").read_text(encoding="utf-8")
    match = re.search(r'export const HEAD_ANCHORED_TOPIC =\s*"([0-9a-f]{64})";', source)
    events = {s for s in _abi_signatures("event") if s.startswith("HeadAnchored(")}

    assert match and events == {"HeadAnchored(uint256,uint64,bytes32,bytes32)"}
    assert match.group(1) == keccak(text=events.pop()).hex()


def test_check_names_are_the_python_verifiers() -> None:
    source = (STATIC_DIR / "checks.js").read_text(encoding="utf-8")
    names = dict(re.findall(r'^export const ([A-Z_]+) = "([^"]+)";', source, re.MULTILINE))
    python = {
        name: getattr(verifier, name)
        for name in ("BUNDLE_FORMAT", "LEAF_HASH", "INCLUSION", *(
            "CHAIN_ID", "REGISTRY_ROOT", "ANCHOR_RECORD", "ANCHOR_TRANSACTION", "CONFIRMATIONS"))
    }  # fmt: skip

    assert {name: names[name] for name in python} == python
    chain_order = re.search(r"export const CHAIN_CHECKS = \[([^\]]*)\];", source)
    assert chain_order
    assert [names[n.strip()] for n in chain_order.group(1).split(",")] == list(
        verifier.CHAIN_CHECKS
    )


def test_trust_check_names_are_the_python_verifiers() -> None:
    """trust.js names its checks as the verifier's trust checks (verifier/checks.py's
    CHECKPOINT and PINNED_REGISTRY, where the verifier has them)."""
    source = (STATIC_DIR / "trust.js").read_text(encoding="utf-8")
    names = dict(re.findall(r'^export const ([A-Z_]+) = "([^"]+)";', source, re.MULTILINE))
    expected = {"CHECKPOINT": "signed checkpoint", "PINNED_REGISTRY": "pinned registry"}
    python = {name: getattr(verifier, name) for name in expected if hasattr(verifier, name)}

    assert {name: names[name] for name in expected} == {**expected, **python}
