"""The auditor page in headless Chromium, against the real API, ganache and bundles.

A bundle the service served passes every check, by either chain mode, with the auditor's
trust root (the served registry) pinned; a tampered one is invalid and the page names the
check that caught it; in RPC mode the page says exactly what ``anchor-service verify``
(the Python verifier) says, check for check (the trust checks, "signed checkpoint" and
"pinned registry", aside: the page runs them against the auditor's pin). The trust root
itself (forgeries, policies, several nodes) is tested in test_trust_root.py.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver import Chrome

from anchor_service.dev import free_port
from anchor_service.verifier import CHAIN_CHECKS, parse_bundle, verify_bundle
from anchor_service.verifier.onchain import Web3ChainView

from .conftest import CONFIRMATIONS, Served
from .page import Shown, VerifyPage

MERKLE = ("bundle format", "leaf hash", "inclusion")
CHECKPOINT = "signed checkpoint"
PINNED = "pinned registry"
TRUST = (CHECKPOINT, PINNED)
EVERY_CHECK = (*MERKLE, *TRUST, *CHAIN_CHECKS)
Tamper = Callable[[dict[str, Any]], None]
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}(?![0-9a-fA-F])")


def _flip_hex(value: str) -> str:
    """``value`` with its last hex digit changed."""
    last = value[-1]
    return value[:-1] + ("0" if last != "0" else "1")


def _amount(bundle: dict[str, Any]) -> None:
    posting = bundle["entry"]["postings"][1]
    posting["amount"] = str(int(posting["amount"]) + 1)


def _path(bundle: dict[str, Any]) -> None:
    bundle["inclusion"]["path"][1] = _flip_hex(bundle["inclusion"]["path"][1])


def _root(bundle: dict[str, Any]) -> None:
    bundle["inclusion"]["root"] = hashlib.sha256(b"a forged head").hexdigest()


TAMPERINGS: dict[str, Tamper] = {
    "amount": _amount,
    "path element": _path,
    "root": _root,
    "salt": lambda b: b["entry"].update(salt=_flip_hex(b["entry"]["salt"])),
    "leaf index": lambda b: b["leaf"].update(index=b["leaf"]["index"] + 1),
    "tree size": lambda b: b["inclusion"].update(tree_size=b["inclusion"]["tree_size"] + 1),
    "statement hash": lambda b: b.update(statement_hash=_flip_hex(b["statement_hash"])),
    "chain id": lambda b: b["anchor"].update(chain_id=1),
    "registry": lambda b: b["anchor"].update(registry="0x" + "11" * 20),
    "anchor seq": lambda b: b["anchor"].update(seq=7),
    "tx hash": lambda b: b["anchor"].update(tx_hash="0x" + "ab" * 32),
    "block number": lambda b: b["anchor"].update(block_number=b["anchor"]["block_number"] + 1),
}


def _tampered(served: Served, tamper: Tamper) -> str:
    bundle = copy.deepcopy(served.bundle())
    tamper(bundle)
    return json.dumps(bundle, ensure_ascii=False, indent=2)


def _same_case(reason: str) -> str:
    """``reason`` with addresses in lower case: the page shows them as the node sends them
    (it has no keccak for EIP-55 checksums), the Python verifier checksummed."""
    return _ADDRESS.sub(lambda match: match.group(0).lower(), reason)


def _python_report(served: Served, text: str) -> list[tuple[str, str, str]]:
    report = verify_bundle(
        parse_bundle(text),
        Web3ChainView.connect(served.rpc_url),
        min_confirmations=CONFIRMATIONS,
    )
    return [
        (c.name, c.outcome.value, _same_case(c.reason))
        for c in report.checks
        if c.name not in TRUST
    ]


def _rows(shown: Shown) -> list[tuple[str, str, str]]:
    """The rows but the trust checks (the page's are against the auditor's pin)."""
    return [
        (row.name, row.outcome, _same_case(row.reason))
        for row in shown.rows
        if row.name not in TRUST
    ]


@pytest.fixture
def page(page: VerifyPage, served: Served) -> VerifyPage:
    """The page with the auditor's trust root: the registry the service anchors in."""
    return page.pin(1337, served.registry)


