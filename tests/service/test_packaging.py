"""Dockerfile, Dockerfile.ganache, compose.yaml and .dockerignore stay consistent with
the package: every `anchor-service` command they run parses with the real CLI, the
stack has its services wired in order, and the image holds what the package needs.

The verifier-only install (``pip install .``, the command docs/auditing.md gives auditors)
is made for real in a fresh venv: it has none of the server's dependencies, and its
``anchor-service verify`` checks a real bundle, offline and against the test chain."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from verifier.anchored import FIRST_HEAD, AnchoredLog, anchor_head, make_entries
from web3 import Web3
from web3.types import Wei

from anchor_service.chain import RegistryClient, Signer, deploy_registry
from anchor_service.cli.main import build_parser
from anchor_service.dev import DEV_ACCOUNT_KEYS, DevChain
from anchor_service.settings import Settings
from anchor_service.verifier import CHAIN_CHECKS, TRUST_CHECKS
from tests.support.ci import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
GANACHE_DOCKERFILE = (ROOT / "Dockerfile.ganache").read_text(encoding="utf-8")
DOCKERIGNORE = (ROOT / ".dockerignore").read_text(encoding="utf-8")
ANCHOR_SERVICES = ("migrate", "deploy", "api", "scheduler")
#: Settings compose.yaml names that arrive with another branch of issue 16 (the read
#: replicas); the set empties itself once they are settings here.
PENDING_SETTINGS = {"ANCHOR_DATABASE_READ_URL"} - {
    f"ANCHOR_{name.upper()}" for name in Settings.model_fields
}

try:
    import yaml
except ImportError:
    skip_or_fail("PyYAML missing", must_run="the compose.yaml checks", allow_module_level=True)


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    return data


def _instruction(name: str, text: str = DOCKERFILE) -> list[str]:
    """The JSON-array arguments of every ``name`` instruction, in order."""
    return re.findall(rf"^{name} (\[.*\])$", text, re.MULTILINE)


def _parses(args: list[str]) -> None:
    try:
        build_parser().parse_args(args)
    except SystemExit as exc:
        pytest.fail(f"`anchor-service {shlex.join(args)}` does not parse: exit {exc.code}")


def test_dockerfile_builds_a_wheel_into_a_venv_and_runs_unprivileged() -> None:
    stages = re.findall(r"^FROM (\S+)", DOCKERFILE, re.MULTILINE)
    assert stages == ["python:3.11-slim", "python:3.11-slim"]
    assert "pip wheel" in DOCKERFILE and "COPY --from=build /opt/anchor-service" in DOCKERFILE
    users = re.findall(r"^USER (\S+)$", DOCKERFILE, re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}
    instructions = [line for line in DOCKERFILE.splitlines() if not line.startswith("#")]
    assert not [line for line in instructions if re.search(r"\b(node|npm|npx)\b", line)]


def test_dockerfile_entrypoint_and_default_command_parse() -> None:
    assert _instruction("ENTRYPOINT") == ['["anchor-service"]']
    (cmd,) = _instruction("CMD")
    args = yaml.safe_load(cmd)
    assert args[:3] == ["serve", "--host", "0.0.0.0"]
    _parses(args)


def test_dockerfile_health_check_asks_healthz() -> None:
    match = re.search(r"^HEALTHCHECK .*\n\s+CMD (\[.*\])$", DOCKERFILE, re.MULTILINE)
    assert match is not None
    assert "/healthz" in match.group(1)


def test_dockerignore_sends_only_the_package_and_keeps_secrets_out() -> None:
    lines = [line for line in DOCKERIGNORE.splitlines() if line and not line.startswith("#")]
    assert lines[0] == "*"
    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE, re.MULTILINE)
    for sources in copied:
        for source in sources.split():
            assert f"!{source.rstrip('/')}" in {line.rstrip("/") for line in lines}, source
            assert (ROOT / source).exists(), source
    assert "**/.env" in lines
    # the contract artifact and the migrations are package data, so the wheel has them
    assert (ROOT / "anchor_service/chain/artifacts/AnchorRegistry.json").is_file()
    assert (ROOT / "anchor_service/chain/artifacts/AnchorRegistryV2.json").is_file()


def test_ganache_image_pins_the_ganache_of_package_json() -> None:
    package_json = (ROOT / "package.json").read_text(encoding="utf-8")
    pinned = re.search(r'"ganache":\s*"([^"]+)"', package_json)
    assert pinned is not None
    assert f"ganache@{pinned.group(1)}" in GANACHE_DOCKERFILE
    assert re.search(r"^FROM node:20-slim$", GANACHE_DOCKERFILE, re.MULTILINE)


def test_compose_has_the_stack_in_dependency_order() -> None:
    services = _compose()["services"]
    assert set(services) == {
        "postgres", "postgres-replica", "pgbouncer", "ganache", *ANCHOR_SERVICES
    }  # fmt: skip
    assert services["postgres"]["image"] == "postgres:15"
    assert "healthcheck" in services["postgres"]
    depends = {name: services[name].get("depends_on", {}) for name in ANCHOR_SERVICES}
    assert depends["migrate"]["pgbouncer"]["condition"] == "service_healthy"
    assert services["pgbouncer"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert depends["deploy"]["ganache"]["condition"] == "service_healthy"
    for name in ("api", "scheduler"):
        for before in ("migrate", "deploy"):
            assert depends[name][before]["condition"] == "service_completed_successfully"


def test_compose_ganache_is_the_dev_chain() -> None:
    ganache = _compose()["services"]["ganache"]
    args = [str(arg) for arg in ganache["command"]]
    assert "--wallet.deterministic" in args
    assert args[args.index("--chain.chainId") + 1] == "1337"
    assert args[args.index("--chain.hardfork") + 1] == "shanghai"
    assert "--miner.blockTime" in args
    database = args[args.index("--database.dbPath") + 1]
    assert any(volume.endswith(f":{database}") for volume in ganache["volumes"])


def test_compose_commands_are_real_anchor_service_commands() -> None:
    services = _compose()["services"]
    for name in ANCHOR_SERVICES:
        service = services[name]
        command = service["command"]
        if "entrypoint" in service:
            # a shell around the command (deploy): every `anchor-service ...` in it parses
            invocations = re.findall(r"anchor-service ([^;&|]+)", " ".join(command))
            assert invocations, name
            for invocation in invocations:
                _parses(shlex.split(invocation))
        else:
            _parses([str(arg) for arg in command])
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert "anchor-service deploy" in services["deploy"]["command"][0]
    assert services["api"]["command"][0] == "serve"
    assert services["scheduler"]["command"] == ["scheduler"]


def test_compose_environment_names_real_settings() -> None:
    known = {f"ANCHOR_{name.upper()}" for name in Settings.model_fields} | PENDING_SETTINGS
    for name in ANCHOR_SERVICES:
        environment = _compose()["services"][name]["environment"]
        unknown = set(environment) - known
        assert not unknown, f"{name}: {unknown}"
        assert environment["ANCHOR_CHAIN_ID"] == "1337"
        assert environment["ANCHOR_RPC_URL"] == "http://ganache:8545"
        assert environment["ANCHOR_DATABASE_URL"].startswith("postgresql://")


def test_compose_signer_key_is_ganaches_public_test_key_and_says_so() -> None:
    from anchor_service.dev import DEV_ACCOUNT_KEYS

    text = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    environment = _compose()["services"]["scheduler"]["environment"]
    default = re.fullmatch(
        r"\$\{ANCHOR_SIGNER_KEY:-(0x[0-9a-f]{64})\}", environment["ANCHOR_SIGNER_KEY"]
    )
    assert default is not None and default.group(1) == DEV_ACCOUNT_KEYS[0]
    assert "PUBLIC TEST-ONLY KEY" in text


def test_compose_one_shot_services_do_not_restart_or_health_check() -> None:
    services = _compose()["services"]
    for name in ("migrate", "deploy", "scheduler"):
        assert services[name]["healthcheck"] == {"disable": True}, name
    for name in ("migrate", "deploy"):
        assert services[name]["restart"] == "no", name


# --- the verifier-only install, in a fresh venv -------------------------------------

#: The install command docs/auditing.md gives auditors, run in a checkout.
VERIFIER_INSTALL = ["pip", "install", "."]
#: What only the full service (the ``server`` extra) installs.
SERVER_MODULES = ("fastapi", "sqlalchemy", "psycopg", "apscheduler", "alembic", "uvicorn")
LIGHT_INSTALL_TIMEOUT = 1200  # seconds; web3 and its compiled dependencies, pip's cache on


def test_docs_give_the_verifier_install_and_the_server_extra() -> None:
    auditing = (ROOT / "docs" / "auditing.md").read_text(encoding="utf-8")
    assert f"venv/bin/{shlex.join(VERIFIER_INSTALL)}`" in auditing
    installs = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert f"`{shlex.join(VERIFIER_INSTALL)}`" in installs
    assert "`pip install '.[server]'`" in installs
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "-e '.[server,dev]'" in makefile
    assert "[server]" in DOCKERFILE


def _light_env() -> dict[str, str]:
    """The environment for the light venv's commands: no path into this checkout, no
    ANCHOR_* settings of the test run."""
    dropped = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    return {
        name: value
        for name, value in os.environ.items()
        if name not in dropped and not name.startswith("ANCHOR_")
    }


@pytest.fixture(scope="module")
def light_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with this checkout installed by :data:`VERIFIER_INSTALL`.

    The checkout is copied first (what the Dockerfile copies: pyproject.toml, README.md,
    the package), so the build writes nothing into the repository (its ``build/`` is
    Brownie's)."""
    root = tmp_path_factory.mktemp("verifier-install")
    checkout = root / "checkout"
    checkout.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, checkout / name)
    shutil.copytree(
        ROOT / "anchor_service",
        checkout / "anchor_service",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip, *arguments = VERIFIER_INSTALL
    installed = subprocess.run(
        [str(venv / "bin" / pip), *arguments, "--disable-pip-version-check", "--quiet"],
        cwd=checkout,
        env=_light_env(),
        capture_output=True,
        text=True,
        timeout=LIGHT_INSTALL_TIMEOUT,
    )
    assert installed.returncode == 0, installed.stderr[-4000:]
    return venv


def _run(venv: Path, argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / argv[0]), *argv[1:]],
        cwd=cwd,
        env=_light_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def served_bundle(web3: Web3) -> dict[str, Any]:
    """A real proof bundle: entries from the ledger's encoder, two heads anchored on the
    test chain by a fresh account (as tests/service/verifier builds them)."""
    signer = Signer.from_key(Account.create().key.hex())
    funder = Account.from_key(DEV_ACCOUNT_KEYS[9]).address  # unlocked in ganache
    funding = web3.eth.send_transaction({"from": funder, "to": signer.address,
                                         "value": Wei(2 * 10**17)})  # fmt: skip
    web3.eth.wait_for_transaction_receipt(funding, timeout=10)
    registry = RegistryClient(
        web3, deploy_registry(web3, signer, signer.address).address, chain_id=1337
    )
    registry.grant_anchorer(signer, signer.address)
    entries = make_entries(6)
    leaves = [entry.leaf_hash for entry in entries]
    first = anchor_head(registry, signer, leaves, FIRST_HEAD, 0)
    second = anchor_head(registry, signer, leaves, len(leaves), FIRST_HEAD)
    return AnchoredLog(1337, registry.address, entries, (first, second)).bundle_json(5)


