"""Bundles anchored in an AnchorRegistryV2, on the /verify page in headless Chromium.

AnchorRegistryV2 keeps only its latest head in storage (no ``rootAt``/``anchorAt``): the
page knows it by its code (the registries' runtime code, immutables aside, as
``RegistryClient.detect``) and reads its heads from its ``HeadAnchored`` events, then the
anchor transaction's receipt, its canonical block and confirmations as for any registry.
A log of 7 entries is anchored twice (sizes 4 and 7) in a v2 registry deployed on the
shared ganache with each role on its own key; a bundle of either head is valid, a
tampered one invalid, and the page says, check for check, what the Python verifier (the
code of ``anchor-service verify``) says.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from eth_account import Account
from web3 import Web3
from web3.types import RPCEndpoint

from anchor_service.chain import (
    REGISTRY_V2_ARTIFACT_PATH,
    RegistryClient,
    deploy_registry,
    load_artifact,
)
from anchor_service.verifier import ProofBundle, verify_bundle
from anchor_service.verifier.onchain import Web3ChainView
from anchor_service.verifier.trust import TrustRoot
from tests.service.anchored_log.forgery import fresh_signer
from tests.service.verifier.anchored import (
    FIRST_HEAD,
    LOG_SIZE,
    AnchoredLog,
    anchor_head,
    make_entries,
)
from tests.support.processes import service_command, service_env

from .conftest import Served
from .page import Shown, VerifyPage

CONFIRMATIONS = 1
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}(?![0-9a-fA-F])")


@dataclass(frozen=True)
class V2Log:
    log: AnchoredLog
    rpc_url: str


@pytest.fixture(scope="module")
def v2_log(web3: Web3, served: Served) -> V2Log:
    deployer, _ = fresh_signer(web3)
    anchorer, _ = fresh_signer(web3)
    admin, pauser = Account.create().address, Account.create().address
    v2 = load_artifact(REGISTRY_V2_ARTIFACT_PATH)
    deployment = deploy_registry(
        web3, deployer, admin, v2, anchorer=anchorer.address, pauser=pauser
    )
    registry = RegistryClient(web3, deployment.address, artifact=v2, chain_id=1337)
    entries = make_entries(LOG_SIZE)
    leaves = [entry.leaf_hash for entry in entries]
    first = anchor_head(registry, anchorer, leaves, FIRST_HEAD, 0)
    second = anchor_head(registry, anchorer, leaves, LOG_SIZE, FIRST_HEAD)
    web3.provider.make_request(RPCEndpoint("evm_mine"), [])
    assert RegistryClient.detect(web3, deployment.address).reads_events  # it is a v2
    return V2Log(AnchoredLog(1337, deployment.address, entries, (first, second)), served.rpc_url)


def _same_case(reason: str) -> str:
    return _ADDRESS.sub(lambda match: match.group(0).lower(), reason)


def _python(v2: V2Log, bundle: ProofBundle) -> list[tuple[str, str, str]]:
    trust = TrustRoot.for_registry(1337, v2.log.registry, "the test")
    report = verify_bundle(
        bundle,
        Web3ChainView.connect(v2.rpc_url),
        min_confirmations=CONFIRMATIONS,
        trust=trust,
    )
    return [
        (c.name, c.outcome.value, _same_case(c.reason))
        for c in report.checks
        if c.name != "pinned registry"  # the pin's source is worded per front end
    ]


def _rows(shown: Shown) -> list[tuple[str, str, str]]:
    return [
        (row.name, row.outcome, _same_case(row.reason))
        for row in shown.rows
        if row.name != "pinned registry"
    ]


def _verify(page: VerifyPage, v2: V2Log, bundle: ProofBundle) -> Shown:
    text = json.dumps(bundle.to_json(), ensure_ascii=False, indent=2)
    page.pin(1337, v2.log.registry).paste(text).via_rpc(v2.rpc_url, CONFIRMATIONS)
    return page.verify()


@pytest.mark.parametrize(("index", "seq"), [(1, 0), (2, 1), (6, 1)])
def test_a_v2_bundle_is_valid_from_the_registrys_events(
    page: VerifyPage, v2_log: V2Log, index: int, seq: int
) -> None:
    bundle = v2_log.log.bundle(index, seq)
    shown = _verify(page, v2_log, bundle)

    assert (shown.status, shown.verdict) == ("valid", "every check passed"), shown
    size = v2_log.log.anchors[seq].tree_size
    assert (
        shown.row("registry holds root at tree_size").reason == f"rootAt({size}) = inclusion.root"
    )
    assert shown.row("anchor record").outcome == "passed"
    assert shown.row("anchor transaction").outcome == "passed"
    assert _rows(shown) == _python(v2_log, bundle)


TAMPERINGS = {
    "seq": lambda b: replace(b, anchor=replace(b.anchor, seq=b.anchor.seq + 5)),
    "statement hash": lambda b: replace(b, statement_hash=bytes(32)),
    "block number": lambda b: replace(
        b, anchor=replace(b.anchor, block_number=b.anchor.block_number + 1)
    ),
    "tree size": lambda b: replace(b, tree_size=b.tree_size - 1),
}


@pytest.mark.parametrize("tampering", sorted(TAMPERINGS))
def test_a_tampered_v2_bundle_is_invalid_as_the_python_verifier_says(
    page: VerifyPage, v2_log: V2Log, tampering: str
) -> None:
    bundle = TAMPERINGS[tampering](v2_log.log.bundle(2, 1))
    shown = _verify(page, v2_log, bundle)

    assert shown.status == "invalid", shown
    assert _rows(shown) == _python(v2_log, bundle)


def test_a_v2_bundle_through_two_nodes_and_the_cli_agree(
    page: VerifyPage, v2_log: V2Log, tmp_path: Path
) -> None:
    """Two node URLs (the same ganache by two names) must agree on the v2 registry's events;
    ``anchor-service verify`` (a process) says the same verdict and checks."""
    bundle = v2_log.log.bundle(3, 0)
    text = json.dumps(bundle.to_json(), ensure_ascii=False, indent=2)
    other = v2_log.rpc_url.replace("127.0.0.1", "localhost")
    page.pin(1337, v2_log.log.registry).paste(text)
    shown = page.via_nodes([v2_log.rpc_url, other], confirmations=CONFIRMATIONS).verify()

    assert shown.status == "valid", shown
    assert shown.row("node agreement").outcome == "passed", shown
    path = tmp_path / "v2-bundle.json"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run(
        service_command("verify", str(path), "--registry", v2_log.log.registry, "--rpc",
                        v2_log.rpc_url, "--rpc", other, "--min-confirmations",
                        str(CONFIRMATIONS), "--json"),
        env=service_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done
    report = json.loads(done.stdout)
    assert (report["status"], report["verdict"]) == (shown.status, shown.verdict)
    assert [(c["name"], c["outcome"]) for c in report["checks"]] == [
        (row.name, row.outcome) for row in shown.rows if row.name != "node agreement"
    ]  # the page's own row: the CLI notes outvoted nodes on stderr instead
