"""The account that signs transactions, loaded from a secret key or a keystore file.

The private key lives only inside the eth-account ``LocalAccount`` held privately by
:class:`Signer`; ``repr``/``str`` show the address, pickling is refused, and every
error message is written here without key material (the original exception, which
might echo input, is suppressed with ``from None``).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from eth_account import Account
from eth_account.datastructures import SignedTransaction
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from pydantic import SecretStr

from anchor_service.chain.errors import SignerError

if TYPE_CHECKING:
    from anchor_service.settings import Settings

__all__ = ["Signer"]

logger = logging.getLogger(__name__)

_HEX_KEY = re.compile(r"(0x)?[0-9a-fA-F]{64}")


def _reveal(secret: SecretStr | str) -> str:
    return secret.get_secret_value() if isinstance(secret, SecretStr) else secret


class Signer:
    """Signs transactions for one account; knows its address, never shows its key."""

    __slots__ = ("_account",)

    def __init__(self, account: LocalAccount) -> None:
        self._account = account

    @classmethod
    def from_key(cls, key: SecretStr | str) -> Signer:
        """Load from a hex private key (64 hex digits, ``0x`` optional)."""
        text = _reveal(key).strip()
        if not _HEX_KEY.fullmatch(text):
            raise SignerError("signer key is not a 32-byte hex private key")
        try:
            account: LocalAccount = Account.from_key(text)
        except Exception:  # eth-keys may echo the input; report without it
            raise SignerError("signer key is not a valid secp256k1 private key") from None
        return cls(account)

    @classmethod
    def from_keystore(cls, path: Path, password: SecretStr | str) -> Signer:
        """Decrypt an Ethereum keystore (v3 JSON) file with ``password``."""
        try:
            keyfile = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SignerError(f"keystore file {path} does not exist") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SignerError(f"keystore file {path} is unreadable: {type(exc).__name__}") from None
        try:
            key = Account.decrypt(keyfile, _reveal(password))
        except ValueError:
            raise SignerError(
                f"cannot decrypt keystore {path}: wrong password or corrupt file"
            ) from None
        except Exception:
            raise SignerError(f"keystore file {path} is not a valid keystore") from None
        signer = cls(Account.from_key(key))
        logger.info("loaded signer %s from keystore %s", signer.address, path)
        return signer

    @classmethod
    def from_settings(cls, settings: Settings) -> Signer:
        """From ``ANCHOR_SIGNER_KEY`` or ``ANCHOR_KEYSTORE_PATH`` + ``ANCHOR_KEYSTORE_PASSWORD``.

        Exactly one of the two sources must be configured.
        """
        if settings.signer_key is not None and settings.keystore_path is not None:
            raise SignerError("set either ANCHOR_SIGNER_KEY or ANCHOR_KEYSTORE_PATH, not both")
        if settings.signer_key is not None:
            return cls.from_key(settings.signer_key)
        if settings.keystore_path is not None:
            if settings.keystore_password is None:
                raise SignerError("ANCHOR_KEYSTORE_PATH is set but ANCHOR_KEYSTORE_PASSWORD is not")
            return cls.from_keystore(settings.keystore_path, settings.keystore_password)
        raise SignerError(
            "no signing key configured: set ANCHOR_SIGNER_KEY, or ANCHOR_KEYSTORE_PATH "
            "and ANCHOR_KEYSTORE_PASSWORD (in the environment or ./.env). On the local dev "
            "chain of `make run` (`anchor-service dev`), run the command in the directory "
            f"where `make run` runs: it writes {settings.data_dir / 'dev.env'} with the "
            "chain, registry and test signer"
            + (", which ANCHOR_ENV=production ignores" if settings.env == "production" else "")
        )

    @property
    def address(self) -> ChecksumAddress:
        """The account's checksummed address."""
        return self._account.address

    def sign_transaction(self, transaction: Mapping[str, Any]) -> SignedTransaction:
        """Sign a complete transaction dict (nonce, gas, fees and chainId included)."""
        try:
            return self._account.sign_transaction(dict(transaction))
        except (TypeError, ValueError) as exc:
            raise SignerError(f"cannot sign transaction: {exc}") from exc

    def __repr__(self) -> str:
        return f"Signer(address={self.address})"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Signer holds a private key and cannot be pickled or copied")