# --- a valid bundle ------------------------------------------------------------------------


def test_valid_bundle_passes_every_check_through_an_rpc_node(
    page: VerifyPage, served: Served
) -> None:
    shown = page.paste(served.bundle_text).via_rpc(served.rpc_url).verify()

    assert (shown.status, shown.headline, shown.verdict) == ("valid", "Valid", "every check passed")
    assert [row.name for row in shown.rows] == list(EVERY_CHECK)
    checked = [row for row in shown.rows if row.name != CHECKPOINT]  # the bundle has none
    assert {row.outcome for row in checked} == {"passed"}
    assert {row.mark for row in checked} == {"✔"}
    assert [row.source for row in shown.rows] == ["browser"] * 5 + ["RPC node"] * 5
    assert shown.row(PINNED).reason == (
        f"registry {served.registry} on chain 1337 is pinned (the registry you entered)"
    )
    assert shown.row(CHECKPOINT).reason == "the bundle carries no signed checkpoint"
    page.screenshot("/tmp/verify-page-valid.png")


def test_valid_bundle_passes_every_check_through_the_api(page: VerifyPage, served: Served) -> None:
    shown = page.paste(served.bundle_text).via_api(served.auditor_key).verify()

    assert shown.status == "valid", shown
    assert shown.outcomes() == {**dict.fromkeys(EVERY_CHECK, "passed"), CHECKPOINT: "skipped"}
    assert [row.source for row in shown.rows][:10] == ["browser"] * 5 + ["this API"] * 5
    assert "at least 1 required" in shown.row("confirmations").reason  # the server's default


def test_every_bundle_the_service_served_is_valid_in_the_page(
    page: VerifyPage, served: Served
) -> None:
    page.via_rpc(served.rpc_url)
    for external_id, text in served.bundles.items():
        shown = page.paste(text).verify()
        assert shown.status == "valid", (external_id, shown)


def test_merkle_only_mode_checks_in_the_browser_but_is_never_valid(
    page: VerifyPage, served: Served
) -> None:
    shown = page.paste(served.bundle_text).choose("offline").verify()

    assert (shown.status, shown.headline) == ("unpinned", "Not verified against a trust root")
    assert shown.verdict == (
        "not verified against a trust root: the chain was not read and the bundle carries no "
        f"signed checkpoint the trust root could check; it claims registry {served.registry} "
        "on chain 1337"
    )
    assert shown.outcomes() == {
        **dict.fromkeys(MERKLE, "passed"),
        CHECKPOINT: "skipped",
        PINNED: "passed",
        **dict.fromkeys(CHAIN_CHECKS, "skipped"),
    }
    assert {row.reason for row in shown.rows[5:]} == {"offline: the chain was not read"}


def test_more_confirmations_than_the_chain_has_fail_the_confirmations_check(
    page: VerifyPage, served: Served
) -> None:
    shown = page.paste(served.bundle_text).via_rpc(served.rpc_url, confirmations=1000).verify()

    assert shown.status == "invalid"
    assert shown.failed() == ["confirmations"]
    assert "fewer than the 1000 required" in shown.row("confirmations").reason


# --- tampered bundles ----------------------------------------------------------------------


def test_changed_amount_fails_the_leaf_hash_check(page: VerifyPage, served: Served) -> None:
    shown = page.paste(_tampered(served, _amount)).via_rpc(served.rpc_url).verify()

    assert (shown.status, shown.headline) == ("invalid", "Invalid")
    assert shown.failed() == ["leaf hash"]
    assert shown.verdict == "failed leaf hash"
    assert shown.row("leaf hash").mark == "✘"
    assert "the document or its salt is not the one logged" in shown.row("leaf hash").reason


