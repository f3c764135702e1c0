"""What ``anchor-service dev`` (``make run``) runs: everything local, one command.

Steps: make the data directory, apply migrations, create an admin API key on the very
first start (printed once, with curl examples) and, unless a log key is configured, a dev
log key (``<data_dir>/log.key``, origin ``localhost/anchor-service/dev`` or
``ANCHOR_LOG_ORIGIN``; written to the dev settings file too), and, unless
``ANCHOR_WITNESS_POLICY`` is configured, a local witness's key and policies (see
:mod:`anchor_service.dev.witness`), then supervise the child processes: a
local ganache (unless ``ANCHOR_RPC_URL`` is another machine; its registry is deployed on
the first start and reused afterwards, see :mod:`anchor_service.dev.chain_setup`), the
dev witness, the API on ``settings.host:settings.port``, and the scheduler. To add a process, add a
:class:`Child` in :func:`dev_children`; to add a set-up step, add it to :func:`prepare`
(which starts nothing long-lived).
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request
from collections.abc import Callable

from anchor_service.db import migrate
from anchor_service.db.models import Role
from anchor_service.db.repositories.api_keys import ApiKeyRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.dev.chain_setup import DevChainSetup
from anchor_service.dev.settings_file import (
    remove_dev_settings,
    write_dev_log_key,
    write_dev_witness_policy,
)
from anchor_service.dev.supervisor import Child, Supervisor
from anchor_service.dev.witness import DEV_WITNESS_POLICY_FILE, DevWitness
from anchor_service.services.log_identity import (
    DEV_LOG_ORIGIN,
    LogIdentity,
    create_log_key,
    load_log_identity,
    log_key_configured,
)
from anchor_service.settings import Settings

__all__ = [
    "DEV_LOG_KEY_FILE",
    "dev_children",
    "prepare",
    "prepare_log_key",
    "prepare_witness",
    "run_dev",
]

#: The dev log key's file name, in the data directory.
DEV_LOG_KEY_FILE = "log.key"


def run_dev(settings: Settings) -> int:
    """Prepare, then supervise the children until one stops or Ctrl-C; the exit status."""
    settings = prepare(settings)
    witness = prepare_witness(settings)
    chain = DevChainSetup(settings)
    children = dev_children(settings, chain, witness)
    if chain.chain is None:
        remove_dev_settings(settings.data_dir)  # a former local chain's, stale now
        chain.describe_remote()

    def started() -> None:
        print(_running_banner(settings, chain, witness), flush=True)

    return Supervisor(children, on_started=started).run()


def prepare(settings: Settings) -> Settings:
    """Create the data directory, migrate, make the first admin key if none exists and
    the dev log key if no log key is configured; the settings the children run with."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings = prepare_log_key(settings)
    migrate.upgrade(settings)
    database = Database.from_settings(settings)
    try:
        with unit_of_work(database.writer) as session:
            keys = ApiKeyRepository(session)
            new = keys.create(Role.ADMIN, name="dev admin") if keys.count() == 0 else None
    finally:
        database.dispose()
    base_url = f"http://{settings.host}:{settings.port}"
    if new is None:
        print(
            "API keys exist already (the first admin key was printed on the first start).\n"
            "Create another: .venv/bin/anchor-service keys create --role admin",
            flush=True,
        )
        return settings
    print(_first_start_banner(new.token, base_url), flush=True)
    return settings


def prepare_log_key(settings: Settings) -> Settings:
    """Check the configured log key, or create (first start) or reuse the dev log key in
    the data directory and record it in the dev settings file; the settings with it."""
    if log_key_configured(settings):
        identity = load_log_identity(settings)  # a bad key stops dev now, in one line
        print(f"log key: {_describe(identity)} (configured)", flush=True)
        return settings.model_copy(update={"log_origin": identity.origin})
    path = settings.data_dir / DEV_LOG_KEY_FILE
    origin = settings.log_origin or DEV_LOG_ORIGIN
    if path.exists():
        identity = load_log_identity(
            settings.model_copy(update={"log_key_path": path, "log_origin": origin})
        )
        print(f"log key: {_describe(identity)}, dev key {path}", flush=True)
    else:
        identity = create_log_key(path, origin)
        print(
            f"First start: created a dev log key in {path} (mode 0600) for origin "
            f"'{origin}'.\nIts verifier key (checkpoints verify with it): "
            f"{identity.verifier_key}",
            flush=True,
        )
    write_dev_log_key(settings.data_dir, key_path=path, origin=origin)
    return settings.model_copy(update={"log_key_path": path, "log_origin": origin})


def prepare_witness(settings: Settings) -> DevWitness | None:
    """The local dev witness (its key, policies, port; see :mod:`.witness`), or ``None``
    when ``ANCHOR_WITNESS_POLICY`` is configured (the configured witnesses are asked)
    or no log key is (nothing would be signed to cosign)."""
    own_file = settings.data_dir / DEV_WITNESS_POLICY_FILE
    if settings.witness_policy is not None and settings.witness_policy != own_file:
        print(f"witnesses: {settings.witness_policy} (configured; no dev witness)", flush=True)
        return None
    if not log_key_configured(settings):
        return None
    witness = DevWitness(settings, load_log_identity(settings).verifier_key)
    witness.prepare()
    print(witness.describe(), flush=True)
    write_dev_witness_policy(settings.data_dir, witness.policy_path)
    return witness


