"""Which part of the package is installed: the verifier alone, or the full service.

``pip install .`` installs what ``anchor-service verify`` needs (pydantic, web3); the
``server`` extra (``pip install '.[server]'``) adds the API, the database and the jobs.
Every command is listed either way; one that needs the server extra says so instead of
failing on a missing import.
"""

from __future__ import annotations

import importlib.util

__all__ = ["SERVER_MODULES", "server_installed", "server_missing_message"]

#: Top-level modules of the ``server`` extra's distributions (see pyproject.toml).
SERVER_MODULES = (
    "alembic",
    "apscheduler",
    "fastapi",
    "httpx",
    "prometheus_client",
    "psycopg",
    "sqlalchemy",
    "uvicorn",
)


def server_installed() -> bool:
    """Whether every module of the ``server`` extra can be imported (none is imported)."""
    return all(importlib.util.find_spec(name) is not None for name in SERVER_MODULES)


def server_missing_message(command: str) -> str:
    """What to tell someone who ran a server command in a verifier-only install."""
    return (
        f"error: `{command}` needs the full service; this installation has the verifier "
        "only.\nInstall the server extra: pip install '.[server]' (in a checkout of the "
        "repository)."
    )
