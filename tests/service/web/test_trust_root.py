"""The page's trust root, in headless Chromium against the real API and ganache (issue 13).

The forgery (an attacker's registry on the same chain, a forged entry anchored there, the
genuine bundle pointed at it) passes every check that reads the registry the bundle names,
and is rejected in both modes once the auditor pins the genuine registry, by address or
by a pasted policy. Without a pin nothing is "Valid"; a redacted bundle is "Redacted";
several nodes must agree, and a URL that is not a node of the chain leaves the bundle
"Not verifiable", never "Invalid".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from anchor_service.dev import DevChain
from anchor_service.tlog import generate_cosignature_key, generate_key
from tests.service.anchored_log.forgery import FORGED_AMOUNT, ForgedAnchor
from tests.support.ports import free_port

from .conftest import Served
from .page import Shown, VerifyPage

CHAIN_CHECKS = (
    "chain id",
    "registry holds root at tree_size",
    "anchor record",
    "anchor transaction",
    "confirmations",
)
CHECKPOINT = "signed checkpoint"
PINNED = "pinned registry"
NODE_AGREEMENT = "node agreement"


def _policy(*registries: str, chain_id: int = 1337) -> str:
    """An auditor's policy: a log key, two witnesses in a group, the pinned registries."""
    _, log = generate_key("example.com/anchor-log")
    _, w1 = generate_cosignature_key("w1.example")
    _, w2 = generate_cosignature_key("w2.example")
    lines = [
        "# my copy of the operator's policy, kept since I started auditing",
        f"log {log} https://anchor.example/",
        f"witness W1 {w1}",
        f"witness\tW2\t{w2}\thttps://w2.example/",
        "group witnesses any W1 W2",
        *(f"registry {chain_id} {registry}" for registry in registries),
        "quorum none",
    ]
    return "\n".join(lines) + "\n"


def _run(page: VerifyPage, served: Served, mode: str) -> Shown:
    if mode == "rpc":
        return page.via_rpc(served.rpc_url).verify()
    return page.via_api(served.auditor_key).verify()


def _pin(page: VerifyPage, served: Served, kind: str) -> VerifyPage:
    if kind == "registry":
        return page.pin(1337, served.registry)
    return page.pin_policy(_policy(served.registry))


# --- the forgery -----------------------------------------------------------------------------


def test_forgery_passes_every_check_of_the_registry_it_names_but_is_never_valid_unpinned(
    page: VerifyPage, served: Served, forgery: ForgedAnchor
) -> None:
    assert forgery.bundle["entry"]["postings"][1]["amount"] == str(FORGED_AMOUNT)

    shown = page.paste(forgery.text).via_rpc(served.rpc_url).verify()

    checks = {row.name: row.outcome for row in shown.rows}
    assert checks == {
        **dict.fromkeys(("bundle format", "leaf hash", "inclusion", *CHAIN_CHECKS), "passed"),
        CHECKPOINT: "skipped",
        PINNED: "skipped",
    }
    assert (shown.status, shown.headline) == ("unpinned", "Not verified against a trust root")
    assert shown.row(PINNED).reason == "no trust root: nothing pinned to check against"
    assert shown.verdict == (
        "not verified against a trust root: the checks passed, but nothing ties the bundle to "
        f"a registry or log key you trust; it claims registry {forgery.registry} on chain 1337"
    )


@pytest.mark.parametrize("kind", ["registry", "policy"])
@pytest.mark.parametrize("mode", ["rpc", "api"])
def test_forgery_is_invalid_against_the_pinned_registry(
    page: VerifyPage, served: Served, forgery: ForgedAnchor, mode: str, kind: str
) -> None:
    shown = _run(_pin(page, served, kind).paste(forgery.text), served, mode)

    assert (shown.status, shown.headline) == ("invalid", "Invalid")
    assert PINNED in shown.failed()
    claimed = f"registry {forgery.registry} on chain 1337"
    pinned = f"registry {served.registry.lower()} on chain 1337"
    assert (
        shown.row(PINNED).reason == f"the bundle claims {claimed}, but the trust root pins {pinned}"
    )
    assert claimed in shown.verdict and pinned in shown.verdict
    if mode == "rpc":  # the attacker's registry holds the forged root: only the pin tells
        assert shown.failed() == [PINNED]
    page.screenshot(f"/tmp/verify-page-forgery-{mode}-{kind}.png")


