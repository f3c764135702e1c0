"""compose.yaml in the production shape of docs/operations.md: a primary, a streaming
replica cloned from it, PgBouncer in transaction mode in front of the primary, the API
writing through PgBouncer and reading from the replica, the scheduler through PgBouncer.

Docker does not run in the tests: the file's structure is checked, its environment is
read by the real settings, and the replica's shell scripts parse."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from anchor_service.settings import Settings
from tests.support.ci import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]

try:
    import yaml
except ImportError:
    skip_or_fail("PyYAML missing", must_run="the compose.yaml checks", allow_module_level=True)

COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
SERVICES: dict[str, Any] = COMPOSE["services"]
#: ``${NAME:-default}``: what Compose puts there when ``NAME`` is not set.
DEFAULTED = re.compile(r"\$\{[A-Z_]+:-([^}]*)\}")


def resolved(value: object) -> str:
    """A compose environment value with its ``${NAME:-default}`` defaults filled in."""
    return DEFAULTED.sub(lambda match: match.group(1), str(value))


def environment(service: str) -> dict[str, str]:
    return {name: resolved(value) for name, value in SERVICES[service]["environment"].items()}


def settings_of(service: str) -> Settings:
    """The service's ``ANCHOR_*`` environment read by the real settings (those that are
    settings: the read replica's URL comes with its own branch of issue 16)."""
    fields = Settings.model_fields
    values = {
        name.removeprefix("ANCHOR_").lower(): value
        for name, value in environment(service).items()
        if name.removeprefix("ANCHOR_").lower() in fields
    }
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def mounted(service: str, target: str) -> Path:
    """The repository file mounted (read-only) at ``target`` in ``service``."""
    volumes: list[str] = SERVICES[service]["volumes"]
    for volume in volumes:
        source, _, rest = volume.partition(":")
        if rest.split(":")[0] == target:
            assert source.startswith("./") and rest.endswith(":ro"), volume
            path = ROOT / source
            assert path.is_file(), f"{service} mounts {source}, which is missing"
            return path
    raise AssertionError(f"{service} mounts nothing at {target}")


def test_the_api_and_the_scheduler_write_through_pgbouncer_in_transaction_mode() -> None:
    bouncer = environment("pgbouncer")
    assert bouncer["POOL_MODE"] == "transaction"
    assert bouncer["AUTH_TYPE"] == "scram-sha-256"  # postgres:15's password hashing
    upstream = make_url(bouncer["DATABASE_URL"])
    assert upstream.host == "postgres" and upstream.port == 5432
    primary = environment("postgres")
    assert (upstream.username, upstream.password, upstream.database) == (
        primary["POSTGRES_USER"], primary["POSTGRES_PASSWORD"], primary["POSTGRES_DB"],
    )  # fmt: skip
    for service in ("migrate", "api", "scheduler"):
        settings = settings_of(service)
        url = make_url(settings.database_url)
        assert (url.host, url.port, url.database) == ("pgbouncer", 5432, upstream.database)
        assert (url.username, url.password) == (upstream.username, upstream.password)
        assert settings.db_transaction_pooling, service
    for service in ("api", "scheduler"):
        assert SERVICES[service]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


def test_the_api_reads_from_the_streaming_replica() -> None:
    api = environment("api")
    read = make_url(api["ANCHOR_DATABASE_READ_URL"])
    write = make_url(api["ANCHOR_DATABASE_URL"])
    assert (read.host, read.port) == ("postgres-replica", 5432)
    assert (read.username, read.password, read.database) == (
        write.username, write.password, write.database,
    )  # fmt: skip
    assert SERVICES["api"]["depends_on"]["postgres-replica"]["condition"] == "service_healthy"
    assert "ANCHOR_DATABASE_READ_URL" not in environment("scheduler")  # it writes


def test_the_replica_is_cloned_from_the_primary_through_a_replication_slot() -> None:
    primary, replica = SERVICES["postgres"], SERVICES["postgres-replica"]
    assert replica["image"] == primary["image"]
    shared = ("REPLICATION_USER", "REPLICATION_PASSWORD", "REPLICATION_SLOT")
    assert all(environment("postgres")[n] == environment("postgres-replica")[n] for n in shared)
    assert environment("postgres-replica")["PRIMARY_HOST"] == "postgres"
    assert replica["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "healthcheck" in replica
    data = {volume.split(":")[0] for volume in replica["volumes"]}
    assert "postgres-replica-data" in data and "postgres-replica-data" in COMPOSE["volumes"]

    init = mounted("postgres", "/docker-entrypoint-initdb.d/10-replication.sh").read_text(
        encoding="utf-8"
    )
    assert "WITH REPLICATION LOGIN" in init and "pg_create_physical_replication_slot" in init
    assert re.search(r"^echo \"host replication \$REPLICATION_USER ", init, re.MULTILINE)

    script_path = mounted("postgres-replica", "/usr/local/bin/replica-entrypoint.sh")
    assert replica["entrypoint"] == ["sh", "/usr/local/bin/replica-entrypoint.sh"]
    script = script_path.read_text(encoding="utf-8")
    assert "pg_basebackup" in script
    for option in ("--write-recovery-conf", '--slot "$REPLICATION_SLOT"', "--wal-method stream"):
        assert option in script
    assert script.rstrip().splitlines()[-1].startswith("exec docker-entrypoint.sh postgres")


@pytest.mark.parametrize(
    "script", ["deploy/postgres/primary-replication.sh", "deploy/postgres/replica-entrypoint.sh"]
)
def test_the_replication_scripts_are_valid_posix_shell(script: str) -> None:
    shell = shutil.which("dash") or shutil.which("sh")
    assert shell is not None
    checked = subprocess.run(
        [shell, "-n", str(ROOT / script)], capture_output=True, text=True, timeout=30, check=False
    )
    assert checked.returncode == 0, checked.stderr
