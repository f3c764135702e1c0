"""The README stays true: its configuration table is the one generated from Settings,
every `anchor-service` command it shows exists (and parses, in shell blocks), every HTTP
route it names is served, and the five-minute tour covers what a newcomer needs."""

from __future__ import annotations

import argparse
import importlib.util
import re
import shlex
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

from anchor_service.api import create_app
from anchor_service.cli.main import build_parser
from anchor_service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^[ \t]*```([\w-]*)\n(.*?)^[ \t]*```", re.MULTILINE | re.DOTALL)
ROUTE = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE) (/[A-Za-z0-9_/{}.-]*[A-Za-z0-9_}])")
SHELL_STOPS = {"|", "||", "&&", ";", ">", ">>", "<", "2>", "2>&1", "&"}


def _settings_table_module() -> ModuleType:
    path = ROOT / "scripts" / "settings_table.py"
    spec = importlib.util.spec_from_file_location("settings_table", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def command_path(words: list[str]) -> tuple[list[str], bool]:
    """The sub-command names at the start of ``words`` and whether they name a command
    of ``anchor-service`` (a group such as ``keys`` needs one of its commands too)."""
    parser = build_parser()
    path: list[str] = []
    for word in words:
        choices = _subcommands(parser)
        if not choices or word not in choices:
            break
        path.append(word)
        parser = choices[word]
    return path, bool(path) and not _subcommands(parser)


def shell_invocations(block: str) -> list[list[str]]:
    """The arguments after each ``anchor-service`` in a shell block, up to the first
    shell operator."""
    found: list[list[str]] = []
    for line in block.replace("\\\n", " ").splitlines():
        if "anchor-service" not in line:
            continue
        words = shlex.split(line[line.index("anchor-service") :], comments=True)
        args: list[str] = []
        for arg in words[1:]:
            if arg in SHELL_STOPS:
                break
            args.append(arg)
        found.append(args)
    return found


def test_configuration_table_is_generated_from_settings() -> None:
    module = _settings_table_module()
    expected: str = module.render_table()
    assert module.readme_table(README) == expected, (
        "README.md's configuration table is stale: run "
        "`.venv/bin/python scripts/settings_table.py --write`"
    )


def test_configuration_table_has_a_row_per_setting() -> None:
    table: str = _settings_table_module().readme_table(README)
    for name in Settings.model_fields:
        assert f"| `ANCHOR_{name.upper()}` |" in table


def test_a_changed_setting_makes_the_table_differ() -> None:
    module = _settings_table_module()
    table: str = module.render_table()
    stale = table.replace("| `ANCHOR_CONFIRMATIONS` | `3` |", "| `ANCHOR_CONFIRMATIONS` | `1` |")
    assert stale != table
    assert module.readme_table(module.replace_table(README, stale)) == stale


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["keys", "create", "--role", "writer"], (["keys", "create"], True)),
        (["keys"], (["keys"], False)),
        (["serve", "--workers", "2"], (["serve"], True)),
        (["launch"], ([], False)),
    ],
)
def test_command_path_tells_commands_from_groups_and_unknown_words(
    words: list[str], expected: tuple[list[str], bool]
) -> None:
    assert command_path(words) == expected


def test_every_command_the_readme_mentions_exists() -> None:
    text = README.replace("anchor-service is running", "")  # the banner `dev` prints
    mentions = re.findall(r"anchor-service((?: [a-z][a-z-]*)+)", text)
    assert len(mentions) > 20
    wrong = []
    for mention in mentions:
        words = mention.split()
        path, complete = command_path(words)
        # a command, or a group named alone ("`anchor-service keys`")
        if not path or (not complete and len(words) > len(path)):
            wrong.append(mention.strip())
    assert not wrong, f"README.md names commands anchor-service does not have: {wrong}"


def test_every_shell_block_invocation_parses() -> None:
    parser = build_parser()
    invocations = [
        args
        for lang, block in FENCE.findall(README)
        if lang in {"sh", "bash", "shell"}
        for args in shell_invocations(block)
    ]
    assert len(invocations) >= 5
    for args in invocations:
        try:
            parser.parse_args(args)
        except SystemExit as exc:
            pytest.fail(f"`anchor-service {shlex.join(args)}` in README.md does not parse: {exc}")


def test_every_http_route_the_readme_names_is_served(tmp_path: Path) -> None:
    named = set(ROUTE.findall(README))
    assert len(named) >= 8
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path}/readme.db")
    missing = []
    with TestClient(create_app(settings)) as client:
        assert client.get("/v1/no-such-route").status_code == 404
        for method, path in sorted(named):
            # Without an API key a served route answers 401 (or 200 when public), never
            # 404 (no such route) or 405 (not with this method).
            response = client.request(method, re.sub(r"\{[^}]*\}", "1", path))
            if response.status_code in (404, 405):
                missing.append(f"{method} {path}")
    assert not missing, f"README.md names routes the API does not serve: {missing}"


def test_five_minute_tour_runs_verifies_and_watches_metrics() -> None:
    tour = README.split("## Five-minute tour", 1)[1].split("\n## ", 1)[0]
    for needle in ("make run", "/v1/entries", "/v1/admin/seal", "/v1/admin/anchor",
                   "anchor-service verify", "/verify", "/metrics"):
        assert needle in tour, needle


def test_readme_keeps_the_two_commands_first_and_the_newcomer_sections() -> None:
    sections = re.findall(r"^## (.+)$", README, re.MULTILINE)
    assert sections[0] == "The two commands"
    headings = re.findall(r"^#{2,3} (.+)$", README, re.MULTILINE)
    for needed in (
        "Five-minute tour",
        "Architecture",
        "Verifying without us",
        "Configuration",
        "Production deployment",
        "Docker Compose",
        "Security",
        "Development",
        "Benchmarks",
    ):
        assert any(h.startswith(needed) for h in headings), needed


def test_every_link_inside_the_readme_names_a_heading() -> None:
    def slug(heading: str) -> str:
        return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")

    slugs = {slug(h) for h in re.findall(r"^#{1,6} (.+)$", README, re.MULTILINE)}
    links = re.findall(r"\]\(#([^)]+)\)", README)
    assert links
    assert not [link for link in links if link not in slugs]
