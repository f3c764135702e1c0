"""The command line: help with examples, every registered command group present."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from anchor_service.cli import main
from anchor_service.cli.commands import COMMANDS
from anchor_service.cli.main import build_parser


def test_help_lists_commands_and_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for command in ("serve", "dev", "db", "keys"):
        assert command in out
    assert "anchor-service keys create --role writer" in out


def test_every_command_module_registers_a_handler() -> None:
    parser = build_parser()
    for module in COMMANDS:
        assert callable(module.register)
    for argv in (["serve"], ["dev"], ["db", "upgrade"], ["keys", "list"]):
        assert callable(parser.parse_args(argv).handler)


def test_no_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: anchor-service" in capsys.readouterr().out


def test_invalid_configuration_is_reported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ANCHOR_PORT", "not-a-port")
    assert main(["keys", "list"]) == 2
    assert "invalid configuration" in capsys.readouterr().err


def test_without_the_server_extra_server_commands_say_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # the module (the package attribute of that name is the main() function)
    entry_point = importlib.import_module("anchor_service.cli.main")
    monkeypatch.setattr(entry_point, "server_installed", lambda: False)
    assert main(["keys", "list"]) == 2
    err = capsys.readouterr().err
    assert "`anchor-service keys list` needs the full service" in err
    assert "pip install '.[server]'" in err
    unreadable = tmp_path / "missing.json"
    assert main(["verify", str(unreadable), "--offline"]) == 2  # verify runs: no such file
    assert f"cannot read {unreadable}" in capsys.readouterr().err
