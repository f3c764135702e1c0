"""Issue 13's forgery on a real ganache: rejected by the CLI and the API once a trust root
is pinned; never valid without one; several nodes that disagree are reported as such.

The CLI runs as the installed ``anchor-service`` executable (a real process) for the
cases the issue names, in-process for the variations.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from anchor_service.api import create_app
from anchor_service.api.routers import proofs
from anchor_service.db.models import Role
from anchor_service.db.session import Database
from anchor_service.dev import DevChain, free_port
from anchor_service.settings import Settings
from anchor_service.tlog import parse_policy
from anchor_service.verifier import TrustRoot, parse_bundle, verify_bundle
from anchor_service.verifier.onchain import REGISTRY_CLIENTS
from tests.service.anchored_log.forgery import FORGED_AMOUNT

from .forgery import FORGED_INDEX, LOG_ORIGIN, Forgery, LogKeys
from .test_cli_verify import cli, run, write

URL = "/v1/proofs/verify"
NOWHERE = "http://127.0.0.1:1"  # the node the settings name: never asked offline
Auth = Callable[[Role], dict[str, str]]


def bundle_file(tmp_path: Path, document: dict[str, object], name: str) -> str:
    return str(write(tmp_path, document, name))


def forged_file(forgery: Forgery, tmp_path: Path) -> str:
    document = forgery.forged_bundle().to_json()
    assert document["entry"]["postings"][1]["amount"] == str(FORGED_AMOUNT)
    return bundle_file(tmp_path, document, "forged.json")


def policy_file(tmp_path: Path, text: str, name: str = "auditor.policy") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def assert_names_both_registries(text: str, forgery: Forgery) -> None:
    assert f"the bundle claims registry {forgery.forged_registry} on chain 1337" in text, text
    assert f"pins registry {forgery.genuine_registry.lower()} on chain 1337" in text, text


def assert_exit(result: subprocess.CompletedProcess[str], code: int) -> None:
    assert result.returncode == code, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr


# --- the CLI ------------------------------------------------------------------------------


def test_forged_bundle_passes_every_check_that_reads_the_registry_it_names(
    forgery: Forgery, devchain: DevChain, tmp_path: Path
) -> None:
    """The attack works against the unpinned checks: that is why unpinned is never valid."""
    result = cli(["verify", forged_file(forgery, tmp_path), "--rpc", devchain.rpc_url,
                  "--min-confirmations", "1", "--json"], tmp_path)  # fmt: skip
    assert_exit(result, 3)
    report = json.loads(result.stdout)
    assert (report["valid"], report["status"], report["trust_root"]) == (False, "unpinned", None)
    failed = [check["name"] for check in report["checks"] if check["outcome"] == "failed"]
    assert failed == []
    assert report["claim"] == f"registry {forgery.forged_registry} on chain 1337"


def test_forged_bundle_is_invalid_with_a_policy_naming_both_registries(
    forgery: Forgery, devchain: DevChain, tmp_path: Path
) -> None:
    policy = policy_file(tmp_path, forgery.keys.policy((1337, forgery.genuine_registry)))
    result = cli(["verify", forged_file(forgery, tmp_path), "--policy", policy, "--rpc",
                  devchain.rpc_url, "--min-confirmations", "1"], tmp_path)  # fmt: skip
    assert_exit(result, 1)
    last = result.stdout.splitlines()[-1]
    assert last.startswith("INVALID: failed pinned registry: ")
    assert_names_both_registries(last, forgery)
    assert f"trust root: registry {forgery.genuine_registry.lower()} on chain 1337" in (
        result.stdout
    )


def test_forged_bundle_is_invalid_with_registry_naming_both(
    forgery: Forgery, devchain: DevChain, tmp_path: Path
) -> None:
    result = cli(["verify", forged_file(forgery, tmp_path), "--registry",
                  forgery.genuine_registry, "--rpc", devchain.rpc_url, "--min-confirmations",
                  "1", "--json"], tmp_path)  # fmt: skip
    assert_exit(result, 1)
    report = json.loads(result.stdout)
    assert (report["valid"], report["status"]) == (False, "invalid")
    assert_names_both_registries(report["verdict"], forgery)


def test_forged_bundle_is_invalid_offline_too_when_the_policy_pins_a_registry(
    forgery: Forgery, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = policy_file(tmp_path, forgery.keys.policy((1337, forgery.genuine_registry)))
    assert run([forged_file(forgery, tmp_path), "--policy", policy, "--offline"], NOWHERE) == 1
    assert_names_both_registries(capsys.readouterr().out, forgery)


@pytest.mark.parametrize("pin", ["policy", "registry"])
def test_genuine_bundle_is_valid_with_a_policy_and_with_registry(
    pin: str, forgery: Forgery, devchain: DevChain, tmp_path: Path
) -> None:
    bundle = forgery.genuine_bundle(checkpoint=False).to_json()
    assert bundle["entry"]["postings"][1]["amount"] == "150000"
    argv = ["verify", bundle_file(tmp_path, bundle, "genuine.json"), "--rpc", devchain.rpc_url,
            "--min-confirmations", "1"]  # fmt: skip
    if pin == "policy":
        text = forgery.keys.policy((1337, forgery.genuine_registry.lower()), witnessed=False)
        argv += ["--policy", policy_file(tmp_path, text)]
    else:
        argv += ["--registry", forgery.genuine_registry.lower()]  # any case: same address
    result = cli(argv, tmp_path)
    assert_exit(result, 0)
    assert result.stdout.splitlines()[-1] == "VALID: every check passed"


def test_genuine_bundle_offline_is_valid_by_its_signed_cosigned_checkpoint(
    forgery: Forgery, tmp_path: Path
) -> None:
    policy = policy_file(tmp_path, forgery.keys.policy((1337, forgery.genuine_registry)))
    path = bundle_file(tmp_path, forgery.genuine_bundle().to_json(), "genuine.json")
    result = cli(["verify", path, "--policy", policy, "--offline", "--json"], tmp_path)
    assert_exit(result, 0)
    report = json.loads(result.stdout)
    assert (report["valid"], report["status"]) == (True, "valid")
    assert report["verdict"] == "every check passed (offline: signed checkpoint only)"
    checkpoint = next(c for c in report["checks"] if c["name"] == "signed checkpoint")
    assert checkpoint["reason"] == (
        f"signed by log {forgery.keys.log_vkey.split('+')[0]}, cosigned by W1 (quorum W1 met); "
        f"tree size {forgery.genuine_anchor.tree_size} and root = inclusion.root"
    )


def test_checkpoint_without_the_witness_quorum_is_invalid(
    forgery: Forgery, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = policy_file(tmp_path, forgery.keys.policy())
    document = forgery.genuine_bundle().to_json()
    head = forgery.genuine_anchor
    document["checkpoint"] = forgery.keys.checkpoint(head.tree_size, head.root, cosigned=False)
    assert run([bundle_file(tmp_path, document, "b.json"), "--policy", policy, "--offline"],
               NOWHERE) == 1  # fmt: skip
    out = capsys.readouterr().out
    assert "does not satisfy quorum 'W1' (cosigned by no policy witness)" in out


def test_checkpoint_of_another_log_key_is_invalid(
    forgery: Forgery, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = LogKeys.generate()  # the attacker's own log key, same origin name
    policy = policy_file(tmp_path, forgery.keys.policy())
    document = forgery.forged_bundle().to_json()
    head = forgery.forged_anchor
    document["checkpoint"] = other.checkpoint(head.tree_size, head.root)
    assert run([bundle_file(tmp_path, document, "b.json"), "--policy", policy, "--offline"],
               NOWHERE) == 1  # fmt: skip
    assert "not signed by any log in the policy" in capsys.readouterr().out


def test_genuine_checkpoint_on_the_forged_bundle_is_invalid(
    forgery: Forgery, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = policy_file(tmp_path, forgery.keys.policy())  # no registry: the checkpoint only
    document = forgery.forged_bundle().to_json()
    document["checkpoint"] = forgery.genuine_bundle().checkpoint
    assert run([bundle_file(tmp_path, document, "b.json"), "--policy", policy, "--offline"],
               NOWHERE) == 1  # fmt: skip
    out = capsys.readouterr().out
    assert "the signed checkpoint is not the tree of the inclusion proof: root" in out


def test_stripped_redacted_bundle_is_redacted_exit_4(
    forgery: Forgery, devchain: DevChain, tmp_path: Path
) -> None:
    document = forgery.genuine_bundle(checkpoint=False).to_json()
    document.update(entry=None, redacted=True)
    path = bundle_file(tmp_path, document, "stripped.json")
    argv = ["verify", path, "--registry", forgery.genuine_registry, "--rpc", devchain.rpc_url,
            "--min-confirmations", "1"]  # fmt: skip
    result = cli(argv, tmp_path)
    assert_exit(result, 4)
    assert result.stdout.splitlines()[-1] == (
        f"REDACTED: a leaf exists at index {FORGED_INDEX}; its content was erased; the bundle "
        "names no redaction record"
    )
    assert_exit(cli([*argv, "--allow-redacted"], tmp_path), 0)
    assert_exit(cli(["verify", path, "--rpc", devchain.rpc_url], tmp_path), 3)


# --- several nodes ------------------------------------------------------------------------


def test_two_nodes_that_disagree_leave_the_bundle_unverified_naming_them(
    forgery: Forgery, devchain: DevChain, other_ganache: DevChain, tmp_path: Path
) -> None:
    path = bundle_file(tmp_path, forgery.genuine_bundle().to_json(), "genuine.json")
    result = cli(["verify", path, "--registry", forgery.genuine_registry, "--rpc",
                  devchain.rpc_url, "--rpc", other_ganache.rpc_url, "--min-confirmations", "1"],
                 tmp_path)  # fmt: skip
    assert_exit(result, 5)
    last = result.stdout.splitlines()[-1]
    assert last == (
        f"UNVERIFIED: chain read failed: nodes disagree on contract code at "
        f"{forgery.genuine_registry}: {devchain.rpc_url}: a contract; "
        f"{other_ganache.rpc_url}: no contract"
    )
    # One node of the two is not a quorum when the other says otherwise.
    one = cli(["verify", path, "--registry", forgery.genuine_registry, "--rpc",
               devchain.rpc_url, "--rpc", other_ganache.rpc_url, "--rpc-quorum", "1"],
              tmp_path)  # fmt: skip
    assert_exit(one, 5)
    assert "nodes disagree on contract code" in one.stdout


def test_two_urls_of_the_same_chain_agree(
    forgery: Forgery, devchain: DevChain, tmp_path: Path
) -> None:
    path = bundle_file(tmp_path, forgery.genuine_bundle().to_json(), "genuine.json")
    same = devchain.rpc_url.replace("127.0.0.1", "localhost")
    argv = ["verify", path, "--registry", forgery.genuine_registry, "--rpc", devchain.rpc_url,
            "--rpc", same, "--min-confirmations", "1"]  # fmt: skip
    result = cli(argv, tmp_path)
    assert_exit(result, 0)


def test_a_quorum_of_two_of_three_outvotes_a_node_that_is_down(
    forgery: Forgery, devchain: DevChain, tmp_path: Path
) -> None:
    path = bundle_file(tmp_path, forgery.genuine_bundle().to_json(), "genuine.json")
    down = f"http://127.0.0.1:{free_port()}"
    same = devchain.rpc_url.replace("127.0.0.1", "localhost")
    argv = ["verify", path, "--registry", forgery.genuine_registry, "--rpc", devchain.rpc_url,
            "--rpc", same, "--rpc", down, "--min-confirmations", "1"]  # fmt: skip
    result = cli([*argv, "--rpc-quorum", "2"], tmp_path)
    assert_exit(result, 0)
    assert f"note: outvoted nodes on the chain id: {down}: " in result.stderr
    everyone = cli(argv, tmp_path)  # default quorum: all three
    assert_exit(everyone, 5)
    assert "fewer than 3 of 3 nodes answered the chain id" in everyone.stdout


# --- the API ------------------------------------------------------------------------------


@pytest.fixture
def genuine_service(
    make_settings: Callable[..., Settings], devchain: DevChain, forgery: Forgery
) -> Settings:
    return make_settings(
        rpc_url=devchain.rpc_url, confirmations=1, registry_address=forgery.genuine_registry
    )


def test_api_rejects_the_forged_bundle_and_accepts_the_genuine_one(
    genuine_service: Settings, database: Database, auth: Auth, forgery: Forgery
) -> None:
    with TestClient(create_app(genuine_service, database)) as client:
        forged = client.post(URL, json=forgery.forged_bundle().to_json(),
                             headers=auth(Role.AUDITOR))  # fmt: skip
        genuine = client.post(URL, json=forgery.genuine_bundle().to_json(),
                              headers=auth(Role.AUDITOR))  # fmt: skip
    assert forged.status_code == 200, forged.text
    body = forged.json()
    assert (body["valid"], body["status"]) == (False, "invalid")
    assert body["trust_root"] == (
        f"registry {forgery.genuine_registry.lower()} on chain 1337 (this service's)"
    )
    assert_names_both_registries(body["verdict"], forgery)
    assert (genuine.json()["valid"], genuine.json()["status"]) == (True, "valid")


def test_api_without_a_configured_registry_is_never_valid(
    make_settings: Callable[..., Settings],
    devchain: DevChain,
    database: Database,
    auth: Auth,
    forgery: Forgery,
    tmp_path: Path,
) -> None:
    settings = make_settings(rpc_url=devchain.rpc_url, confirmations=1,
                             deployment_file=tmp_path / "none.json")  # fmt: skip
    with TestClient(create_app(settings, database)) as client:
        response = client.post(URL, json=forgery.genuine_bundle().to_json(),
                               headers=auth(Role.AUDITOR))  # fmt: skip
    body = response.json()
    assert (body["valid"], body["status"], body["trust_root"]) == (False, "unpinned", None)


def test_api_registry_clients_stay_bounded_however_many_registries_are_posted(
    genuine_service: Settings, database: Database, auth: Auth, forgery: Forgery
) -> None:
    view = proofs._chain_view(genuine_service.rpc_url)
    with TestClient(create_app(genuine_service, database)) as client:
        for number in range(3 * REGISTRY_CLIENTS):
            document = forgery.forged_bundle().to_json()
            document["anchor"]["registry"] = f"0x{number + 1:040x}"
            response = client.post(URL, json=document, headers=auth(Role.AUDITOR))
            assert response.json()["status"] == "invalid"
            assert view.cached_registries <= REGISTRY_CLIENTS
    assert view.cached_registries == REGISTRY_CLIENTS


def test_api_checks_a_signed_checkpoint_with_the_service_log_key(
    make_settings: Callable[..., Settings],
    devchain: DevChain,
    database: Database,
    auth: Auth,
    forgery: Forgery,
) -> None:
    settings = make_settings(rpc_url=devchain.rpc_url, confirmations=1,
                             registry_address=forgery.genuine_registry,
                             log_key=forgery.keys.log_skey, log_origin=LOG_ORIGIN)  # fmt: skip
    other = LogKeys.generate()
    forged = forgery.genuine_bundle().to_json()
    head = forgery.genuine_anchor
    forged["checkpoint"] = other.checkpoint(head.tree_size, head.root)
    with TestClient(create_app(settings, database)) as client:
        genuine = client.post(URL, json=forgery.genuine_bundle().to_json(),
                              headers=auth(Role.AUDITOR)).json()  # fmt: skip
        signed_by_another = client.post(URL, json=forged, headers=auth(Role.AUDITOR)).json()
    assert genuine["trust_root"] == (
        f"registry {forgery.genuine_registry.lower()} on chain 1337, log {LOG_ORIGIN} "
        "(this service's)"
    )
    assert (genuine["status"], genuine["checks"][3]["name"]) == ("valid", "signed checkpoint")
    assert genuine["checks"][3]["outcome"] == "passed"
    assert (signed_by_another["status"], signed_by_another["verdict"]) == (
        "invalid", "failed signed checkpoint"
    )  # fmt: skip
    assert "not signed by any log in the policy" in signed_by_another["checks"][3]["reason"]


@pytest.mark.parametrize(
    "checkpoint",
    ["\ud800", "not a note", "example.com/log\n5\n\n— x AAAA\n", "a\n" * 10_000],
)
def test_a_garbage_checkpoint_fails_its_check_and_nothing_else(
    checkpoint: str, forgery: Forgery
) -> None:
    document = forgery.genuine_bundle().to_json()
    document["checkpoint"] = checkpoint
    trust = TrustRoot.from_policy(parse_policy(forgery.keys.policy()), "test")
    report = verify_bundle(parse_bundle(document), None, min_confirmations=0, trust=trust)
    assert report.status.value == "invalid"
    assert [c.name for c in report.checks if c.outcome.value == "failed"] == ["signed checkpoint"]
