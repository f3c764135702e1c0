"""tlog-proofs (c2sp.org/tlog-proof@v1) on the /verify page, in headless Chromium.

The service (with a log key: every seal signs a checkpoint) serves, through its API, the
tlog-proof of an anchored entry against the checkpoint of the anchored size and against a
later one, and of an entry sealed but not anchored yet. The page sniffs the format, runs
the three tlog-proof checks before the bundle's, and says, check for check and in the
verdict, what ``anchor-service verify`` (run as a process on the same file, with the same
policy) says: offline, through the RPC node, tampered with, and malformed.
"""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium import webdriver
from web3 import Web3

from anchor_service.dev import DevChain
from anchor_service.services.log_identity import create_log_key
from anchor_service.tlog import generate_key
from tests.support.processes import service_command, service_env

from .conftest import CONFIRMATIONS, PROVED, Served, _entry, serve_anchored_log
from .page import Shown, VerifyPage

ORIGIN = "web.test.example/anchor/v1"
TLOG = ("tlog-proof extra", "tlog-proof inclusion", "log signature")


@dataclass(frozen=True)
class TlogServed:
    """The service with a log key, and the tlog-proofs it served."""

    served: Served
    vkey: str  # the log's verifier key
    anchored: str  # entry PROVED, against the checkpoint of the anchored size
    later: str  # entry PROVED, against a later checkpoint (the entries sealed after it)
    pending: str  # an entry sealed after the anchor: not anchored yet
    pending_id: str

    def policy(self, *, registry: bool = True, vkey: str | None = None) -> str:
        lines = [f"log {vkey or self.vkey}"]
        if registry:
            lines.append(f"registry 1337 {self.served.registry}")
        return "\n".join([*lines, "quorum none"]) + "\n"


def _tlog_proof(client: httpx.Client, served: Served, external_id: str) -> str:
    response = client.get(
        f"/v1/entries/{external_id}/proof",
        params={"format": "tlog-proof"},
        headers={"Authorization": f"Bearer {served.auditor_key}"},
    )
    assert response.status_code == 200, response.text
    assert response.text.startswith("c2sp.org/tlog-proof@v1\n"), response.text
    return response.text


@pytest.fixture(scope="module")
def tlog(
    tmp_path_factory: pytest.TempPathFactory, devchain: DevChain, web3: Web3
) -> Iterator[TlogServed]:
    workdir = tmp_path_factory.mktemp("web-tlog-api")
    identity = create_log_key(workdir / "log.key", ORIGIN)
    env = {
        "ANCHOR_LOG_KEY_PATH": str(workdir / "log.key"),
        "ANCHOR_LOG_ORIGIN": ORIGIN,
        "ANCHOR_CHECKPOINT_SECONDS": "0",  # the seals sign the checkpoints
    }
    for served in serve_anchored_log(workdir, devchain, web3, env):
        with httpx.Client(base_url=served.base_url, timeout=30) as client:
            proved = served.external_ids[PROVED]
            anchored = _tlog_proof(client, served, proved)
            admin = {"Authorization": f"Bearer {served.admin_key}"}
            later = [_entry(number) for number in (50, 51)]
            written = client.post("/v1/entries/bulk", json={"entries": later}, headers=admin)
            assert written.status_code in (200, 201), written.text
            sealed = client.post("/v1/admin/seal", headers=admin)
            assert sealed.status_code == 201, sealed.text
            pending_id = later[1]["external_id"]
            yield TlogServed(
                served=served,
                vkey=identity.verifier_key,
                anchored=anchored,
                later=_tlog_proof(client, served, proved),
                pending=_tlog_proof(client, served, pending_id),
                pending_id=pending_id,
            )


@pytest.fixture
def page(browser: webdriver.Chrome, tlog: TlogServed) -> Iterator[VerifyPage]:
    yield VerifyPage.open(browser, tlog.served.base_url)
    browser.execute_script("window.localStorage.clear();")


