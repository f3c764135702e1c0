"""The chain side of ``anchor-service dev``: a supervised local ganache and its registry.

Unless ``ANCHOR_RPC_URL`` points somewhere else than this machine, ``dev`` runs ganache
as a child process with its database in ``<data_dir>/ganache`` (the chain survives
restarts) on the port of ``ANCHOR_RPC_URL`` (default 8546), mining a block every
``ANCHOR_DEV_BLOCK_SECONDS``. Once it answers, :meth:`DevChainSetup.prepare_registry`
makes sure a registry is deployed there:

- the deployment file (``<data_dir>/deployment.json``) names a contract that exists on
  this chain: reused;
- no file, or the chain has no code at its address (the ganache directory was wiped):
  deployed now, signed by the deterministic dev account 0 (a PUBLIC, test-only key; it
  is admin and anchorer), and recorded in the file. When the database had confirmed
  anchors in the lost registry, ``dev`` says so plainly: anchoring stays stopped (the
  chain watch, :mod:`anchor_service.services.anchoring.watch`) and the message gives the
  two ways on, with their exact commands (start over, or ``anchor-service registry
  migrate --to`` the new registry).

The API and the scheduler then get ``ANCHOR_RPC_URL``, ``ANCHOR_REGISTRY_ADDRESS`` and
``ANCHOR_SIGNER_KEY`` in their environment, each only when the user has not configured
their own; the same is written to ``<data_dir>/dev.env`` for the commands run by hand
beside ``dev`` (:mod:`anchor_service.dev.settings_file`). With a non-local
``ANCHOR_RPC_URL`` nothing is started or deployed: the children use the configuration
as it is.
"""

from __future__ import annotations

import json
import logging
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from anchor_service.chain import RegistryClient, Signer, connect
from anchor_service.db.engine import normalize_database_url, sqlite_path
from anchor_service.db.models_anchoring import AnchorStatus
from anchor_service.db.repositories.registry_links import RegistryLinkRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.dev.accounts import DEV_ACCOUNT_KEYS
from anchor_service.dev.chain import DevChain
from anchor_service.dev.errors import DevChainError
from anchor_service.dev.settings_file import write_dev_settings
from anchor_service.dev.supervisor import Child
from anchor_service.services.anchoring.deployment import (
    DeploymentFileError,
    deploy_and_record,
    deployment_path,
    read_deployment,
)
from anchor_service.settings import Settings

__all__ = ["DevChainSetup", "local_devchain"]

logger = logging.getLogger(__name__)

_LOCAL_HOSTS = ("127.0.0.1", "localhost")


def local_devchain(settings: Settings) -> DevChain | None:
    """The ganache ``dev`` should run for ``settings``; ``None`` when ``ANCHOR_RPC_URL``
    is not a plain-HTTP address on this machine (the user runs their own node)."""
    url = urllib.parse.urlsplit(settings.rpc_url)
    if url.scheme != "http" or url.hostname not in _LOCAL_HOSTS:
        return None
    extra = []
    if settings.dev_block_seconds > 0:
        extra = ["--miner.blockTime", f"{settings.dev_block_seconds:g}"]
    return DevChain(
        settings.data_dir / "ganache",
        host="127.0.0.1",
        port=url.port or 80,
        chain_id=settings.chain_id,
        extra_args=extra,
    )


def _answers_chain_id(url: str, chain_id: int) -> Callable[[], bool]:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})

    def probe() -> bool:
        request = urllib.request.Request(  # noqa: S310 - http URL of the local chain
            url, data=body.encode(), headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=1.0) as response:  # noqa: S310  # nosec B310
                return int(json.loads(response.read())["result"], 16) == chain_id
        except (urllib.error.URLError, OSError, ValueError, KeyError):
            return False

    return probe


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


