"""Fixtures for the signer-key tests: a fresh funded key, and a watch over every output.

The chain is the session's ganache (``devchain``, ``web3`` in ``tests/service/conftest.py``).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from eth_account import Account
from web3 import Web3
from web3.types import Wei

from anchor_service.dev import DEV_ACCOUNT_KEYS
from anchor_service.observability import build_formatter, secrets_of
from anchor_service.settings import Settings

_PLAIN = logging.Formatter()


@pytest.fixture
def signer_key(web3: Web3) -> str:
    """64 lower-case hex digits (no ``0x``) of a fresh account funded from dev account 9."""
    account = Account.create()
    funder = Account.from_key(DEV_ACCOUNT_KEYS[9]).address  # unlocked in ganache
    tx_hash = web3.eth.send_transaction(
        {"from": funder, "to": account.address, "value": Wei(10**18)}
    )
    web3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)
    digits: str = account.key.hex().removeprefix("0x").lower()
    return digits


class KeyWatch:
    """Collects everything the service shows (log records, API answers, CLI output) and
    checks that a secret appears nowhere in it, in any case, with or without ``0x``."""

    def __init__(self, *secrets: str) -> None:
        self.secrets = [secret.removeprefix("0x").lower() for secret in secrets]
        self.texts: list[tuple[str, str]] = []

    def add(self, where: str, text: str) -> None:
        self.texts.append((where, text))

    def add_records(self, records: list[logging.LogRecord]) -> None:
        """Raw log records, before any redaction: message, arguments, extras, traceback."""
        for record in records:
            parts = [record.getMessage(), repr(record.args), repr(vars(record))]
            if record.exc_info:
                parts.append(_PLAIN.formatException(record.exc_info))
            if record.stack_info:
                parts.append(record.stack_info)
            self.add(f"log record {record.name}", "\n".join(parts))

    def assert_clean(self) -> None:
        assert self.texts, "nothing was watched"
        for where, text in self.texts:
            lowered = text.lower()
            for secret in self.secrets:
                assert secret not in lowered, f"the signer key appears in {where}"


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every logger at DEBUG, records kept by ``caplog``."""
    caplog.set_level(logging.DEBUG)
    yield caplog


def json_log_handler(settings: Settings) -> tuple[logging.Handler, io.StringIO]:
    """A handler writing the service's JSON log lines (secrets of ``settings`` masked)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(build_formatter("json", secrets_of(settings)))
    return handler, stream