def test_flipped_path_element_fails_the_inclusion_check(page: VerifyPage, served: Served) -> None:
    shown = page.paste(_tampered(served, _path)).via_rpc(served.rpc_url).verify()

    assert shown.status == "invalid"
    assert shown.failed() == ["inclusion"]
    assert shown.row("inclusion").reason.startswith("root mismatch: the path leads to ")


def test_changed_root_fails_inclusion_and_every_chain_check_that_reads_the_root(
    page: VerifyPage, served: Served
) -> None:
    shown = page.paste(_tampered(served, _root)).via_rpc(served.rpc_url).verify()

    assert shown.status == "invalid"
    assert shown.failed() == [
        "inclusion",
        "registry holds root at tree_size",
        "anchor record",
        "anchor transaction",
    ]
    assert shown.verdict == (
        "failed inclusion, registry holds root at tree_size, anchor record, anchor transaction"
    )
    page.screenshot("/tmp/verify-page-tampered.png")


def test_changed_root_fails_the_registry_check_through_the_api(
    page: VerifyPage, served: Served
) -> None:
    shown = page.paste(_tampered(served, _root)).via_api(served.auditor_key).verify()

    assert shown.status == "invalid"
    assert "registry holds root at tree_size" in shown.failed()
    assert shown.row("registry holds root at tree_size").source == "this API"
    assert shown.row("inclusion").source == "browser" and shown.row("inclusion").outcome == "failed"


def test_changed_amount_fails_in_the_browser_even_when_the_api_checks_the_chain(
    page: VerifyPage, served: Served
) -> None:
    shown = page.paste(_tampered(served, _amount)).via_api(served.auditor_key).verify()

    assert shown.status == "invalid"
    assert shown.failed() == ["leaf hash"]


@pytest.mark.parametrize(
    "tampering", ["valid", *(name for name in TAMPERINGS if name != "chain id")]
)
def test_page_reports_what_the_python_verifier_reports(
    page: VerifyPage, served: Served, tampering: str
) -> None:
    text = served.bundle_text if tampering == "valid" else _tampered(served, TAMPERINGS[tampering])

    shown = page.paste(text).via_rpc(served.rpc_url, confirmations=CONFIRMATIONS).verify()

    assert _rows(shown) == _python_report(served, text)
    assert (shown.status == "valid") == (tampering == "valid")


def test_bundle_naming_another_chain_is_invalid_against_the_pin_and_the_node_cannot_check_it(
    page: VerifyPage, served: Served
) -> None:
    text = _tampered(served, TAMPERINGS["chain id"])

    shown = page.paste(text).via_rpc(served.rpc_url).verify()

    assert (shown.status, shown.headline) == ("invalid", "Invalid")
    assert shown.row("chain id").outcome == "error"  # a node of chain 1337 cannot check chain 1
    assert shown.row("chain id").reason == (
        "not a node of chain 1: the bundle names chain 1 but the node serves chain 1337"
    )
    assert shown.failed() == [PINNED]
    assert shown.row(PINNED).reason == (
        f"the bundle claims registry {served.registry} on chain 1, but the trust root pins "
        f"registry {served.registry.lower()} on chain 1337"
    )


# --- unreachable chain, refused key, missing input -------------------------------------------


def test_unreachable_node_leaves_the_bundle_unverified(page: VerifyPage, served: Served) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    shown = page.paste(served.bundle_text).via_rpc(nowhere).verify()

    assert (shown.status, shown.headline) == ("unverified", "Not verifiable")
    assert shown.row("chain id").outcome == "error"
    assert shown.row("chain id").reason.startswith(f"chain unreachable: cannot reach {nowhere}")
    assert [row.outcome for row in shown.rows[6:]] == ["skipped"] * 4


def test_refused_api_key_leaves_the_bundle_unverified_and_says_why(
    page: VerifyPage, served: Served
) -> None:
    shown = page.paste(served.bundle_text).via_api("ak_not-a-key").verify()

    assert shown.status == "unverified"
    reason = shown.row("chain id").reason
    assert reason.startswith("the API answered 401") and "auditor or admin API key" in reason


