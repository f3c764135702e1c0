"""The README and docs/ stay true.

The README stays short and keeps the two commands first and the five-minute tour; every
page of docs/ is reachable from it. Across README.md and docs/*.md: the configuration
table is the one generated from Settings, every `anchor-service` command named exists
(and parses, in shell blocks), every HTTP route named is served, every `ANCHOR_*`
variable named is a setting (with its real default where a table gives one), and every
relative link leads to a file and heading that exist. The other way round, every route
the API serves is in docs/api.md and every command in docs/cli.md."""

from __future__ import annotations

import argparse
import importlib.util
import re
import shlex
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

from anchor_service.api import create_app
from anchor_service.cli.main import build_parser
from anchor_service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README_PATH = ROOT / "README.md"
DOCS = ROOT / "docs"
DOCS_INDEX = DOCS / "README.md"
README = README_PATH.read_text(encoding="utf-8")
CONFIGURATION = (DOCS / "configuration.md").read_text(encoding="utf-8")
PAGES: dict[Path, str] = {
    path: path.read_text(encoding="utf-8") for path in [README_PATH, *sorted(DOCS.glob("*.md"))]
}
README_MAX_LINES = 250

FENCE = re.compile(r"^[ \t]*```([\w-]*)\n(.*?)^[ \t]*```", re.MULTILINE | re.DOTALL)
HEADING = re.compile(r"^(#{1,6}) (.+)$", re.MULTILINE)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
ROUTE = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE) (/[A-Za-z0-9_/{}.-]*[A-Za-z0-9_}])")
VARIABLE = re.compile(r"\bANCHOR_[A-Z0-9_]*[A-Z0-9]\b")
SETTING_ROW = re.compile(r"^\| `(ANCHOR_[A-Z0-9_]+)` \| ([^|]*) \|", re.MULTILINE)
SHELL_STOPS = {"|", "||", "&&", ";", ">", ">>", "<", "2>", "2>&1", "&"}

# Where each section that left the README lives now.
MOVED_SECTIONS = {
    "Architecture": "architecture.md",
    "Rules an entry must follow": "api.md",
    "Errors": "api.md",
    "API keys and roles": "api.md",
    "Verifying without us": "auditing.md",
    "The auditor page": "auditing.md",
    "Tamper audit": "auditing.md",
    "Command line": "cli.md",
    "Bulk import": "cli.md",
    "Configuration": "configuration.md",
    "Production deployment": "operations.md",
    "Docker Compose": "operations.md",
    "Scheduler": "operations.md",
    "Metrics and logs": "operations.md",
    "Security": "operations.md",
    "Development": "development.md",
    "What `make test` runs": "development.md",
    "Reliability scenarios": "development.md",
    "Benchmarks": "development.md",
}

# `ANCHOR_*` variables the docs name that are not settings, and the tree whose Python
# code reads them (as a quoted string).
NOT_SETTINGS = {
    "ANCHOR_KEY": ROOT / "anchor_service",  # `anchor-service import --url`'s API key
    "ANCHOR_DEV_ACCOUNT": ROOT / "anchor_service",  # in dev.env: a public dev account
    "ANCHOR_TEST_POSTGRES_URL": ROOT / "tests",  # the server the tests make databases on
}