@pytest.mark.parametrize("kind", ["registry", "policy"])
@pytest.mark.parametrize("mode", ["rpc", "api"])
def test_genuine_bundle_is_valid_against_the_pinned_registry(
    page: VerifyPage, served: Served, mode: str, kind: str
) -> None:
    shown = _run(_pin(page, served, kind).paste(served.bundle_text), served, mode)

    assert (shown.status, shown.headline, shown.verdict) == ("valid", "Valid", "every check passed")
    source = "the registry you entered" if kind == "registry" else "your policy"
    assert (
        shown.row(PINNED).reason == f"registry {served.registry} on chain 1337 is pinned ({source})"
    )


@pytest.mark.parametrize("mode", ["rpc", "api"])
def test_genuine_bundle_without_a_trust_root_is_not_valid(
    page: VerifyPage, served: Served, mode: str
) -> None:
    shown = _run(page.paste(served.bundle_text), served, mode)

    assert (shown.status, shown.headline) == ("unpinned", "Not verified against a trust root")
    assert all(
        row.outcome == "passed" for row in shown.rows if row.name not in (CHECKPOINT, PINNED)
    )
    assert shown.verdict.endswith(f"; it claims registry {served.registry} on chain 1337")


def test_policy_without_a_registry_line_pins_nothing(page: VerifyPage, served: Served) -> None:
    shown = page.pin_policy(_policy()).paste(served.bundle_text).via_rpc(served.rpc_url).verify()

    assert shown.status == "unpinned"
    assert shown.row(PINNED).reason == "the trust root pins no registry"
    assert shown.row(CHECKPOINT).reason == "the bundle carries no signed checkpoint"
    assert shown.verdict.startswith(
        "not verified against a trust root: your trust root pins no registry and the bundle "
        "carries no signed checkpoint it could check"
    )


def test_pin_on_another_chain_makes_the_bundle_invalid(page: VerifyPage, served: Served) -> None:
    policy = _policy(served.registry, chain_id=1)
    shown = page.pin_policy(policy).paste(served.bundle_text).via_rpc(served.rpc_url).verify()

    assert shown.failed() == [PINNED]
    assert shown.row(PINNED).reason.endswith(
        f"but the trust root pins registry {served.registry.lower()} on chain 1"
    )


def test_broken_policy_is_refused_with_its_line_before_anything_runs(
    page: VerifyPage, served: Served
) -> None:
    policy = _policy(served.registry).replace("quorum none", "quorum nobody")
    shown = page.pin_policy(policy).paste(served.bundle_text).via_rpc(served.rpc_url).verify()

    assert (
        shown.form_error
        == "Your policy: line 7: quorum 'nobody' is not defined on a preceding line"
    )
    assert shown.status == ""


@pytest.mark.parametrize(
    ("chain_id", "address", "error"),
    [
        ("1337", "0x1234", "The registry you trust must be an address: 0x and 40 hex digits."),
        ("", "0x" + "ab" * 20, "Enter the chain id of that registry (1 or more)."),
        ("0", "0x" + "ab" * 20, "Enter the chain id of that registry (1 or more)."),
    ],
)
def test_malformed_registry_pin_is_asked_again(
    page: VerifyPage, served: Served, chain_id: str, address: str, error: str
) -> None:
    page.pin(1, "").set_value("trust-chain-id", chain_id).set_value("trust-registry", address)
    shown = page.paste(served.bundle_text).choose("offline").verify()

    assert shown.form_error == error


# --- redacted --------------------------------------------------------------------------------


