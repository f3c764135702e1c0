"""API keys: stored hashed, checked, revoked."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from anchor_service.db import ApiKey, Database, Role, unit_of_work
from anchor_service.db.repositories import ApiKeyRepository
from anchor_service.errors import AuthenticationError, NotFoundError


def test_created_key_authenticates_and_only_its_hash_is_stored(database: Database) -> None:
    with unit_of_work(database.writer) as session:
        new = ApiKeyRepository(session).create(Role.WRITER, name="ci")
    assert new.token.startswith(f"ak_{new.key.id}_")
    with unit_of_work(database.reader) as session:
        row = session.scalars(select(ApiKey)).one()
        key = ApiKeyRepository(session).authenticate(new.token)
    assert (key.id, key.role, row.name) == (new.key.id, Role.WRITER, "ci")
    assert row.secret_hash == hashlib.sha256(new.token.encode()).digest()
    assert new.token.encode() not in repr(row.__dict__).encode()


@pytest.mark.parametrize(
    "token",
    ["", "ak_", "bearer", "ak_0123456789abcdef_short", "xx_0123456789abcdef_" + "a" * 43],
)
def test_malformed_keys_are_refused(database: Database, token: str) -> None:
    with unit_of_work(database.reader) as session, pytest.raises(AuthenticationError):
        ApiKeyRepository(session).authenticate(token)


def test_unknown_and_tampered_keys_are_refused(database: Database) -> None:
    with unit_of_work(database.writer) as session:
        token = ApiKeyRepository(session).create(Role.ADMIN).token
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    unknown = "ak_" + "f" * 16 + token[19:]
    for bad in (tampered, unknown):
        with unit_of_work(database.reader) as session, pytest.raises(
            AuthenticationError, match="unknown API key"
        ):
            ApiKeyRepository(session).authenticate(bad)


def test_revoked_keys_are_refused_and_revoking_twice_is_harmless(database: Database) -> None:
    with unit_of_work(database.writer) as session:
        new = ApiKeyRepository(session).create(Role.AUDITOR)
    for _ in range(2):
        with unit_of_work(database.writer) as session:
            revoked = ApiKeyRepository(session).revoke(new.key.id)
        assert revoked.revoked_at is not None
    with unit_of_work(database.reader) as session, pytest.raises(
        AuthenticationError, match="revoked"
    ):
        ApiKeyRepository(session).authenticate(new.token)


def test_revoking_an_unknown_key_is_not_found(database: Database) -> None:
    with unit_of_work(database.writer) as session, pytest.raises(NotFoundError):
        ApiKeyRepository(session).revoke("0123456789abcdef")


def test_roles_nest_admin_over_writer_and_auditor() -> None:
    assert Role.ADMIN.allows(Role.WRITER) and Role.ADMIN.allows(Role.AUDITOR)
    assert Role.WRITER.allows(Role.WRITER) and not Role.WRITER.allows(Role.AUDITOR)
    assert Role.AUDITOR.allows(Role.AUDITOR) and not Role.AUDITOR.allows(Role.ADMIN)