def _settings_table_module() -> ModuleType:
    path = ROOT / "scripts" / "settings_table.py"
    spec = importlib.util.spec_from_file_location("settings_table", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _prose(text: str) -> str:
    """``text`` without its fenced code blocks (whose ``#`` lines are no headings)."""
    return FENCE.sub("", text)


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


def all_commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[str]:
    """Every runnable command of ``parser``, as ``"keys create"``."""
    choices = _subcommands(parser)
    if not choices:
        return [" ".join(prefix)]
    return [cmd for name, sub in choices.items() for cmd in all_commands(sub, (*prefix, name))]


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


def anchors(text: str) -> set[str]:
    """The link targets GitHub gives the headings of ``text``: lower case, punctuation
    dropped, spaces as hyphens, ``-1``, ``-2`` ... on repeats."""
    seen: Counter[str] = Counter()
    found: set[str] = set()
    for _, heading in HEADING.findall(_prose(text)):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(f"{slug}-{seen[slug]}" if seen[slug] else slug)
        seen[slug] += 1
    return found


def relative_links(page: Path, text: str) -> list[tuple[str, Path, str]]:
    """``(link, file, fragment)`` for each link of ``text`` that is not a URL; ``file``
    is resolved against ``page``'s folder (``page`` itself for ``#fragment``)."""
    found = []
    for target in LINK.findall(_prose(text)):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        path, _, fragment = target.partition("#")
        found.append((target, (page.parent / path).resolve() if path else page, fragment))
    return found


def broken_links(page: Path, text: str) -> list[str]:
    """The relative links of ``text`` whose file, or heading in it, does not exist."""
    broken = []
    for target, path, fragment in relative_links(page, text):
        if path != page and (not path.exists() or not path.is_relative_to(ROOT)):
            broken.append(f"{target} (no such file in the repository)")
        elif fragment and path.suffix == ".md":
            text_there = text if path == page else path.read_text(encoding="utf-8")
            if fragment not in anchors(text_there):
                broken.append(f"{target} (no such heading)")
    return broken


def unknown_variables(text: str) -> set[str]:
    """The ``ANCHOR_*`` variables ``text`` names that are neither a setting nor one of
    :data:`NOT_SETTINGS`."""
    settings = {f"ANCHOR_{name.upper()}" for name in Settings.model_fields}
    return set(VARIABLE.findall(text)) - settings - set(NOT_SETTINGS)


def test_configuration_table_is_generated_from_settings() -> None:
    module = _settings_table_module()
    expected: str = module.render_table()
    assert module.document_table(CONFIGURATION) == expected, (
        "docs/configuration.md's settings table is stale: run "
        "`.venv/bin/python scripts/settings_table.py --write`"
    )


def test_configuration_table_has_a_row_per_setting() -> None:
    table: str = _settings_table_module().document_table(CONFIGURATION)
    for name in Settings.model_fields:
        assert f"| `ANCHOR_{name.upper()}` |" in table


def test_a_changed_setting_makes_the_table_differ() -> None:
    module = _settings_table_module()
    table: str = module.render_table()
    stale = table.replace("| `ANCHOR_CONFIRMATIONS` | `3` |", "| `ANCHOR_CONFIRMATIONS` | `1` |")
    assert stale != table
    assert module.document_table(module.replace_table(CONFIGURATION, stale)) == stale


def test_settings_table_script_writes_the_configuration_doc() -> None:
    assert _settings_table_module().CONFIGURATION_DOC == DOCS / "configuration.md"


def test_every_variable_the_docs_name_is_a_setting_or_read_by_the_code() -> None:
    unknown = {_name(page): sorted(unknown_variables(text)) for page, text in PAGES.items()}
    assert not {page: names for page, names in unknown.items() if names}, unknown
    assert unknown_variables("set ANCHOR_CONFIRMATION to 12") == {"ANCHOR_CONFIRMATION"}
    for variable, tree in NOT_SETTINGS.items():
        readers = [
            path
            for path in tree.rglob("*.py")
            if path != Path(__file__).resolve()
            and f'"{variable}"' in path.read_text(encoding="utf-8")
        ]
        assert readers, f"nothing under {_name(tree)} reads {variable}"


def test_every_settings_table_in_the_docs_gives_the_real_default() -> None:
    module = _settings_table_module()
    rows = [
        (page, variable, cell.strip())
        for page, text in PAGES.items()
        for variable, cell in SETTING_ROW.findall(text)
    ]
    assert len(rows) > len(Settings.model_fields)  # the generated table and the scheduler's
    wrong = []
    for page, variable, cell in rows:
        field = Settings.model_fields.get(variable.removeprefix("ANCHOR_").lower())
        if field is None:
            wrong.append(f"{_name(page)}: {variable} is not a setting")
        elif not cell.startswith(module.default_cell(field)):
            expected = module.default_cell(field)
            wrong.append(f"{_name(page)}: {variable} default {cell}, not {expected}")
    assert not wrong, wrong


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


def test_every_command_the_docs_mention_exists() -> None:
    wrong = []
    count = 0
    for page, text in PAGES.items():
        text = text.replace("anchor-service is running", "")  # the banner `dev` prints
        for mention in re.findall(r"anchor-service((?: [a-z][a-z-]*)+)", text):
            count += 1
            words = mention.split()
            path, complete = command_path(words)
            # a command, or a group named alone ("`anchor-service keys`")
            if not path or (not complete and len(words) > len(path)):
                wrong.append(f"{_name(page)}: anchor-service {mention.strip()}")
    assert count > 20
    assert not wrong, f"the docs name commands anchor-service does not have: {wrong}"


def test_every_command_is_in_the_command_line_doc() -> None:
    cli_doc = PAGES[DOCS / "cli.md"]
    commands = all_commands(build_parser())
    assert "keys create" in commands
    missing = [command for command in commands if f"anchor-service {command}" not in cli_doc]
    assert not missing, f"docs/cli.md does not show: {missing}"


def test_every_shell_block_invocation_parses() -> None:
    parser = build_parser()
    invocations = [
        (page, args)
        for page, text in PAGES.items()
        for lang, block in FENCE.findall(text)
        if lang in {"sh", "bash", "shell"}
        for args in shell_invocations(block)
    ]
    assert len(invocations) >= 5
    for page, args in invocations:
        try:
            parser.parse_args(args)
        except SystemExit as exc:
            command = f"anchor-service {shlex.join(args)}"
            pytest.fail(f"`{command}` in {_name(page)} does not parse: {exc}")


def test_every_http_route_the_docs_name_is_served(tmp_path: Path) -> None:
    named = {route for text in PAGES.values() for route in ROUTE.findall(text)}
    assert len(named) >= 8
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path}/readme.db")
    missing = []
    # The database is not migrated: a public route that reads it answers 500, not 404.
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        no_route = client.get("/v1/no-such-route")
        assert no_route.status_code == 404
        for method, path in sorted(named):
            # Without an API key a served route answers 401 (or 200 when public), never
            # 404 (no such route) or 405 (not with this method). A public route may answer
            # 404 with a body of its own (`/tlog/checkpoint` before the first checkpoint).
            response = client.request(method, re.sub(r"\{[^}]*\}", "1", path))
            unknown = response.status_code == 404 and response.content == no_route.content
            if unknown or response.status_code == 405:
                missing.append(f"{method} {path}")
    assert not missing, f"the docs name routes the API does not serve: {missing}"