def _describe(identity: LogIdentity) -> str:
    return f"origin '{identity.origin}', verifier key {identity.verifier_key}"


def dev_children(
    settings: Settings, chain: DevChainSetup | None = None, witness: DevWitness | None = None
) -> list[Child]:
    """The processes ``dev`` supervises, in start order: the local chain (if any), the
    dev witness (if any), the API, the scheduler."""
    chain = chain if chain is not None else DevChainSetup(settings)
    ganache = chain.child()
    base_url = f"http://{settings.host}:{settings.port}"
    log_env = _log_key_env(settings)
    witnesses = [] if witness is None else [witness.child(_http_ok)]
    if witness is not None:
        log_env = {**log_env, **witness.env()}
    api = Child(
        name="api",
        argv=[
            sys.executable,
            "-m",
            "anchor_service.cli",
            "serve",
            "--host",
            settings.host,
            "--port",
            str(settings.port),
        ],
        env=log_env,
        ready=_http_ok(f"{base_url}/readyz"),
    )
    scheduler = Child(
        name="scheduler",
        argv=[sys.executable, "-m", "anchor_service.cli", "scheduler"],
        env=log_env,
    )
    return [*([ganache] if ganache is not None else []), *witnesses, api, scheduler]


def _log_key_env(settings: Settings) -> dict[str, str]:
    """The log key file and origin for the children (the dev key, found by
    :func:`prepare_log_key`); nothing when the key is a secret in the environment."""
    if settings.log_key is not None or settings.log_key_path is None:
        return {}
    env = {"ANCHOR_LOG_KEY_PATH": str(settings.log_key_path)}
    if settings.log_origin is not None:
        env["ANCHOR_LOG_ORIGIN"] = settings.log_origin
    return env


def _http_ok(url: str) -> Callable[[], bool]:
    def probe() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310  # nosec B310
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    return probe


def _running_banner(
    settings: Settings, chain: DevChainSetup, witness: DevWitness | None = None
) -> str:
    base_url = f"http://{settings.host}:{settings.port}"
    data_dir = settings.data_dir.resolve()
    if chain.chain is not None:
        blocks = (
            f"a block every {settings.dev_block_seconds:g} s"
            if settings.dev_block_seconds > 0
            else "a block per transaction"
        )
        chain_line = (
            f"{chain.rpc_url}  (local ganache, chain id {settings.chain_id}, {blocks}; "
            f"its data in {chain.chain.db_path.resolve()})"
        )
    else:
        chain_line = f"{chain.rpc_url}  (configured; not started by dev)"
    registry = chain.registry or "none"
    trigger = (
        f"; also when {settings.seal_when_pending} entries are pending"
        if settings.seal_when_pending
        else ""
    )
    line = "=" * 78
    rows = [
        f"API:        {base_url}  (docs: {base_url}/docs)",
        f"chain RPC:  {chain_line}",
        f"registry:   {registry}  ({chain.registry_note})",
    ]
    if chain.signer_note:
        rows.append(f"anchoring:  {chain.signer_note}")
    checkpoints = (
        f"a signed checkpoint every {settings.checkpoint_seconds:g} s"
        if settings.checkpoint_seconds > 0
        else "signed checkpoints at the seal only"
    )
    key_file = "ANCHOR_LOG_KEY" if settings.log_key is not None else str(settings.log_key_path)
    rows.append(
        f"log:        '{settings.log_origin}', {checkpoints} "
        f"({base_url}/tlog/checkpoint); key {key_file}"
    )
    if witness is not None:
        rows.append(witness.banner_row(float(witness.env()["ANCHOR_WITNESS_SECONDS"])))
    rows += [
        f"schedule:   seal + anchor at '{settings.seal_cron}' ({settings.timezone}){trigger};"
        f" anchors followed every {settings.confirm_interval_seconds:g} s",
        f"data:       {data_dir}  (database, chain, deployment.json)",
        "stop:       Ctrl-C (stops the scheduler, the API, the witness and the chain)",
        f"reset:      stop, then delete {data_dir} (database and chain together)",
    ]
    body = "\n".join(f"  {row}" for row in rows)
    return f"{line}\nanchor-service is running\n{body}\n{line}"


def _first_start_banner(token: str, base_url: str) -> str:
    entry = (
        '{"external_id": "pay-2026-11-21-000123", "occurred_at": "2026-11-21T08:15:00+07:00", '
        '"postings": [{"account": "wallet:user:981", "amount": "-150000", "currency": "IDR"}, '
        '{"account": "escrow:project:42", "amount": "150000", "currency": "IDR"}]}'
    )
    line = "=" * 78
    return f"""{line}
First start: created an admin API key. It is shown only this once (only its hash
is stored); keep it somewhere safe.

    {token}

Try it:

    export ANCHOR_KEY={token}
    curl -s -X POST {base_url}/v1/entries \\
      -H "Authorization: Bearer $ANCHOR_KEY" -H "Content-Type: application/json" \\
      -d '{entry}'
    curl -s {base_url}/v1/entries/pay-2026-11-21-000123 -H "Authorization: Bearer $ANCHOR_KEY"

More keys: .venv/bin/anchor-service keys create --role writer|auditor|admin
{line}"""