def _cli(tmp_path: Path, text: str, policy: str | None, *options: str) -> dict[str, Any]:
    """``anchor-service verify FILE [--policy P] OPTIONS --json``, run as a process."""
    proof = tmp_path / "entry.tlog-proof"
    proof.write_text(text, encoding="utf-8")
    argv = ["verify", str(proof), *options, "--json"]
    if policy is not None:
        (tmp_path / "trust.policy").write_text(policy, encoding="utf-8")
        argv += ["--policy", str(tmp_path / "trust.policy")]
    done = subprocess.run(
        service_command(*argv), env=service_env(), capture_output=True, text=True, timeout=120
    )
    assert done.returncode in (0, 1, 3, 4, 5), done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def _cli_error(tmp_path: Path, text: str) -> str:
    proof = tmp_path / "bad.tlog-proof"
    proof.write_text(text, encoding="utf-8")
    done = subprocess.run(
        service_command("verify", str(proof), "--offline"),
        env=service_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done
    return done.stderr.strip()


def _same(shown: Shown, report: dict[str, Any]) -> None:
    """The page says what the CLI says: the verdict, and every check by name, outcome and
    reason (the registry's pin source aside: "your policy" here, the file name there)."""
    assert (shown.status, shown.verdict) == (report["status"], report["verdict"]), (
        shown,
        report,
    )
    rows = [(row.name, row.outcome) for row in shown.rows]
    assert rows == [(c["name"], c["outcome"]) for c in report["checks"]], (shown, report)
    for row, check in zip(shown.rows, report["checks"], strict=True):
        if row.name != "pinned registry":
            assert row.reason.lower() == check["reason"].lower(), (row, check)


def _run(page: VerifyPage, text: str, policy: str | None, rpc_url: str | None) -> Shown:
    page.paste(text)
    if policy is not None:
        page.pin_policy(policy)
    if rpc_url is not None:
        page.via_rpc(rpc_url, CONFIRMATIONS)
    else:
        page.choose("offline")
    return page.verify()


def _options(rpc_url: str | None) -> tuple[str, ...]:
    if rpc_url is None:
        return ("--offline",)
    return ("--rpc", rpc_url, "--min-confirmations", str(CONFIRMATIONS))


@pytest.mark.parametrize("which", ["anchored", "later", "pending"])
@pytest.mark.parametrize("mode", ["offline", "rpc"])
def test_served_tlog_proofs_are_valid_as_the_cli_says(
    page: VerifyPage, tlog: TlogServed, tmp_path: Path, which: str, mode: str
) -> None:
    text = getattr(tlog, which)
    rpc_url = tlog.served.rpc_url if mode == "rpc" else None
    shown = _run(page, text, tlog.policy(), rpc_url)
    report = _cli(tmp_path, text, tlog.policy(), *_options(rpc_url))

    assert shown.status == "valid", shown
    assert [row.name for row in shown.rows][:3] == list(TLOG)
    assert shown.row("log signature").reason == (
        f"signed by the policy's log {ORIGIN}, cosigned by no witness"
    )
    _same(shown, report)
    if which == "pending":
        assert shown.row("anchor transaction").reason == (
            "not anchored yet: the proof holds no anchor"
        )
        assert tlog.pending_id in page.driver.find_element("id", "summary").text
    elif mode == "rpc":
        assert shown.row("anchor transaction").outcome == "passed"
    page.screenshot(f"/tmp/verify-page-tlog-{which}-{mode}.png")


def _extra(text: str) -> dict[str, Any]:
    line = text.split("\n")[1]
    assert line.startswith("extra ")
    decoded: dict[str, Any] = json.loads(base64.b64decode(line.removeprefix("extra ")))
    return decoded


def _with_extra(text: str, document: dict[str, Any]) -> str:
    lines = text.split("\n")
    encoded = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    lines[1] = "extra " + base64.b64encode(encoded).decode()
    return "\n".join(lines)


def _forged_amount(text: str) -> str:
    document = _extra(text)
    posting = document["entry"]["postings"][1]
    posting["amount"] = str(int(posting["amount"]) + 1)
    return _with_extra(text, document)


def _flipped_proof_hash(text: str) -> str:
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("index ")) + 1
    raw = bytearray(base64.b64decode(lines[at]))
    raw[0] ^= 1
    lines[at] = base64.b64encode(bytes(raw)).decode()
    return "\n".join(lines)


