"""Loading the signing account, and keeping its key out of every rendering."""

from __future__ import annotations

import copy
import json
import logging
import pickle
import traceback
from pathlib import Path

import pytest
from eth_account import Account
from pydantic import SecretStr

from anchor_service.chain import Signer, SignerError
from anchor_service.dev import DEV_ACCOUNT_KEYS
from anchor_service.settings import Settings

KEY = DEV_ACCOUNT_KEYS[3]
KEY_HEX = KEY.removeprefix("0x")
ADDRESS = "0xE11BA2b4D45Eaed5996Cd0823791E0C93114882d"
PASSWORD = "correct horse battery staple"


def _all_text(exc: BaseException) -> str:
    """The messages of ``exc`` and of every exception chained to it, and their reprs."""
    parts: list[str] = []
    current: BaseException | None = exc
    while current is not None:
        parts += [*traceback.format_exception_only(current), repr(current), repr(current.args)]
        current = current.__cause__ or current.__context__
    return "".join(parts)


@pytest.fixture
def keystore(tmp_path: Path) -> Path:
    path = tmp_path / "signer.json"
    encrypted = Account.encrypt(bytes.fromhex(KEY_HEX), PASSWORD, kdf="pbkdf2", iterations=1024)
    path.write_text(json.dumps(encrypted), encoding="utf-8")
    return path


def test_signer_from_key_has_the_key_address() -> None:
    assert Signer.from_key(SecretStr(KEY)).address == ADDRESS
    assert Signer.from_key(KEY_HEX).address == ADDRESS


def test_signer_repr_str_format_and_logging_show_only_the_address(
    caplog: pytest.LogCaptureFixture,
) -> None:
    signer = Signer.from_key(SecretStr(KEY))
    caplog.set_level(logging.DEBUG)
    logging.getLogger("test.signer").info("signer %s %r", signer, signer)
    renderings = [repr(signer), str(signer), f"{signer}", caplog.text]
    for text in renderings:
        assert ADDRESS in text
        assert KEY_HEX not in text.lower()


def test_signer_cannot_be_pickled_or_copied() -> None:
    signer = Signer.from_key(KEY)
    with pytest.raises(TypeError, match="private key"):
        pickle.dumps(signer)
    with pytest.raises(TypeError, match="private key"):
        copy.copy(signer)


@pytest.mark.parametrize(
    "bad_key",
    [KEY_HEX[:-1], KEY_HEX + "0", KEY_HEX[:-1] + "g", "0x" + "00" * 32, "ff" * 32],
    ids=["short", "long", "not-hex", "zero", "above-curve-order"],
)
def test_invalid_key_errors_do_not_echo_the_input(bad_key: str) -> None:
    with pytest.raises(SignerError) as info:
        Signer.from_key(SecretStr(bad_key))
    text = _all_text(info.value)
    assert bad_key not in text
    assert bad_key[:40] not in text


def test_signer_from_keystore_decrypts_with_password(keystore: Path) -> None:
    assert Signer.from_keystore(keystore, SecretStr(PASSWORD)).address == ADDRESS


def test_wrong_keystore_password_raises_without_secrets(keystore: Path) -> None:
    with pytest.raises(SignerError, match="wrong password") as info:
        Signer.from_keystore(keystore, SecretStr("not the password"))
    text = _all_text(info.value)
    assert "not the password" not in text
    assert KEY_HEX not in text


def test_missing_and_garbled_keystores_raise_signer_error(tmp_path: Path) -> None:
    with pytest.raises(SignerError, match="does not exist"):
        Signer.from_keystore(tmp_path / "absent.json", PASSWORD)
    garbled = tmp_path / "garbled.json"
    garbled.write_text("{not json", encoding="utf-8")
    with pytest.raises(SignerError, match="unreadable"):
        Signer.from_keystore(garbled, PASSWORD)
    wrong_shape = tmp_path / "shape.json"
    wrong_shape.write_text('{"version": 3}', encoding="utf-8")
    with pytest.raises(SignerError):
        Signer.from_keystore(wrong_shape, PASSWORD)


def test_settings_with_signer_key_load_that_key() -> None:
    settings = Settings(_env_file=None, signer_key=SecretStr(KEY))
    assert Signer.from_settings(settings).address == ADDRESS


def test_settings_with_keystore_load_the_keystore(keystore: Path) -> None:
    settings = Settings(
        _env_file=None, keystore_path=keystore, keystore_password=SecretStr(PASSWORD)
    )
    assert Signer.from_settings(settings).address == ADDRESS


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "no signing key configured"),
        ({"keystore_path": Path("k.json")}, "KEYSTORE_PASSWORD is not"),
        ({"signer_key": SecretStr(KEY), "keystore_path": Path("k.json")}, "not both"),
    ],
    ids=["none", "keystore-without-password", "both"],
)
def test_settings_without_exactly_one_key_source_raise(
    fields: dict[str, object], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ANCHOR_SIGNER_KEY", "ANCHOR_KEYSTORE_PATH", "ANCHOR_KEYSTORE_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None, **fields)  # type: ignore[arg-type]
    with pytest.raises(SignerError, match=message):
        Signer.from_settings(settings)


def test_signed_transaction_recovers_to_the_signer() -> None:
    signer = Signer.from_key(KEY)
    signed = signer.sign_transaction(
        {
            "type": 2, "chainId": 1337, "nonce": 7, "gas": 21_000, "to": ADDRESS, "value": 1,
            "maxFeePerGas": 2_000_000_000, "maxPriorityFeePerGas": 1_000_000_000, "data": b"",
        }
    )  # fmt: skip
    assert Account.recover_transaction(signed.raw_transaction) == ADDRESS
