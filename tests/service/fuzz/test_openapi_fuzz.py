"""Property-based fuzzing of the whole HTTP API from its own OpenAPI document.

Every operation of the document (none excluded) gets generated requests, valid and
invalid (``FUZZ_EXAMPLES`` per operation; by default 25 on SQLite, 8 on PostgreSQL) with
an admin key. Each response must be documented (status code, content type, body schema)
and must not be a server error, with one documented exception: the operations that need
the chain may answer ``503`` with a JSON ``ChainUnavailable`` / ``ChainError`` body,
because the chain node of these tests is a closed port. A second pass sends valid
requests with no key: every operation that declares security must answer
``401 Unauthenticated``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, BaseSchema, Case, GenerationMode, Response
from schemathesis.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.result import Ok


def fuzz_examples(database_url: str) -> int:
    """Examples per operation: ``FUZZ_EXAMPLES`` when set, else 25 (SQLite) or 8 (PostgreSQL).

    PostgreSQL runs fewer by default to keep CI fast; the database code paths are the
    same, and a longer run (``FUZZ_EXAMPLES=500``) uses the same count for both.
    """
    explicit = os.environ.get("FUZZ_EXAMPLES", "")
    if explicit:
        return int(explicit)
    return 25 if database_url.startswith("sqlite") else 8

#: Operations that reach the chain node; with the node down they may answer 503 with one
#: of these error codes (a JSON error body, not a crash).
CHAIN_DOWN_ANSWERS: dict[str, frozenset[str]] = {
    "POST /v1/admin/anchor": frozenset({"ChainUnavailable", "ChainError"}),
    "POST /v1/admin/audit": frozenset({"ChainUnavailable", "ChainError"}),
    "POST /v1/proofs/verify": frozenset({"ChainUnavailable", "ChainError"}),
    "POST /v1/admin/entries/{external_id}/redact": frozenset({"ChainUnavailable", "ChainError"}),
}

AnyCase = Case[Any]
Operation = APIOperation[Any, Any, Any, Any]

_CHECKS = [response_schema_conformance, status_code_conformance, content_type_conformance]


def _check_not_a_server_error(case: AnyCase, response: Response) -> None:
    if response.status_code < 500:
        return
    label = f"{case.method.upper()} {case.operation.path}"
    allowed = CHAIN_DOWN_ANSWERS.get(label, frozenset())
    body = json.loads(response.content)
    assert response.status_code == 503 and body.get("error") in allowed, (
        f"{label} answered {response.status_code}: {response.content[:500]!r}"
    )


def _fuzz(
    operation: Operation,
    examples: int,
    check: Callable[[AnyCase], None],
    modes: tuple[GenerationMode, ...] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
) -> str | None:
    """Run ``check`` on cases generated in ``modes``; the failure text, if any."""
    strategy = st.one_of(*(operation.as_strategy(mode) for mode in modes))

    @given(case=strategy)
    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        database=None,
    )
    def run(case: AnyCase) -> None:
        check(case)

    try:
        run()
    except Exception as exc:  # collect every operation's failure, then report all
        return f"{operation.label}: {_describe(exc)}"
    return None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "\n".join(_describe(inner) for inner in exc.exceptions)
    return f"{type(exc).__name__}: {str(exc)[:1500]}"


def _operations(api_schema: BaseSchema) -> list[Operation]:
    operations: list[Operation] = []
    for result in api_schema.get_all_operations():
        assert isinstance(result, Ok), f"invalid operation in the OpenAPI document: {result}"
        operations.append(result.ok())
    assert len(operations) >= 19, [op.label for op in operations]
    return operations


def test_every_operation_answers_as_documented_with_an_admin_key(
    api_schema: BaseSchema, admin_headers: dict[str, str], database_url: str
) -> None:
    def check(case: AnyCase) -> None:
        response = case.call(headers=admin_headers)
        _check_not_a_server_error(case, response)
        case.validate_response(response, checks=_CHECKS, headers=admin_headers)

    examples = fuzz_examples(database_url)
    failures = [_fuzz(op, examples, check) for op in _operations(api_schema)]
    assert [f for f in failures if f] == [], '\n\n'.join(f for f in failures if f)


def test_every_protected_operation_refuses_a_request_without_a_key(
    api_schema: BaseSchema, fuzz_app: FastAPI, database_url: str
) -> None:
    def check(case: AnyCase) -> None:
        case.headers.pop("Authorization", None)
        response = case.call()
        _check_not_a_server_error(case, response)
        assert response.status_code == 401, response.content[:500]
        assert json.loads(response.content)["error"] == "Unauthenticated"
        case.validate_response(response, checks=_CHECKS)

    declared = {
        f"{method.upper()} {path}"
        for path, operations in fuzz_app.openapi()["paths"].items()
        for method, operation in operations.items()
        if operation.get("security")
    }
    protected = [op for op in _operations(api_schema) if op.label in declared]
    assert len(protected) == len(declared) >= 15, sorted(declared)
    examples = max(3, fuzz_examples(database_url) // 5)
    failures = [_fuzz(op, examples, check, (GenerationMode.POSITIVE,)) for op in protected]
    assert [f for f in failures if f] == [], '\n\n'.join(f for f in failures if f)
