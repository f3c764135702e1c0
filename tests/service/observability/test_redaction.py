"""Secrets never reach log output: configured secrets, API tokens, key-shaped hex, URLs."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from anchor_service.observability import Redactor, secrets_of
from anchor_service.settings import Settings

SIGNER_KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
TOKEN = "ak_0123456789abcdef_" + "Zx9-_" * 8 + "abc"
OTHER_KEY = "0x" + "ab12" + "7" * 56 + "ef90"


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "shown", [SIGNER_KEY, "0x" + SIGNER_KEY, SIGNER_KEY.upper(), "0x" + SIGNER_KEY.upper()]
)
def test_the_configured_signer_key_is_masked_in_every_spelling(shown: str) -> None:
    redactor = Redactor(secrets_of(settings(signer_key=SIGNER_KEY)))
    assert redactor.redact(f"cannot sign with key={shown}.") == "cannot sign with key=***."


def test_configured_passwords_are_masked_and_very_short_ones_are_not() -> None:
    configured = settings(
        keystore_password=SecretStr("correct horse"),
        database_url="postgresql://anchor:s3cr3t-pw@db.example/anchor",
    )
    assert secrets_of(configured) == ["correct horse", "s3cr3t-pw"]
    redactor = Redactor([*secrets_of(configured), "pw"])
    assert redactor.redact("tried correct horse and s3cr3t-pw, pw") == "tried *** and ***, pw"


def test_api_tokens_lose_their_secret_part_and_keep_their_public_id() -> None:
    assert Redactor().redact(f"key {TOKEN} rejected") == "key ak_0123456789abcdef_*** rejected"


def test_bearer_values_and_url_passwords_are_masked() -> None:
    redactor = Redactor()
    assert redactor.redact("Authorization: Bearer abc.DEF-123") == "Authorization: Bearer ***"
    assert (
        redactor.redact("connect to postgresql://anchor:hunter22@db:5432/anchor failed")
        == "connect to postgresql://anchor:***@db:5432/anchor failed"
    )


def test_unknown_key_shaped_hex_is_cut_to_its_ends() -> None:
    assert Redactor().redact(f"value {OTHER_KEY}") == "value 0xab12...ef90"


def test_hex_that_is_not_key_shaped_is_left_alone() -> None:
    raw_tx = "0x02f8" + "a" * 200
    address = "0x" + "c" * 40
    bare_hash = "d" * 64  # hashes in this service's JSON have no 0x
    text = f"{raw_tx} {address} {bare_hash}"
    assert Redactor().redact(text) == text


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://anchor:s3cr3t-pw@db.example/anchor",
        "postgresql+psycopg://anchor:p%40ss%2Fw0rd@db.example:5432/anchor?sslmode=require",
        "postgresql://anchor:pa/ss:word@db.example/anchor",
        "postgresql://anchor@db.example/anchor",
        "postgresql://anchor:@db.example/anchor",
        "sqlite:///.data/anchor.db",
        "not a url",
    ],
)
def test_the_database_password_is_the_one_sqlalchemy_reads(url: str) -> None:
    """``secrets_of`` reads the password without SQLAlchemy (the verifier-only install
    has none); it finds what SQLAlchemy's own URL parser finds."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        expected = make_url(url).password
    except ArgumentError:
        expected = None
    assert secrets_of(settings(database_url=url)) == ([str(expected)] if expected else [])
