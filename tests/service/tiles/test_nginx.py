"""The shipped nginx configuration (``deploy/nginx/anchor-tlog.conf.template``) for real:
nginx serves the directory ``anchor-service tiles export`` wrote under ``/tlog/tile/`` in
front of a real ``anchor-service serve`` on PostgreSQL, and proxies the rest to it.

Through nginx only, a client that trusts the log key verifies the checkpoint, computes an
inclusion proof from the tiles (``merkle.TileClient``) and checks it as any C2SP verifier
does (a tlog-proof of its own making, and the API's own tlog-proof, proxied); tiles come
from disk with the cache headers of the API; a tile newer than the export comes from the
API; entry bundles and ``/v1/...`` are the API's (keys checked there). nginx is the Debian
package: missing, the test is skipped, or failed under ``CI=true``.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from anchor_service.db.models import Role
from anchor_service.db.session import Database
from anchor_service.dev.nginx import TlogNginx, find_nginx
from anchor_service.ledger.jcs import canonical_json
from anchor_service.merkle import TileClient, leaf_hash, split_entry_bundle
from anchor_service.services.checkpointing import integrate
from anchor_service.services.log_identity import LogIdentity, create_log_key
from anchor_service.tlog import TlogProof, parse_policy, parse_proof, verify_proof
from anchor_service.tlog.trust import verify_checkpoint
from tests.support.ci import skip_or_fail
from tests.support.ports import free_port
from tests.support.processes import ChildProcess, service_command, service_env
from tests.support.servers import wait_for_http

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]

ORIGIN = "test.example/nginx-tiles"
FULL = "public, max-age=31536000, immutable"


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[str]:
    """``anchor-service serve`` on the test's PostgreSQL database; its ``host:port``."""
    if find_nginx() is None:
        skip_or_fail("nginx is not installed (apt-get install nginx)", must_run="nginx tests")
    port = free_port()
    command = service_command("serve", "--host", "127.0.0.1", "--port", str(port))
    env = service_env(ANCHOR_DATABASE_URL=database_url, ANCHOR_LOG_LEVEL="WARNING")
    with ChildProcess([*command, "--no-access-log"], env=env, cwd=tmp_path) as process:
        wait_for_http(f"http://127.0.0.1:{port}/readyz", process, 60)
        yield f"127.0.0.1:{port}"


@pytest.fixture
def export_dir() -> Iterator[Path]:
    """A directory nginx's workers may read (pytest's ``tmp_path`` is private to its user)."""
    with tempfile.TemporaryDirectory(prefix="tlog-export-") as name:
        directory = Path(name)
        directory.chmod(0o755)
        yield directory / "tlog"


def _export(database_url: str, directory: Path) -> None:
    with ChildProcess(
        service_command("tiles", "export", str(directory)),
        env=service_env(ANCHOR_DATABASE_URL=database_url),
    ) as process:
        assert process.wait(120) == 0, process.out


def _add(nginx: str, writer: dict[str, str], start: int, count: int) -> list[str]:
    """Store ``count`` entries through nginx (a proxied POST); their external ids."""
    ids = [f"nginx-{index:05d}" for index in range(start, start + count)]
    entries = [
        {
            "external_id": external_id,
            "occurred_at": "2026-11-21T08:15:00+07:00",
            "description": "Contribution to project 42",
            "postings": [
                {"account": "wallet:user:981", "amount": "-150000", "currency": "IDR"},
                {"account": "escrow:project:42", "amount": "150000", "currency": "IDR"},
            ],
        }
        for external_id in ids
    ]
    answer = httpx.post(
        f"{nginx}/v1/entries/bulk", json={"entries": entries}, headers=writer, timeout=60
    )
    assert answer.status_code == 201, answer.text
    return ids


def _sign(database: Database, identity: LogIdentity, size: int) -> None:
    signed = integrate(database, identity)
    assert signed is not None and signed.tree_size == size


