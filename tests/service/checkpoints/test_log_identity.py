"""The log identity: the note signer key from ANCHOR_LOG_KEY or a 0600 file, the origin
check, ``create_log_key``, and one clear line for every mistake (never the key)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from anchor_service.errors import LogKeyError
from anchor_service.services.log_identity import (
    LogIdentity,
    create_log_key,
    load_log_identity,
    read_log_key_file,
)
from anchor_service.settings import Settings
from anchor_service.tlog import (
    Checkpoint,
    VerifierList,
    generate_key,
    new_verifier,
    open_note,
    parse_checkpoint,
    sign_note,
)

ORIGIN = "ledger.example.co.id/anchor/v1"


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_a_created_key_file_is_private_and_loads_into_a_working_signer(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "log.key"
    created = create_log_key(path, ORIGIN)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith(f"PRIVATE+KEY+{ORIGIN}+{created.key_id_hex}+")

    loaded = load_log_identity(settings(log_key_path=path, log_origin=ORIGIN))
    assert loaded.origin == ORIGIN == created.origin
    assert loaded.verifier_key == created.verifier_key
    assert loaded.verifier_key.startswith(f"{ORIGIN}+{loaded.key_id_hex}+")

    # A checkpoint signed by the identity opens with its verifier key string.
    body = Checkpoint(origin=ORIGIN, size=3, root_hash=bytes(range(32))).text
    note = open_note(
        sign_note(body, loaded.signer), VerifierList(new_verifier(loaded.verifier_key))
    )
    assert parse_checkpoint(note.text).size == 3


def test_the_key_may_come_from_ANCHOR_LOG_KEY_and_wins_over_the_file(tmp_path: Path) -> None:
    skey, vkey = generate_key(ORIGIN)
    create_log_key(tmp_path / "other.key", ORIGIN)
    identity = load_log_identity(
        settings(log_key=SecretStr(skey), log_key_path=tmp_path / "other.key")
    )
    assert identity.verifier_key == vkey
    assert skey not in repr(identity) and skey[-20:] not in repr(identity)


def test_without_an_origin_setting_the_key_name_is_the_origin(tmp_path: Path) -> None:
    skey, _ = generate_key("example.com/log")
    assert load_log_identity(settings(log_key=SecretStr(skey))).origin == "example.com/log"


def test_a_key_named_for_another_origin_is_refused() -> None:
    skey, _ = generate_key("example.com/other")
    with pytest.raises(LogKeyError) as error:
        load_log_identity(settings(log_key=SecretStr(skey), log_origin=ORIGIN))
    detail = error.value.detail
    assert "'example.com/other'" in detail and f"'{ORIGIN}'" in detail
    assert "\n" not in detail and skey not in detail


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o644, 0o606])
def test_a_key_file_open_to_group_or_others_is_refused_naming_the_chmod_fix(
    tmp_path: Path, mode: int
) -> None:
    path = tmp_path / "log.key"
    create_log_key(path, ORIGIN)
    os.chmod(path, mode)
    with pytest.raises(LogKeyError) as error:
        load_log_identity(settings(log_key_path=path))
    detail = error.value.detail
    assert str(path) in detail and f"chmod 600 {path}" in detail
    assert f"{mode:04o}" in detail and "\n" not in detail


def test_a_private_file_still_loads_after_chmod_600(tmp_path: Path) -> None:
    path = tmp_path / "log.key"
    create_log_key(path, ORIGIN)
    os.chmod(path, 0o644)
    with pytest.raises(LogKeyError):
        read_log_key_file(path)
    os.chmod(path, 0o600)
    assert read_log_key_file(path).startswith("PRIVATE+KEY+")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("not a key\n", "does not hold a valid note signer key"),
        (f"PRIVATE+KEY+{ORIGIN}+00000000+AQ==\n", "does not hold a valid note signer key"),
        ("\xff\xfe", "does not hold a note signer key"),
    ],
)
def test_a_malformed_key_is_refused_in_one_line(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "log.key"
    path.write_bytes(content.encode("latin-1"))
    os.chmod(path, 0o600)
    with pytest.raises(LogKeyError) as error:
        load_log_identity(settings(log_key_path=path))
    assert expected in error.value.detail and str(path) in error.value.detail


def test_missing_configuration_and_missing_file_say_how_to_create_the_key(tmp_path: Path) -> None:
    with pytest.raises(LogKeyError, match="no log key: set ANCHOR_LOG_KEY_PATH"):
        load_log_identity(settings())
    with pytest.raises(LogKeyError, match="does not exist: create it with `anchor-service"):
        load_log_identity(settings(log_key_path=tmp_path / "absent.key"))


def test_create_refuses_to_overwrite_without_force_and_replaces_with_it(tmp_path: Path) -> None:
    path = tmp_path / "log.key"
    first = create_log_key(path, ORIGIN)
    before = path.read_text()
    with pytest.raises(LogKeyError, match="exists already; pass --force"):
        create_log_key(path, ORIGIN)
    assert path.read_text() == before
    second = create_log_key(path, ORIGIN, force=True)
    assert second.verifier_key != first.verifier_key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["log.key"]  # no temporary file left


def test_create_from_settings_uses_the_configured_path_and_origin(tmp_path: Path) -> None:
    configured = settings(log_key_path=tmp_path / "log.key", log_origin=ORIGIN)
    created = create_log_key(configured)
    assert isinstance(created, LogIdentity) and created.origin == ORIGIN
    assert load_log_identity(configured).verifier_key == created.verifier_key
    with pytest.raises(LogKeyError, match="no key file to write"):
        create_log_key(settings(log_origin=ORIGIN))
    with pytest.raises(LogKeyError, match="no origin for the log key"):
        create_log_key(tmp_path / "x.key")
    with pytest.raises(LogKeyError, match="cannot name a log key"):
        create_log_key(tmp_path / "y.key", "has space")
    assert not (tmp_path / "y.key").exists()