def test_every_route_the_api_serves_is_in_the_api_doc(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path}/readme.db")
    paths = create_app(settings).openapi()["paths"]
    served = {(method.upper(), path) for path, item in paths.items() for method in item}
    assert ("POST", "/v1/entries") in served
    documented = set(ROUTE.findall(PAGES[DOCS / "api.md"]))
    missing = sorted(f"{method} {path}" for method, path in served - documented)
    assert not missing, f"docs/api.md does not list: {missing}"


def test_five_minute_tour_runs_verifies_and_watches_metrics() -> None:
    tour = README.split("## Five-minute tour", 1)[1].split("\n## ", 1)[0]
    for needle in ("make run", "/v1/entries", "/v1/admin/seal", "/v1/admin/anchor",
                   "anchor-service verify", "/verify", "/metrics"):
        assert needle in tour, needle


def test_readme_keeps_the_two_commands_first_and_the_newcomer_sections() -> None:
    sections = re.findall(r"^## (.+)$", _prose(README), re.MULTILINE)
    assert sections[0] == "The two commands"
    assert "make run " in README and "make test " in README
    assert sections[1] == "Five-minute tour"
    assert "Where to read on" in sections


def test_readme_is_short() -> None:
    lines = README.count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail to docs/"


@pytest.mark.parametrize(("heading", "page"), sorted(MOVED_SECTIONS.items()))
def test_moved_sections_are_in_their_doc(heading: str, page: str) -> None:
    headings = [h for _, h in HEADING.findall(_prose(PAGES[DOCS / page]))]
    assert any(h.startswith(heading) for h in headings), f"{heading!r} not in docs/{page}"


def test_every_doc_is_linked_from_the_readme_or_the_docs_index() -> None:
    linked = {
        path
        for page in (README_PATH, DOCS_INDEX)
        for _, path, _ in relative_links(page, PAGES[page])
    }
    assert DOCS_INDEX in {path for _, path, _ in relative_links(README_PATH, README)}
    unlinked = [_name(page) for page in PAGES if page not in linked | {README_PATH, DOCS_INDEX}]
    assert not unlinked, f"neither README.md nor docs/README.md links to {unlinked}"


def test_every_relative_link_resolves_to_a_file_and_heading() -> None:
    links = [link for page, text in PAGES.items() for link in relative_links(page, text)]
    assert len(links) > 20
    broken = {_name(page): broken_links(page, text) for page, text in PAGES.items()}
    assert not {page: links for page, links in broken.items() if links}, broken


def test_link_check_finds_missing_files_and_headings() -> None:
    page = DOCS / "example.md"
    text = (
        "# Example\n\n## Same `code` heading\n\n```sh\n# not a heading\n```\n"
        "[ok](#same-code-heading) [ok](api.md#errors) [ok](../README.md) "
        "[url](https://example.com/x#y) [bad](#not-a-heading) [bad](api.md#nope) "
        "[bad](nope.md) [outside](../..)\n"
    )
    assert broken_links(page, text) == [
        "#not-a-heading (no such heading)",
        "api.md#nope (no such heading)",
        "nope.md (no such file in the repository)",
        "../.. (no such file in the repository)",
    ]
    assert anchors("## A\n## A\n## B: c\n") == {"a", "a-1", "b-c"}