def test_verifier_install_has_none_of_the_server_dependencies(light_venv: Path) -> None:
    probe = (
        "import importlib.util, json, sys; "
        "print(json.dumps({name: importlib.util.find_spec(name) is not None "
        "for name in sys.argv[1:]}))"
    )
    found = _run(light_venv, ["python", "-c", probe, *SERVER_MODULES, "web3"], light_venv)
    assert found.returncode == 0, found.stderr
    importable = json.loads(found.stdout)
    print(f"light install importable: {importable}")
    assert importable.pop("web3") is True
    assert not [name for name, present in importable.items() if present]


def test_verifier_install_lists_every_command_and_points_server_ones_to_the_extra(
    light_venv: Path, tmp_path: Path
) -> None:
    listed = _run(light_venv, ["anchor-service", "--help"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    for command in ("verify", "serve", "scheduler", "import", "audit"):
        assert re.search(rf"^ +{command}\b", listed.stdout, re.MULTILINE), command
    assert _run(light_venv, ["anchor-service", "verify", "--help"], tmp_path).returncode == 0
    for argv in (["serve"], ["db", "upgrade"], ["keys", "list"]):
        refused = _run(light_venv, ["anchor-service", *argv], tmp_path)
        print(f"light install: anchor-service {shlex.join(argv)} -> exit {refused.returncode}: "
              f"{refused.stderr.strip()}")  # fmt: skip
        assert refused.returncode == 2
        assert "pip install '.[server]'" in refused.stderr
        assert "Traceback" not in refused.stderr


def test_verifier_install_verifies_a_real_bundle_offline_and_against_the_chain(
    light_venv: Path, served_bundle: dict[str, Any], devchain: DevChain, tmp_path: Path
) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(served_bundle), encoding="utf-8")
    offline = _run(light_venv, ["anchor-service", "verify", str(path), "--offline"], tmp_path)
    print(f"light install, verify --offline -> exit {offline.returncode}:\n{offline.stdout}")
    assert offline.returncode == 3, offline.stderr  # no trust root: never valid
    assert offline.stdout.splitlines()[-2].startswith("UNPINNED")
    as_json = _run(
        light_venv, ["anchor-service", "verify", str(path), "--offline", "--json"], tmp_path
    )
    report = json.loads(as_json.stdout)
    assert (as_json.returncode, report["status"], report["chain_checked"]) == (
        3, "unpinned", False
    )  # fmt: skip
    skipped = [check["name"] for check in report["checks"] if check["outcome"] == "skipped"]
    assert skipped == [*TRUST_CHECKS, *CHAIN_CHECKS]

    registry = served_bundle["anchor"]["registry"]  # deployed by the fixture: known genuine
    online = _run(light_venv, ["anchor-service", "verify", str(path), "--rpc", devchain.rpc_url,
                               "--registry", registry, "--min-confirmations", "1", "--json"],
                  tmp_path)  # fmt: skip
    assert online.returncode == 0, online.stderr
    report = json.loads(online.stdout)
    assert (report["status"], report["chain_checked"]) == ("valid", True)

    tampered_bundle = json.loads(json.dumps(served_bundle))
    tampered_bundle["entry"]["postings"][0]["amount"] = "-1"
    path.write_text(json.dumps(tampered_bundle), encoding="utf-8")
    tampered = _run(light_venv, ["anchor-service", "verify", str(path), "--offline"], tmp_path)
    assert tampered.returncode == 1
    assert tampered.stdout.splitlines()[-1] == "INVALID: failed leaf hash"