class DevChainSetup:
    """Plans the chain for ``dev``, then deploys or reuses the registry on it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.chain = local_devchain(settings)
        self.registry: str | None = None
        self.registry_note = ""
        self.signer_note = ""
        self.chain_lost = ""

    @property
    def rpc_url(self) -> str:
        return self.chain.rpc_url if self.chain is not None else self.settings.rpc_url

    def _configured(self, name: str) -> bool:
        return name in self.settings.model_fields_set

    def _uses_dev_key(self) -> bool:
        return not (self._configured("signer_key") or self._configured("keystore_path"))

    def child(self) -> Child | None:
        """The ganache child (``None`` on a non-local chain); it is ready when it answers
        with the chain id, and its after-ready step prepares the registry."""
        chain = self.chain
        if chain is None:
            return None
        if _port_in_use(chain.host, chain.port):
            raise DevChainError(
                f"port {chain.port} is in use: is another `anchor-service dev` running? Stop "
                "it, or set ANCHOR_RPC_URL=http://127.0.0.1:<free port> for this one"
            )
        chain.db_path.mkdir(parents=True, exist_ok=True)
        return Child(
            name="ganache",
            argv=chain.command(),
            ready=_answers_chain_id(chain.rpc_url, chain.chain_id),
            quiet=True,  # its banner lists the public dev accounts; nothing else to see
            after_ready=self.prepare_registry,
        )

    def prepare_registry(self) -> dict[str, str]:
        """Reuse or deploy the registry on the local chain; the environment the API and
        the scheduler need for it, also written to the dev settings file for the CLI run
        beside ``dev`` (:mod:`anchor_service.dev.settings_file`)."""
        env = self._prepare_registry()
        assert self.chain is not None
        path = write_dev_settings(
            self.settings.data_dir,
            rpc_url=self.chain.rpc_url,
            chain_id=self.settings.chain_id,
            registry=self.registry,
            dev_account=0 if self._uses_dev_key() else None,
        )
        logger.info("dev settings for the CLI written to %s", path)
        return env

    def _prepare_registry(self) -> dict[str, str]:
        assert self.chain is not None
        settings = self.settings
        web3 = connect(self.chain.rpc_url, expected_chain_id=settings.chain_id)
        env: dict[str, str] = {}
        if not self._configured("rpc_url"):
            env["ANCHOR_RPC_URL"] = self.chain.rpc_url
        if not self._configured("public_rpc_url"):  # the /verify page's default node
            env["ANCHOR_PUBLIC_RPC_URL"] = self.chain.rpc_url
        if self._uses_dev_key():
            env["ANCHOR_SIGNER_KEY"] = DEV_ACCOUNT_KEYS[0]
            signer = Signer.from_key(DEV_ACCOUNT_KEYS[0])
            self.signer_note = (
                f"dev account 0 {signer.address} (a PUBLIC test-only key: never use it "
                "on a real chain)"
            )
        else:
            signer = Signer.from_settings(settings)
            self.signer_note = f"{signer.address} (ANCHOR_SIGNER_KEY / keystore)"
        if self._configured("registry_address") and settings.registry_address:
            self.registry = settings.registry_address
            client = RegistryClient(web3, settings.registry_address, chain_id=settings.chain_id)
            present = client.is_deployed()
            self.registry_note = "ANCHOR_REGISTRY_ADDRESS" + (
                "" if present else " - WARNING: the local chain has no contract there"
            )
            return env
        path = deployment_path(settings)
        record = read_deployment(path)
        if record is not None and record.chain_id != settings.chain_id:
            raise DevChainError(
                f"{path} records a registry on chain {record.chain_id}, not the local chain "
                f"{settings.chain_id}: move it away or set ANCHOR_DEPLOYMENT_FILE"
            )
        if record is not None:
            client = RegistryClient(web3, record.address, chain_id=settings.chain_id)
            if client.is_deployed():
                self.registry = record.address
                self.registry_note = f"reused, recorded in {path}"
                print(f"registry: reusing {record.address} (from {path})", flush=True)
                env["ANCHOR_REGISTRY_ADDRESS"] = record.address
                return env
            lost = self._anchors_in(record.address)
            if lost:
                self.chain_lost = lost
            else:
                print(
                    f"registry: the local chain has no contract at {record.address} (was "
                    f"{self.chain.db_path} wiped?); deploying a new one",
                    flush=True,
                )
        print(
            f"registry: deploying AnchorRegistryV2 with {self.signer_note} as admin and anchorer",
            flush=True,
        )
        new, path = deploy_and_record(settings, web3=web3, signer=signer, dev=True)
        self.registry = new.address
        self.registry_note = f"deployed now in block {new.block_number}, recorded in {path}"
        print(f"registry: deployed at {new.address} (recorded in {path})", flush=True)
        env["ANCHOR_REGISTRY_ADDRESS"] = new.address
        if self.chain_lost and record is not None:
            self.registry_note = "NEW, EMPTY: the chain was lost; anchoring is stopped"
            print(self._chain_lost_message(record.address, new.address), flush=True)
        return env

    def _anchors_in(self, address: str) -> str:
        """A description of the anchors the database confirmed in the registry at
        ``address`` on this chain (``""``: none, nothing is lost)."""
        file = sqlite_path(normalize_database_url(self.settings.database_url))
        if file is not None and not file.exists():
            return ""  # no database yet: nothing was anchored
        database = Database.from_settings(self.settings)
        try:
            with unit_of_work(database.reader) as session:
                links = RegistryLinkRepository(session)
                chain_id = self.settings.chain_id
                after = links.since(chain_id, address)
                confirmed = [
                    anchor
                    for anchor in links.anchors(chain_id, address, after_id=after)
                    if anchor.status == AnchorStatus.CONFIRMED
                ]
        except SQLAlchemyError as exc:  # not migrated (dev migrates first): nothing anchored
            logger.warning("dev: cannot read the anchors (%s)", type(exc).__name__)
            return ""
        finally:
            database.dispose()
        if not confirmed:
            return ""
        newest = confirmed[-1]
        return (
            f"{len(confirmed)} confirmed anchor(s), the newest for tree size "
            f"{newest.tree_size} in block {newest.block_number}"
        )

    def _chain_lost_message(self, old: str, new: str) -> str:
        assert self.chain is not None
        data_dir = self.settings.data_dir.resolve()
        line = "!" * 78
        return f"""{line}
THE LOCAL CHAIN WAS LOST: {self.chain.db_path.resolve()} has no registry at {old}
any more, but the database recorded {self.chain_lost} in it.
Those anchors cannot be verified on this chain, so anchoring is STOPPED: nothing will
be anchored into the new, empty registry deployed at {new} until you choose.
  - start over (deletes every entry, the database and the chain):
        stop with Ctrl-C, then:  rm -rf {data_dir}  and  make run
  - keep the entries and anchor them again into the new registry (their old anchors
    stay lost; proof bundles made before will not verify):
        .venv/bin/anchor-service registry migrate --to {new} --reason "local chain lost"
{line}"""

    def describe_remote(self) -> None:
        """Fill in the registry line for a chain ``dev`` does not run."""
        if self.settings.registry_address:
            self.registry, self.registry_note = self.settings.registry_address, "configured"
            return
        path = deployment_path(self.settings)
        try:
            record = read_deployment(path)
        except DeploymentFileError:
            record = None
        if record is not None:
            self.registry, self.registry_note = record.address, f"from {path}"
        else:
            self.registry_note = "not configured: run `anchor-service deploy`"
