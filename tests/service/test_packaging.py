"""Dockerfile, Dockerfile.ganache, compose.yaml and .dockerignore stay consistent with
the package: every `anchor-service` command they run parses with the real CLI, the
stack has its services wired in order, and the image holds what the package needs."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from anchor_service.cli.main import build_parser
from anchor_service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
GANACHE_DOCKERFILE = (ROOT / "Dockerfile.ganache").read_text(encoding="utf-8")
DOCKERIGNORE = (ROOT / ".dockerignore").read_text(encoding="utf-8")
ANCHOR_SERVICES = ("migrate", "deploy", "api", "scheduler")

yaml = pytest.importorskip("yaml")


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


def test_ganache_image_pins_the_ganache_of_package_json() -> None:
    package_json = (ROOT / "package.json").read_text(encoding="utf-8")
    pinned = re.search(r'"ganache":\s*"([^"]+)"', package_json)
    assert pinned is not None
    assert f"ganache@{pinned.group(1)}" in GANACHE_DOCKERFILE
    assert re.search(r"^FROM node:20-slim$", GANACHE_DOCKERFILE, re.MULTILINE)


def test_compose_has_the_stack_in_dependency_order() -> None:
    services = _compose()["services"]
    assert set(services) == {"postgres", "ganache", *ANCHOR_SERVICES}
    assert services["postgres"]["image"] == "postgres:15"
    assert "healthcheck" in services["postgres"]
    depends = {name: services[name].get("depends_on", {}) for name in ANCHOR_SERVICES}
    assert depends["migrate"]["postgres"]["condition"] == "service_healthy"
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
    known = {f"ANCHOR_{name.upper()}" for name in Settings.model_fields}
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
