"""``dev``'s local witness: a supervised ``anchor-service witness serve`` beside the API.

Unless ``ANCHOR_WITNESS_POLICY`` is configured, ``anchor-service dev`` (``make run``)
runs a local tlog-witness (c2sp.org/tlog-witness) so a developer sees checkpoints
cosigned within seconds. :class:`DevWitness` prepares it in the data directory:

- ``witness.key``: its Ed25519 key (mode 0600), named :data:`DEV_WITNESS_NAME`, created
  on the first start and reused afterwards;
- ``dev-witness-logs.policy``: the witness's own policy (``log <the log's vkey>``,
  ``quorum none``): the log it cosigns;
- ``dev-witness.policy``: the log's witness policy (``witness dev-witness <vkey> <url>``,
  ``quorum dev-witness``), given to the API and the scheduler as
  ``ANCHOR_WITNESS_POLICY`` (and written to ``dev.env`` for the CLI beside them);
- ``dev-witness.db``: the witness's state (the size it last cosigned).

Its port is picked free on each start (the policy files are rewritten with it). The
scheduler asks it every :data:`DEV_WITNESS_SECONDS` unless ``ANCHOR_WITNESS_SECONDS``
is set. DEVELOPMENT ONLY: a witness run by the log's operator on the log's machine
proves nothing to anyone else; real witnesses are run by auditors (docs/operations.md).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from anchor_service.dev.chain import free_port
from anchor_service.dev.supervisor import Child
from anchor_service.settings import Settings

__all__ = [
    "DEV_WITNESS_KEY_FILE",
    "DEV_WITNESS_NAME",
    "DEV_WITNESS_POLICY_FILE",
    "DEV_WITNESS_SECONDS",
    "DevWitness",
]

#: The dev witness's key name (its cosignatures' name).
DEV_WITNESS_NAME = "localhost/anchor-service/dev-witness"
#: The dev witness key's file name, in the data directory.
DEV_WITNESS_KEY_FILE = "witness.key"
#: The log's witness policy file ``dev`` writes (``ANCHOR_WITNESS_POLICY``).
DEV_WITNESS_POLICY_FILE = "dev-witness.policy"
#: The witness's own policy file (the log it cosigns).
_LOGS_POLICY_FILE = "dev-witness-logs.policy"
_STATE_FILE = "dev-witness.db"
#: The policy's name for the dev witness.
_POLICY_NAME = "dev-witness"
#: Seconds between witness rounds in dev (unless ANCHOR_WITNESS_SECONDS is set).
DEV_WITNESS_SECONDS = 5.0


class DevWitness:
    """The local witness of ``dev`` for the log whose verifier key is ``log_vkey``."""

    def __init__(self, settings: Settings, log_vkey: str) -> None:
        self.settings = settings
        self.log_vkey = log_vkey
        data_dir = settings.data_dir
        self.key_path = data_dir / DEV_WITNESS_KEY_FILE
        self.policy_path = data_dir / DEV_WITNESS_POLICY_FILE
        self.logs_policy_path = data_dir / _LOGS_POLICY_FILE
        self.state_path = data_dir / _STATE_FILE
        self.vkey = ""
        self.url = ""
        self.created = False

    def prepare(self) -> None:
        """Create (first start) or reuse the key; pick a port; write both policy files."""
        from anchor_service.witness.keyfile import create_key_file, load_key_file

        if self.key_path.exists():
            self.vkey = load_key_file(self.key_path).verifier().vkey
        else:
            self.vkey = create_key_file(self.key_path, DEV_WITNESS_NAME)
            self.created = True
        self.url = f"http://127.0.0.1:{free_port()}"
        self.logs_policy_path.write_text(
            f"# Written by `anchor-service dev`: the log the dev witness cosigns.\n"
            f"log {self.log_vkey}\nquorum none\n",
            encoding="utf-8",
        )
        self.policy_path.write_text(
            f"# Written by `anchor-service dev` on each start: its local witness.\n"
            f"witness {_POLICY_NAME} {self.vkey} {self.url}\nquorum {_POLICY_NAME}\n",
            encoding="utf-8",
        )

    def describe(self) -> str:
        """One line for the output: created or reused, and the verifier key."""
        if self.created:
            return (
                f"First start: created a dev witness key in {self.key_path} (mode 0600).\n"
                f"Its verifier key (cosignatures verify with it): {self.vkey}"
            )
        return f"dev witness: verifier key {self.vkey}, key {self.key_path}"

    def env(self) -> dict[str, str]:
        """What the API and the scheduler get: the witness policy, short rounds."""
        seconds = (
            self.settings.witness_seconds
            if "witness_seconds" in self.settings.model_fields_set
            else DEV_WITNESS_SECONDS
        )
        return {
            "ANCHOR_WITNESS_POLICY": str(self.policy_path),
            "ANCHOR_WITNESS_SECONDS": f"{seconds:g}",
        }

    def child(self, probe: Callable[[str], Callable[[], bool]]) -> Child:
        """The supervised ``anchor-service witness serve``, ready when ``probe`` of its
        ``/healthz`` URL says so."""
        listen = self.url.removeprefix("http://")
        argv = [
            sys.executable, "-m", "anchor_service.cli", "witness", "serve",
            "--key", str(self.key_path), "--policy", str(self.logs_policy_path),
            "--state", str(self.state_path), "--listen", listen,
        ]  # fmt: skip
        return Child(name="witness", argv=argv, ready=probe(f"{self.url}/healthz"))

    def banner_row(self, seconds: float) -> str:
        """The banner's row: where the witness listens, its key, how often it is asked."""
        return (
            f"witness:    {self.url}  (local dev witness, asked every {seconds:g} s; "
            f"vkey {self.vkey}; policy {Path(self.policy_path)})"
        )
