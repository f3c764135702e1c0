"""The dev settings file: what ``anchor-service dev`` tells the CLI run beside it.

``make run`` (``anchor-service dev``) configures its API and scheduler through their
environment: the local chain's RPC URL, the registry it deployed or reused, and ganache's
dev account 0 as signer. A command run by hand in the same directory
(``anchor-service seal && anchor-service anchor --wait``) sees none of that, so ``dev``
also writes it to ``<data_dir>/dev.env`` (:data:`DEV_SETTINGS_FILE`), and
:func:`anchor_service.settings.load_settings` (the CLI's and the API's loader) reads it:

- only for settings not configured otherwise (environment, ``.env``);
- never with ``ANCHOR_ENV=production``, nor when ``ANCHOR_RPC_URL`` or
  ``ANCHOR_CHAIN_ID`` name another chain than the file's;
- the signer is a *reference* (``ANCHOR_DEV_ACCOUNT=0``) to a PUBLIC, test-only ganache
  account of :data:`~anchor_service.dev.accounts.DEV_ACCOUNT_KEYS`, written only when
  ``dev`` signs with it (no key of the user's), and used only when no signer is
  configured. ``Settings`` itself ignores that name, so the file copied into ``.env``
  gives no signer.

It also holds the dev log key ``dev`` creates on its first start (``ANCHOR_LOG_KEY_PATH``,
``ANCHOR_LOG_ORIGIN``; :func:`write_dev_log_key`), whatever the chain: those two lines are
read even when the chain lines are not, and are kept when the chain lines are rewritten
or removed. Likewise the policy of ``dev``'s local witness (``ANCHOR_WITNESS_POLICY``;
:func:`write_dev_witness_policy`), read unless a witness policy is configured, so that
``anchor-service policy export`` beside ``dev`` lists the witness.

``dev`` rewrites the chain lines on every start with a local chain, and removes them
otherwise (the file goes when nothing is left).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from anchor_service.dev.accounts import DEV_ACCOUNT_KEYS

if TYPE_CHECKING:
    from anchor_service.settings import Settings

__all__ = [
    "DEV_SETTINGS_FILE",
    "dev_settings_path",
    "read_dev_settings",
    "remove_dev_settings",
    "write_dev_log_key",
    "write_dev_settings",
    "write_dev_witness_policy",
]

#: The file's name, in the data directory.
DEV_SETTINGS_FILE = "dev.env"

_HEADER = """\
# Written by `anchor-service dev` (`make run`) for the commands run beside it, e.g.
# `anchor-service seal && anchor-service anchor --wait`: its local chain and registry.
# DEVELOPMENT ONLY. ANCHOR_DEV_ACCOUNT names a PUBLIC, test-only ganache account
# (anyone can spend from it): never use it on a real chain.
# Read only for settings not configured otherwise; ignored with ANCHOR_ENV=production
# and when ANCHOR_RPC_URL / ANCHOR_CHAIN_ID name another chain. Rewritten by each start.
"""

# The file's variables and the settings they fill.
_FIELDS = {
    "ANCHOR_RPC_URL": "rpc_url",
    "ANCHOR_CHAIN_ID": "chain_id",
    "ANCHOR_REGISTRY_ADDRESS": "registry_address",
}
# The dev log key's variables (kept across chain rewrites) and their settings.
_LOG_FIELDS = {
    "ANCHOR_LOG_KEY_PATH": "log_key_path",
    "ANCHOR_LOG_ORIGIN": "log_origin",
}
# The dev witness's policy (kept across chain rewrites) and its setting.
_WITNESS_FIELDS = {"ANCHOR_WITNESS_POLICY": "witness_policy"}
_KEPT_FIELDS = {**_LOG_FIELDS, **_WITNESS_FIELDS}
_DEV_ACCOUNT = "ANCHOR_DEV_ACCOUNT"
_CHAIN_FIELDS = ("rpc_url", "chain_id")
_SIGNER_FIELDS = ("signer_key", "keystore_path")


def dev_settings_path(data_dir: Path) -> Path:
    """Where ``dev`` writes the file for ``data_dir``."""
    return data_dir / DEV_SETTINGS_FILE


def write_dev_settings(
    data_dir: Path,
    *,
    rpc_url: str,
    chain_id: int,
    registry: str | None,
    dev_account: int | None = None,
) -> Path:
    """Write the file for the local chain at ``rpc_url``; ``dev_account``: the index of
    the public dev account ``dev`` signs with (``None``: the user configured a signer)."""
    lines = [f"ANCHOR_RPC_URL={rpc_url}", f"ANCHOR_CHAIN_ID={chain_id}"]
    if registry:
        lines.append(f"ANCHOR_REGISTRY_ADDRESS={registry}")
    if dev_account is not None:
        lines.append(f"{_DEV_ACCOUNT}={dev_account}")
    return _write(data_dir, lines + _log_lines(data_dir))


def write_dev_log_key(data_dir: Path, *, key_path: Path, origin: str) -> Path:
    """Add (or replace) the dev log key's lines, keeping the chain lines."""
    kept = [line for line in _lines(data_dir) if _name(line) not in _LOG_FIELDS]
    return _write(
        data_dir, [*kept, f"ANCHOR_LOG_KEY_PATH={key_path}", f"ANCHOR_LOG_ORIGIN={origin}"]
    )