def test_missing_rpc_url_is_asked_for_before_anything_runs(
    page: VerifyPage, served: Served
) -> None:
    shown = page.paste(served.bundle_text).via_nodes([]).verify()

    assert shown.form_error == "Enter the JSON-RPC URL of a node of the bundle's chain."
    assert shown.status == ""


def test_missing_api_key_is_asked_for(page: VerifyPage, served: Served) -> None:
    shown = page.paste(served.bundle_text).choose("api").verify()

    assert shown.form_error == "Enter an API key with the auditor or admin role."


def test_empty_box_asks_for_a_bundle(page: VerifyPage) -> None:
    shown = page.choose("offline").verify()

    assert shown.form_error == "Paste a proof bundle or choose a file first."


# --- malformed input -----------------------------------------------------------------------


def test_malformed_json_is_reported_with_line_and_column(page: VerifyPage, served: Served) -> None:
    broken = served.bundle_text.replace('"leaf": {', '"leaf": {,', 1)
    shown = page.paste(broken).choose("offline").verify()

    assert (shown.status, shown.headline) == ("malformed", "Not a proof bundle")
    reason = shown.row("bundle format").reason
    assert reason.startswith('not valid JSON: unexpected character ","'), reason
    assert "at line 1, column" in reason
    assert [row.outcome for row in shown.rows] == ["failed"] + ["skipped"] * 9


def test_bundle_breaking_the_format_names_the_field(page: VerifyPage, served: Served) -> None:
    bundle = served.bundle()
    bundle["inclusion"]["path"][2] = bundle["inclusion"]["path"][2].upper()
    shown = page.paste(json.dumps(bundle)).via_rpc(served.rpc_url).verify()

    assert shown.status == "malformed"
    assert shown.verdict == (
        "not a valid proof bundle: inclusion.path.2: must be 64 lower-case hex digits"
    )


def test_duplicate_keys_are_refused_as_the_python_verifier_refuses_them(
    page: VerifyPage, served: Served
) -> None:
    text = served.bundle_text.replace('"entry": {', '"entry": {"salt": "00", ', 1)
    shown = page.paste(text).choose("offline").verify()

    assert shown.status == "malformed"
    assert 'duplicate key "salt" in a JSON object' in shown.row("bundle format").reason


# --- loading a file ------------------------------------------------------------------------


def test_chosen_file_is_loaded_into_the_box(
    page: VerifyPage, served: Served, tmp_path: Path
) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(served.bundle_text, encoding="utf-8")

    page.driver.find_element("id", "bundle-file").send_keys(str(path))
    page.wait_for_file_status("Loaded bundle.json")

    assert page.bundle_text() == served.bundle_text
    assert page.via_rpc(served.rpc_url).verify().status == "valid"


def test_dropped_file_is_loaded_into_the_box(browser: Chrome, served: Served) -> None:
    page = VerifyPage.open(browser, served.base_url)
    browser.execute_script(
        "const transfer = new DataTransfer();"
        "transfer.items.add(new File([arguments[0]], 'dropped.json', {type: 'application/json'}));"
        "document.getElementById('drop-zone').dispatchEvent("
        "  new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));",
        served.bundle_text,
    )
    page.wait_for_file_status("Loaded dropped.json")

    assert page.bundle_text() == served.bundle_text


# --- the browser's own crypto --------------------------------------------------------------


def test_page_without_webcrypto_says_to_open_it_over_https(
    page: VerifyPage, served: Served
) -> None:
    page.driver.execute_script(
        "Object.defineProperty(globalThis.crypto, 'subtle', {value: undefined});"
    )
    shown = page.paste(served.bundle_text).choose("offline").verify()

    assert shown.form_error.startswith("Could not verify: this browser offers no WebCrypto")
    assert "HTTPS or from localhost" in shown.form_error