def test_redacted_bundle_has_its_own_verdict_never_valid(page: VerifyPage, served: Served) -> None:
    bundle = served.bundle()
    bundle.update(entry=None, redacted=True)

    shown = (
        page.pin(1337, served.registry).paste(json.dumps(bundle)).via_rpc(served.rpc_url).verify()
    )

    assert (shown.status, shown.headline) == ("redacted", "Redacted")
    assert shown.verdict == (
        "a leaf exists at index 2; its content was erased; the bundle names no redaction record"
    )
    assert shown.row("leaf hash").outcome == "skipped"


def test_redacted_bundle_names_its_redaction_record(page: VerifyPage, served: Served) -> None:
    bundle = served.bundle()
    bundle.update(entry=None, redacted=True, redaction_record={"index": 7, "hash": "ab" * 32})

    shown = (
        page.pin(1337, served.registry).paste(json.dumps(bundle)).via_rpc(served.rpc_url).verify()
    )

    assert shown.status == "redacted"
    assert shown.verdict == (
        "a leaf exists at index 2; its content was erased; redaction record: leaf 7 "
        f"(hash {'ab' * 32})"
    )


def test_redaction_record_in_a_bundle_that_is_not_redacted_is_malformed(
    page: VerifyPage, served: Served
) -> None:
    bundle = served.bundle()
    bundle["redaction_record"] = {"index": 7, "hash": "ab" * 32}

    shown = page.paste(json.dumps(bundle)).choose("offline").verify()

    assert shown.status == "malformed"
    assert shown.verdict == (
        "not a valid proof bundle: redaction_record: only a redacted bundle has one"
    )


# --- nodes -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def other_ganache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevChain]:
    """A second ganache with the same chain id: a node of "chain 1337" that never saw the
    anchor (what a lying or forked node looks like)."""
    path: Path = tmp_path_factory.mktemp("other-ganache")
    with DevChain(path, port=free_port()) as chain:
        yield chain


def test_nodes_that_disagree_leave_the_bundle_not_verifiable_and_say_how(
    page: VerifyPage, served: Served, other_ganache: DevChain
) -> None:
    page.pin(1337, served.registry).paste(served.bundle_text)

    shown = page.via_nodes([served.rpc_url, other_ganache.rpc_url]).verify()

    assert (shown.status, shown.headline) == ("unverified", "Not verifiable")
    agreement = shown.row(NODE_AGREEMENT)
    assert agreement.outcome == "error"
    assert agreement.reason.startswith("the nodes disagree: 1 of 2 nodes agree")
    registry = served.registry.lower()
    assert (
        f"{other_ganache.rpc_url}/ disagrees: code at {registry}: {served.rpc_url}/ says a "
        f"contract, {other_ganache.rpc_url}/ says no contract"
    ) in agreement.reason
    assert {shown.row(name).outcome for name in CHAIN_CHECKS} == {"skipped"}
    page.screenshot("/tmp/verify-page-nodes-disagree.png")


def test_a_quorum_of_one_does_not_settle_two_nodes_that_disagree(
    page: VerifyPage, served: Served, other_ganache: DevChain
) -> None:
    page.pin(1337, served.registry).paste(served.bundle_text)

    shown = page.via_nodes([served.rpc_url, other_ganache.rpc_url], quorum=1).verify()

    assert shown.status == "unverified"
    assert shown.row(NODE_AGREEMENT).reason.startswith("the nodes disagree")


def test_nodes_that_agree_verify_the_bundle(
    page: VerifyPage, served: Served, devchain: DevChain
) -> None:
    same_node = served.rpc_url.replace("127.0.0.1", "localhost")
    page.pin(1337, served.registry).paste(served.bundle_text)

    shown = page.via_nodes([served.rpc_url, same_node]).verify()

    assert shown.status == "valid", shown
    assert shown.row(NODE_AGREEMENT).reason == (
        "2 of 2 nodes agree on the registry, the anchor record, the transaction's receipt "
        "and its block hash (2 required)"
    )
    assert {shown.row(name).source for name in CHAIN_CHECKS} == {"2 RPC nodes"}


