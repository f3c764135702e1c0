"""Every route and every kind of caller: 401 without a valid key, 403 below the route's role.

The routes are read from the app itself, so a new endpoint that is not listed in
:data:`MINIMUM_ROLE` fails :func:`test_every_route_has_an_expected_role` instead of
escaping the matrix. An ``account`` key passes only the routes of
:data:`ACCOUNT_KEY_ROUTES` (each with the answer it gets for the matrix's path values);
every other route that needs a key is 403 to it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from httpx import Response
from starlette.routing import Mount

from anchor_service.api import create_app
from anchor_service.db.models import Role
from anchor_service.db.repositories.api_keys import ApiKeyRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.settings import Settings

MakeSettings = Callable[..., Settings]

PUBLIC = "public"

#: (method, path template) -> the least role that may call it ("public": no key needed).
MINIMUM_ROLE: dict[tuple[str, str], Role | str] = {
    ("GET", "/"): PUBLIC,  # links to /docs and /verify
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/static"): PUBLIC,  # a mount: the docs page's assets
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/healthz/detail"): PUBLIC,  # database and chain node state, no data
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/verify"): PUBLIC,
    ("GET", "/verify/assets/{name}"): PUBLIC,
    ("POST", "/v1/entries"): Role.WRITER,
    ("POST", "/v1/entries/bulk"): Role.WRITER,
    ("GET", "/v1/entries/{external_id}"): Role.AUDITOR,
    ("GET", "/v1/entries/{external_id}/proof"): Role.AUDITOR,
    ("POST", "/v1/proofs/verify"): Role.AUDITOR,
    ("GET", "/v1/log/head"): Role.AUDITOR,
    ("GET", "/v1/log/consistency"): Role.AUDITOR,
    ("GET", "/v1/batches"): Role.AUDITOR,
    ("GET", "/v1/batches/{seq}"): Role.AUDITOR,
    ("GET", "/v1/batches/{seq}/statement"): Role.AUDITOR,
    ("GET", "/v1/batches/{seq}/accounts"): Role.AUDITOR,
    ("GET", "/v1/batches/{seq}/accounts/{account}"): Role.AUDITOR,
    ("GET", "/v1/batches/{seq}/accounts/{account}/entries"): Role.AUDITOR,
    ("GET", "/v1/anchors"): Role.AUDITOR,
    ("GET", "/v1/anchors/{seq}"): Role.AUDITOR,
    ("POST", "/v1/admin/seal"): Role.ADMIN,
    ("POST", "/v1/admin/anchor"): Role.ADMIN,
    ("POST", "/v1/admin/audit"): Role.ADMIN,
    ("POST", "/v1/admin/entries/{external_id}/redact"): Role.ADMIN,
    ("POST", "/v1/reconciliations"): Role.ADMIN,
    ("GET", "/v1/reconciliations"): Role.AUDITOR,
    ("GET", "/v1/reconciliations/{reconciliation_id}"): Role.AUDITOR,
    ("GET", "/v1/reconciliations/{reconciliation_id}/statement"): Role.AUDITOR,
    ("GET", "/tlog/checkpoint"): PUBLIC,  # ANCHOR_TLOG_PUBLIC (default true)
    ("GET", "/tlog/tile/{tail:path}"): PUBLIC,  # hash tiles (ANCHOR_TLOG_PUBLIC, default)
    ("GET", "/tlog/tile/entries/{tail:path}"): Role.AUDITOR,  # the leaves: personal data
}

#: Routes an ``account`` key may call (``AccountReaderDep``), and the status it gets for
#: the path values below: the matrix's entry does not exist, so 404 (it would be 404 too
#: for an entry touching none of the key's accounts: tests/service/security/test_account_keys.py).
ACCOUNT_KEY_ROUTES: dict[tuple[str, str], int] = {
    ("GET", "/v1/entries/{external_id}"): 404,
    ("GET", "/v1/entries/{external_id}/proof"): 404,
    ("GET", "/v1/batches/{seq}/accounts/{account}"): 404,  # no batch 0 (the account is theirs)
    ("GET", "/v1/batches/{seq}/accounts/{account}/entries"): 404,
}
#: The patterns of the matrix's ``account`` key.
ACCOUNT_PATTERNS = ("wallet:user:981", "creator:7:*")

#: Values for path parameters: any value will do, the route only has to be reached.
PATH_VALUES = {
    "external_id": "no-such-entry",
    "seq": "0",
    "name": "no-such-asset.js",
    "tail": "0/000",
    "account": "creator:7:payouts",
    "reconciliation_id": "0" * 32,
}

UNKNOWN_KEY = "ak_0123456789abcdef_" + "A" * 43
INVALID_CALLERS: dict[str, dict[str, str]] = {
    "no key": {},
    "empty header": {"Authorization": ""},
    "other scheme": {"Authorization": "Basic dXNlcjpwYXNz"},
    "malformed key": {"Authorization": "Bearer not-an-api-key"},
    "unknown key": {"Authorization": f"Bearer {UNKNOWN_KEY}"},
}


def app_routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path template) of every route of ``app``; a mount counts as one GET."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        path = context.path
        assert path is not None, f"route without a path: {route!r}"
        if isinstance(route, Mount):
            yield "GET", path
            continue
        for method in sorted(context.methods or ()):
            if method != "HEAD":  # served by the GET route
                yield method, path


def concrete_path(template: str, method: str) -> str:
    path = re.sub(r"\{(\w+)(?::path)?\}", lambda match: PATH_VALUES[match.group(1)], template)
    if (method, template) == ("GET", "/docs/static"):
        path += "/no-such-file.js"
    return path


@pytest.fixture
def settings(make_settings: MakeSettings, tmp_path: Path) -> Settings:
    """No chain anywhere near (an unused port, a data dir of the test's own), no key cache."""
    return make_settings(api_key_cache_seconds=0, data_dir=tmp_path, rpc_url="http://127.0.0.1:9")


@pytest.fixture
def keys(database: Database) -> dict[str, str]:
    """A token per role, and one revoked token (revoked after it was created)."""
    with unit_of_work(database.writer) as session:
        repository = ApiKeyRepository(session)
        tokens = {
            role.value: repository.create(
                role, name=role.value, accounts=ACCOUNT_PATTERNS if role is Role.ACCOUNT else ()
            ).token
            for role in Role
        }
        revoked = repository.create(Role.ADMIN, name="revoked")
        tokens["revoked"], revoked_id = revoked.token, revoked.key.id
    with unit_of_work(database.writer) as session:
        ApiKeyRepository(session).revoke(revoked_id)
    return tokens


def test_every_route_has_an_expected_role(app: FastAPI) -> None:
    routes = set(app_routes(app))
    unclassified = sorted(routes - MINIMUM_ROLE.keys())
    assert not unclassified, f"add these routes to MINIMUM_ROLE: {unclassified}"
    stale = sorted(MINIMUM_ROLE.keys() - routes)
    assert not stale, f"MINIMUM_ROLE lists routes the app does not have: {stale}"


def test_every_route_answers_every_caller_as_its_role_requires(
    app: FastAPI, keys: dict[str, str]
) -> None:
    callers: dict[str, dict[str, str]] = dict(INVALID_CALLERS)
    callers["revoked key"] = {"Authorization": f"Bearer {keys['revoked']}"}
    for role in Role:
        callers[role.value] = {"Authorization": f"Bearer {keys[role.value]}"}

    wrong: list[str] = []
    checked = 0
    with TestClient(app) as client:
        for method, template in sorted(app_routes(app)):
            minimum = MINIMUM_ROLE[(method, template)]
            path = concrete_path(template, method)
            for caller, headers in callers.items():
                response = client.request(method, path, headers=headers)
                expected = _expected(minimum, caller, (method, template))
                checked += 1
                if not _matches(expected, response.status_code, response):  # collect all
                    wrong.append(
                        f"{method} {path} as {caller}: {response.status_code} "
                        f"(expected {expected}) {response.text[:120]}"
                    )
    assert not wrong, "\n".join(wrong)
    assert checked == len(MINIMUM_ROLE) * (len(INVALID_CALLERS) + 1 + len(Role))


def test_the_account_key_routes_are_routes_needing_a_key() -> None:
    for route in ACCOUNT_KEY_ROUTES:
        assert MINIMUM_ROLE[route] == Role.AUDITOR, route


#: Who passes a route that needs a role: that role and admin (written out, not derived
#: from ``Role.allows``, so a change there shows up here).
ALLOWED = {
    Role.WRITER: {"writer", "admin"},
    Role.AUDITOR: {"auditor", "admin"},
    Role.ADMIN: {"admin"},
}


def _expected(minimum: Role | str, caller: str, route: tuple[str, str]) -> str:
    if minimum == PUBLIC:
        return "allowed"
    assert isinstance(minimum, Role)
    if caller not in {role.value for role in Role}:
        return "401"
    if caller == Role.ACCOUNT.value:
        return str(ACCOUNT_KEY_ROUTES[route]) if route in ACCOUNT_KEY_ROUTES else "403"
    return "allowed" if caller in ALLOWED[minimum] else "403"


def _matches(expected: str, status: int, response: Response) -> bool:
    if expected == "allowed":
        return status not in (401, 403)
    if expected == "404":
        return status == 404 and response.json()["error"] == "NotFound"
    if expected == "401":
        return (
            status == 401
            and response.json()["error"] == "Unauthenticated"
            and response.headers.get("www-authenticate") == "Bearer"
        )
    return status == 403 and response.json()["error"] == "PermissionDenied"


def test_the_revoked_key_worked_before_it_was_revoked(
    make_settings: MakeSettings, database: Database, tmp_path: Path
) -> None:
    """The revoked case above is a real revocation: the same key is let in until then."""
    app = create_app(make_settings(api_key_cache_seconds=0, data_dir=tmp_path), database)
    with unit_of_work(database.writer) as session:
        created = ApiKeyRepository(session).create(Role.AUDITOR, name="soon revoked")
        headers, key_id = {"Authorization": f"Bearer {created.token}"}, created.key.id
    with TestClient(app) as client:
        assert client.get("/v1/log/head", headers=headers).status_code == 200
        with unit_of_work(database.writer) as session:
            ApiKeyRepository(session).revoke(key_id)
        refused = client.get("/v1/log/head", headers=headers)
    assert refused.status_code == 401
    assert refused.json()["error"] == "Unauthenticated"