def test_nginx_serves_the_export_and_proxies_the_rest_to_the_api(
    api: str,
    export_dir: Path,
    database: Database,
    database_url: str,
    make_key: Callable[[Role], str],
    tmp_path: Path,
) -> None:
    identity = create_log_key(tmp_path / "log.key", ORIGIN)
    policy = parse_policy(f"log {identity.verifier_key}\nquorum none\n")
    writer = {"Authorization": f"Bearer {make_key(Role.WRITER)}"}
    auditor = {"Authorization": f"Bearer {make_key(Role.AUDITOR)}"}
    export_dir.mkdir()  # nginx starts before the first export, as a fresh deployment does

    with TlogNginx(export_dir, api) as nginx:
        ids = _add(nginx.url, writer, 0, 300)
        _sign(database, identity, 300)
        _export(database_url, export_dir)

        # The checkpoint (the API's, proxied), verified with the log key alone.
        note = httpx.get(f"{nginx.url}/tlog/checkpoint").raise_for_status().content
        checkpoint = verify_checkpoint(policy, note).checkpoint
        assert checkpoint.size == 300

        # The tiles from disk: cache headers and content type as the API's.
        served: list[str] = []

        def fetch(path: str) -> bytes:
            answer = httpx.get(f"{nginx.url}/tlog/{path}").raise_for_status()
            assert answer.content == (export_dir / path).read_bytes()
            assert answer.headers["content-type"] == "application/octet-stream"
            assert "etag" in answer.headers  # a file nginx served (the API sends none)
            served.append(f"{path}: {answer.headers['cache-control']}")
            return answer.content

        tiles = TileClient(fetch, checkpoint.size)
        assert tiles.root() == checkpoint.root_hash
        fetch("tile/0/000")
        assert sorted(served) == [
            f"tile/0/000: {FULL}",
            "tile/0/001.p/44: public, max-age=60",
            "tile/1/000.p/1: public, max-age=60",
        ]

        # An inclusion proof from the tiles, checked as any C2SP verifier checks one; the
        # leaf's bytes from its entry bundle (the API's, with the auditor key: never from disk).
        index = 257
        bundle = f"{nginx.url}/tlog/tile/entries/001.p/44"
        assert httpx.get(bundle).status_code == 401
        leaves = split_entry_bundle(httpx.get(bundle, headers=auditor).raise_for_status().content)
        leaf = leaf_hash(leaves[index - 256])
        own = TlogProof(index, tuple(tiles.inclusion_proof(index)), note)
        verify_proof(own, leaf, policy)
        answer = httpx.get(
            f"{nginx.url}/v1/entries/{ids[index]}/proof", params={"format": "tlog-proof"},
            headers=auditor,
        )  # fmt: skip
        proof = parse_proof(answer.raise_for_status().content)
        assert (proof.index, proof.hashes, proof.checkpoint) == (own.index, own.hashes, note)
        assert leaf_hash(canonical_json(_extra_entry(proof))) == leaf
        verify_proof(proof, leaf, policy)

        # A newer checkpoint than the export: its new partial tile comes from the API.
        _add(nginx.url, writer, 300, 20)
        _sign(database, identity, 320)
        newer = verify_checkpoint(policy, httpx.get(f"{nginx.url}/tlog/checkpoint").content)
        assert newer.checkpoint.size == 320
        fallback = httpx.get(f"{nginx.url}/tlog/tile/0/001.p/64").raise_for_status()
        assert "etag" not in fallback.headers and fallback.headers["cache-control"] == (
            "public, max-age=60"
        )
        assert not (export_dir / "tile/0/001.p/64").exists()
        grown = TileClient(
            lambda path: httpx.get(f"{nginx.url}/tlog/{path}").raise_for_status().content, 320
        )
        assert grown.root() == newer.checkpoint.root_hash
        assert httpx.get(f"{nginx.url}/tlog/tile/0/001.p/65").status_code == 404  # not signed
        assert httpx.get(f"{nginx.url}/tlog/tile/0/x001").status_code == 404  # not canonical

        # Everything else is the API's, keys checked there.
        assert httpx.get(f"{nginx.url}/v1/entries/{ids[0]}").status_code == 401
        entry = httpx.get(f"{nginx.url}/v1/entries/{ids[0]}", headers=auditor)
        assert entry.status_code == 200 and entry.json()["status"] == "logged"
        assert httpx.get(f"{nginx.url}/readyz").status_code == 200
        assert "[emerg]" not in nginx.error_log() and "[crit]" not in nginx.error_log()


def _extra_entry(proof: TlogProof) -> dict[str, object]:
    extra = json.loads(proof.extra or b"{}")
    entry: dict[str, object] = extra["entry"]
    return entry