def write_dev_witness_policy(data_dir: Path, policy: Path) -> Path:
    """Add (or replace) the dev witness's policy line, keeping the others."""
    kept = [line for line in _lines(data_dir) if _name(line) not in _WITNESS_FIELDS]
    return _write(data_dir, [*kept, f"ANCHOR_WITNESS_POLICY={policy}"])


def remove_dev_settings(data_dir: Path) -> None:
    """Remove the chain lines (``dev`` without a local chain has no chain to tell),
    keeping the dev log key's; the file goes when nothing is left."""
    kept = _log_lines(data_dir)
    if kept:
        _write(data_dir, kept)
    else:
        dev_settings_path(data_dir).unlink(missing_ok=True)


def _write(data_dir: Path, lines: list[str]) -> Path:
    path = dev_settings_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def _lines(data_dir: Path) -> list[str]:
    """The variable lines of the current file (none when there is none)."""
    try:
        text = dev_settings_path(data_dir).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        return []
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.strip().startswith("#") and "=" in line
    ]


def _name(line: str) -> str:
    return line.partition("=")[0].strip()


def _log_lines(data_dir: Path) -> list[str]:
    """The lines kept when the chain lines go: the dev log key's and witness's."""
    return [line for line in _lines(data_dir) if _name(line) in _KEPT_FIELDS]


def _parse(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.partition("=")
        values[name.strip()] = value.strip()
    return values


def read_dev_settings(settings: Settings) -> dict[str, Any]:
    """The values the file adds to ``settings`` (none configured there); empty when there
    is no file or with ``ANCHOR_ENV=production``; only the dev log key's when it is about
    another chain (and not even those when a log key is configured)."""
    if settings.env == "production":
        return {}
    try:
        text = dev_settings_path(settings.data_dir).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        return {}
    found = _parse(text)
    configured = settings.model_fields_set
    # The dev log key, unless a log key is configured otherwise (not tied to the chain).
    own_log_key = any(field in configured for field in ("log_key", "log_key_path"))
    log_values: dict[str, Any] = (
        {}
        if own_log_key
        else {field: found[name] for name, field in _LOG_FIELDS.items() if found.get(name)}
    )
    log_values.update(
        {field: found[name] for name, field in _WITNESS_FIELDS.items() if found.get(name)}
    )
    log_values = {field: value for field, value in log_values.items() if field not in configured}
    values: dict[str, Any] = {
        field: found[name] for name, field in _FIELDS.items() if found.get(name)
    }
    for field in _CHAIN_FIELDS:
        configured_value = str(getattr(settings, field))
        if field in configured and field in values and configured_value != values[field]:
            return log_values  # the user's chain is not dev's
    account = found.get(_DEV_ACCOUNT, "")
    own_signer = any(field in configured for field in _SIGNER_FIELDS)
    if account.isdigit() and int(account) < len(DEV_ACCOUNT_KEYS) and not own_signer:
        values["signer_key"] = DEV_ACCOUNT_KEYS[int(account)]
    chain_values = {field: value for field, value in values.items() if field not in configured}
    return {**chain_values, **log_values}