def _other_index(text: str) -> str:
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("index "))
    lines[at] = f"index {int(lines[at].removeprefix('index ')) + 1}"
    return "\n".join(lines)


# The tampering, and the check that catches it in the later proof (an anchored bundle in
# its extra line) and in the pending one (its extra holds the entry and leaf only: another
# index is caught by the inclusion proof, which then starts from the wrong position).
TAMPERINGS = {
    "amount": (_forged_amount, {"later": "leaf hash", "pending": "leaf hash"}),
    "proof hash": (
        _flipped_proof_hash,
        {"later": "tlog-proof inclusion", "pending": "tlog-proof inclusion"},
    ),
    "index": (_other_index, {"later": "tlog-proof extra", "pending": "tlog-proof inclusion"}),
}


@pytest.mark.parametrize("which", ["later", "pending"])
@pytest.mark.parametrize("tampering", sorted(TAMPERINGS))
def test_tampered_tlog_proofs_are_invalid_as_the_cli_says(
    page: VerifyPage, tlog: TlogServed, tmp_path: Path, tampering: str, which: str
) -> None:
    tamper, caught = TAMPERINGS[tampering]
    text = tamper(getattr(tlog, which))
    shown = _run(page, text, tlog.policy(), None)
    report = _cli(tmp_path, text, tlog.policy(), "--offline")

    assert shown.status == "invalid", shown
    assert caught[which] in shown.failed(), shown
    _same(shown, report)


def test_a_log_key_the_auditor_does_not_trust_fails_the_log_signature(
    page: VerifyPage, tlog: TlogServed, tmp_path: Path
) -> None:
    _, stranger = generate_key(ORIGIN)
    policy = tlog.policy(registry=False, vkey=stranger)
    shown = _run(page, tlog.pending, policy, None)
    report = _cli(tmp_path, tlog.pending, policy, "--offline")

    assert shown.status == "invalid" and shown.failed() == ["log signature"], shown
    _same(shown, report)


def test_without_a_trust_root_a_tlog_proof_is_not_verified(
    page: VerifyPage, tlog: TlogServed, tmp_path: Path
) -> None:
    for text in (tlog.pending, tlog.later):
        shown = _run(page, text, None, None)
        report = _cli(tmp_path, text, None, "--offline")
        assert shown.status == "unpinned", shown
        assert shown.row("log signature").outcome == "skipped"
        _same(shown, report)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t.replace("\n\n", "\n", 1),  # no blank line before the checkpoint
        lambda t: t.replace("\nindex ", "\nindx ", 1),
        lambda t: "\n".join(line for line in t.split("\n") if not line.startswith("extra ")),
    ],
    ids=["no blank line", "index line", "no extra line"],
)
def test_malformed_tlog_proofs_are_refused_with_the_cli_reason(
    page: VerifyPage, tlog: TlogServed, tmp_path: Path, mangle: Any
) -> None:
    text = mangle(tlog.pending)
    shown = _run(page, text, tlog.policy(), None)
    error = _cli_error(tmp_path, text)

    assert shown.status == "malformed", shown
    reason = shown.row("bundle format").reason
    assert error.endswith(f"is not a valid proof bundle: {reason}"), (error, reason)
    assert {row.outcome for row in shown.rows[1:]} == {"skipped"}


def test_an_anchored_tlog_proof_is_checked_on_chain_through_the_api(
    page: VerifyPage, tlog: TlogServed
) -> None:
    """In API mode the page sends the extra line's bundle (the JSON the API reads)."""
    page.paste(tlog.later).pin_policy(tlog.policy()).via_api(tlog.served.auditor_key)
    shown = page.verify()

    assert shown.status == "valid", shown
    assert [row.name for row in shown.rows][:3] == list(TLOG)
    assert shown.row("anchor transaction").outcome == "passed"
    assert shown.row("anchor transaction").source != "browser"