def test_a_url_that_is_not_a_node_leaves_the_bundle_not_verifiable(
    page: VerifyPage, served: Served
) -> None:
    page.pin(1337, served.registry).paste(served.bundle_text)

    shown = page.via_rpc(served.base_url).verify()  # the API itself: HTTP 405, not JSON-RPC

    assert (shown.status, shown.headline) == ("unverified", "Not verifiable")
    assert shown.failed() == []
    assert shown.verdict == (
        f"chain read failed: {served.base_url}/ is not a JSON-RPC node: it answered eth_chainId "
        "with HTTP 405 and no JSON-RPC 2.0 response"
    )


def test_a_quorum_of_the_nodes_listed_is_enough_and_the_other_is_named(
    page: VerifyPage, served: Served
) -> None:
    page.pin(1337, served.registry).paste(served.bundle_text)

    shown = page.via_nodes([served.rpc_url, served.base_url], quorum=1).verify()

    assert shown.status == "valid", shown
    reason = shown.row(NODE_AGREEMENT).reason
    assert reason.startswith("1 of 2 nodes agree")
    assert (
        f"{served.base_url}/ could not check: chain read failed: {served.base_url}/ is not"
        in reason
    )


def test_quorum_larger_than_the_nodes_listed_is_refused(page: VerifyPage, served: Served) -> None:
    shown = page.paste(served.bundle_text).via_nodes([served.rpc_url], quorum=2).verify()

    assert (
        shown.form_error == "Nodes that must agree: a whole number from 1 to 1 (the nodes listed)."
    )


# --- what the page offers and keeps ----------------------------------------------------------


def test_node_field_holds_the_configured_public_node(page: VerifyPage, served: Served) -> None:
    assert page.value("rpc-urls") == served.rpc_url
    has_placeholder = "return document.getElementById('rpc-urls').hasAttribute('placeholder')"
    assert page.driver.execute_script(has_placeholder) is False


def test_operators_registry_is_shown_as_a_claim_and_not_pinned(
    page: VerifyPage, served: Served
) -> None:
    claim = page.driver.find_element("id", "operator-claim")

    assert claim.is_displayed()
    assert claim.text.startswith("The operator's claim — compare with an independent source:")
    assert served.registry in claim.text
    assert (page.value("trust-chain-id"), page.value("trust-registry")) == ("", "")
    shown = page.paste(served.bundle_text).via_rpc(served.rpc_url).verify()
    assert shown.status == "unpinned"


def test_trust_root_is_kept_only_when_the_auditor_asks(page: VerifyPage, served: Served) -> None:
    page.pin(1337, served.registry).paste(served.bundle_text).via_rpc(served.rpc_url).verify()
    assert page.stored() == {}
    page = VerifyPage.open(page.driver, served.base_url)
    assert page.value("trust-registry") == ""

    page.pin(1337, served.registry).remember(True).paste(served.bundle_text).verify()
    assert list(page.stored()) == ["anchor-service.verify.trust-root"]
    page = VerifyPage.open(page.driver, served.base_url)
    assert (page.value("trust-chain-id"), page.value("trust-registry")) == (
        "1337",
        served.registry,
    )
    assert page.driver.find_element("id", "trust-remember").is_selected()
    assert page.paste(served.bundle_text).via_rpc(served.rpc_url).verify().status == "valid"

    page.remember(False)
    assert page.stored() == {}


def test_remembered_policy_comes_back_as_a_policy(page: VerifyPage, served: Served) -> None:
    policy = _policy(served.registry)
    page.pin_policy(policy).remember(True).paste(served.bundle_text).choose("offline").verify()

    page = VerifyPage.open(page.driver, served.base_url)

    assert page.value("trust-policy") == policy
    assert page.driver.find_element("id", "trust-policy").is_displayed()
