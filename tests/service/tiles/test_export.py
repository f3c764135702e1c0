"""``anchor-service tiles export DIR``, run as the real command: the directory holds
exactly the API's ``/tlog/`` resources (byte for byte, fetched over HTTP), incrementally
(files kept, never rewritten), entry bundles only when asked, ``--watch`` mirrors a
growing log, and an altered file is detected."""

from __future__ import annotations

import json
import signal
import stat
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from anchor_service.db import Role
from anchor_service.merkle import TileClient, split_entry_bundle, tile_paths
from anchor_service.services.redaction import redact_entry
from tests.support.processes import ChildProcess, service_command, service_env
from tests.support.servers import app_in_thread
from tests.support.waiting import wait_until

from .conftest import LogBuilder

Headers = Callable[[Role], dict[str, str]]


@pytest.fixture
def served(app: FastAPI) -> Iterator[str]:
    with app_in_thread(app) as url:
        yield url


def _export(database_url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        service_command("tiles", "export", *args),
        cwd=cwd,
        env=service_env(ANCHOR_DATABASE_URL=database_url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _files(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in directory.rglob("*")
        if path.is_file()
    }


def _assert_same_as_api(files: dict[str, bytes], api: str, key: dict[str, str]) -> None:
    for name, data in files.items():
        answer = httpx.get(f"{api}/tlog/{name}", headers=key, timeout=30)
        assert answer.status_code == 200, (name, answer.text)
        assert answer.content == data, name


def test_the_export_is_the_apis_layout_and_grows_incrementally(
    log: LogBuilder, served: str, database_url: str, headers: Headers, tmp_path: Path
) -> None:
    log.add(300)
    log.seal()
    out = tmp_path / "tlog"
    first = _export(database_url, str(out), cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "exported tree size 300" in first.stdout and "3 files written" in first.stdout
    files = _files(out)
    assert sorted(files) == sorted(str(path) for path in tile_paths(300))
    assert not (out / "tile" / "entries").exists()  # personal data: only when asked
    _assert_same_as_api(files, served, {})
    assert TileClient(lambda path: files[path], 300).root().hex() in first.stdout

    full = out / "tile" / "0" / "000"
    before = full.stat()
    log.add(260)
    log.seal()
    second = _export(database_url, str(out), "--json", cwd=tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    summary = json.loads(second.stdout)
    assert (summary["tree_size"], summary["present"]) == (560, 1)  # tile/0/000 kept
    assert summary["written"] == len(list(tile_paths(560))) - 1
    after = full.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    grown = _files(out)
    # the old partial tiles stay (older heads' clients); every head-560 tile is there
    assert {str(path) for path in tile_paths(560)} <= set(grown)
    assert {"tile/0/001.p/44", "tile/1/000.p/1"} <= set(grown)
    _assert_same_as_api(grown, served, {})
    assert not [name for name in grown if "/." in name or name.startswith(".")]  # no temp files

    again = _export(database_url, str(out), cwd=tmp_path)
    assert "0 files written" in again.stdout


def test_entry_bundles_only_with_the_flag_and_not_world_readable(
    log: LogBuilder, served: str, database_url: str, headers: Headers, tmp_path: Path
) -> None:
    log.add(257)
    log.seal()
    out = tmp_path / "tlog"
    result = _export(database_url, str(out), "--include-entries", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    files = _files(out)
    assert sorted(files) == sorted(str(path) for path in tile_paths(257, entries=True))
    assert {"tile/entries/000", "tile/entries/001.p/1"} <= set(files)
    _assert_same_as_api(files, served, headers(Role.AUDITOR))
    assert stat.S_IMODE((out / "tile/entries/000").stat().st_mode) == 0o640
    assert stat.S_IMODE((out / "tile/0/000").stat().st_mode) == 0o644
    leaves = TileClient(lambda path: files[path], 257).entries(1)
    assert leaves[0] is not None and log.ids[256].encode() in leaves[0]


def test_watch_keeps_the_directory_mirrored_until_interrupted(
    log: LogBuilder, database_url: str, tmp_path: Path
) -> None:
    log.add(5)
    log.seal()
    out = tmp_path / "tlog"
    command = service_command("tiles", "export", str(out), "--watch", "0.2", "--json")
    env = service_env(ANCHOR_DATABASE_URL=database_url)
    with ChildProcess(command, env=env, cwd=tmp_path, output="stdout") as child:
        wait_until(lambda: child.saw('"tree_size": 5'), 60, "the first export", interval=0.1)
        log.add(4)
        log.seal()
        wait_until(lambda: child.saw('"tree_size": 9'), 60, "the export of size 9")
        assert (out / "tile/0/000.p/9").is_file()
        child.signal_group(signal.SIGTERM)
        assert child.wait(30) == 0, child.out
    sizes = [json.loads(line)["tree_size"] for line in child.lines if line.startswith("{")]
    assert sizes == [5, 9]  # one line per new head, not one per poll


def test_an_altered_file_is_detected(log: LogBuilder, database_url: str, tmp_path: Path) -> None:
    log.add(20)
    log.seal()
    out = tmp_path / "tlog"
    assert _export(database_url, str(out), cwd=tmp_path).returncode == 0
    tile = out / "tile/0/000.p/20"
    tile.write_bytes(bytes(32) + tile.read_bytes()[32:])
    result = _export(database_url, str(out), cwd=tmp_path)
    assert result.returncode == 1
    assert "a file there was changed; remove the directory and export again" in result.stderr
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("x")
    refused = _export(database_url, str(not_a_directory), cwd=tmp_path)
    assert refused.returncode == 2
    assert "exists and is not a directory" in refused.stderr


def test_a_redaction_erases_the_leaf_from_exported_bundles_too(
    log: LogBuilder, database_url: str, tmp_path: Path
) -> None:
    log.add(300)
    log.seal()
    out = tmp_path / "tlog"
    assert _export(database_url, str(out), "--include-entries", cwd=tmp_path).returncode == 0
    log.add(10)  # bundle 001 grows: its older partial file (.p/44) stays
    log.seal()
    assert _export(database_url, str(out), "--include-entries", cwd=tmp_path).returncode == 0
    target = log.ids[260]
    redact_entry(log.database, target, reason="erasure request 9")
    bundles = [path for path in (out / "tile/entries").rglob("*") if path.is_file()]
    assert sorted(str(path.relative_to(out)) for path in bundles) == [
        "tile/entries/000",
        "tile/entries/001.p/44",
        "tile/entries/001.p/54",
    ]
    assert sum(target.encode() in path.read_bytes() for path in bundles) == 2

    result = _export(database_url, str(out), "--include-entries", "--json", cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["erased"] == 2  # 001.p/44 and 001.p/54
    for path in bundles:
        assert target.encode() not in path.read_bytes(), path.name
    leaves = split_entry_bundle((out / "tile/entries/001.p/54").read_bytes(), count=54)
    assert leaves[4] == b"" and leaves[3] != b""
    untouched = _export(database_url, str(out), "--include-entries", "--json", cwd=tmp_path)
    assert json.loads(untouched.stdout)["erased"] == 0
