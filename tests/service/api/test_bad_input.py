"""Every input rule, broken once: status code, error body, and nothing written."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from anchor_service.db import Role

BASE: dict[str, Any] = {
    "external_id": "pay-2026-11-21-000123",
    "occurred_at": "2026-11-21T08:15:00+07:00",
    "description": "Contribution to project 42",
    "postings": [
        {"account": "wallet:user:981", "amount": "-150000", "currency": "IDR"},
        {"account": "escrow:project:42", "amount": "150000", "currency": "IDR"},
    ],
    "metadata": {"gateway": "midtrans", "gateway_ref": "MT-88123"},
}


@dataclass(frozen=True)
class Case:
    body: bytes
    field: str | None
    detail: str
    status: int = 422
    error: str = "InvalidEntry"


def entry(**changes: Any) -> bytes:
    body = {**BASE, **changes}
    return json.dumps({k: v for k, v in body.items() if v is not ...}).encode()


def postings(*amounts: Any, currency: str = "IDR", account: str = "wallet:a") -> list[dict]:
    return [{"account": account, "amount": a, "currency": currency} for a in amounts]


def with_posting(**changes: Any) -> bytes:
    first = {**BASE["postings"][0], **changes}
    return entry(postings=[first, BASE["postings"][1]])


def raw(text: str) -> bytes:
    return text.encode()


_BASE_TEXT = json.dumps(BASE)

CASES: dict[str, Case] = {
    # amounts
    "amount float": Case(with_posting(amount=-1.5), "postings.0.amount", "not a JSON number"),
    "amount integral float": Case(
        raw(_BASE_TEXT.replace('"-150000"', "-150000.0")), "postings.0.amount", "fraction"
    ),
    "amount exponent number": Case(
        raw(_BASE_TEXT.replace('"-150000"', "-1.5e5")), "postings.0.amount", "exponent"
    ),
    "amount exponent string": Case(with_posting(amount="-1.5e5"), "postings.0.amount", "digits"),
    "amount fraction string": Case(with_posting(amount="-1500.00"), "postings.0.amount", "digits"),
    "amount plus sign": Case(with_posting(amount="+5"), "postings.0.amount", "digits"),
    "amount spaces": Case(with_posting(amount=" -150000"), "postings.0.amount", "digits"),
    "amount leading zero": Case(with_posting(amount="-0150000"), "postings.0.amount", "zeros"),
    "amount empty": Case(with_posting(amount=""), "postings.0.amount", "digits"),
    "amount boolean": Case(with_posting(amount=True), "postings.0.amount", "boolean"),
    "amount null": Case(with_posting(amount=None), "postings.0.amount", "integer or a string"),
    "amount zero": Case(
        entry(postings=postings(0, 0)), "postings.0.amount", "must not be zero"
    ),
    "amount beyond 10^30 string": Case(
        entry(postings=postings(str(-(10**30) - 1), str(10**30 + 1))),
        "postings.0.amount", "beyond 10^30",
    ),
    "amount beyond 10^30 number": Case(
        entry(postings=postings(-(10**40), 10**40)), "postings.0.amount", "beyond 10^30"
    ),
    # balance and postings
    "unbalanced": Case(
        entry(postings=postings("-150000", "149999")), "postings", "sum to zero per currency"
    ),
    "balanced only across currencies": Case(
        entry(postings=[*postings("-5", currency="IDR"), *postings("5", currency="USD")]),
        "postings", "IDR -5, USD +5",
    ),
    "one posting": Case(entry(postings=postings("5")), "postings", "at least 2"),
    "no postings": Case(entry(postings=[]), "postings", "at least 2"),
    "postings missing": Case(entry(postings=...), "postings", "field required"),
    "postings not a list": Case(entry(postings={"a": 1}), "postings", "must be an array"),
    "posting extra field": Case(with_posting(memo="x"), "postings.0.memo", "unknown field"),
    # currencies
    "currency lower case": Case(with_posting(currency="idr"), "postings.0.currency", "ISO 4217"),
    "currency unknown": Case(with_posting(currency="ABC"), "postings.0.currency", "ISO 4217"),
    "currency no currency": Case(with_posting(currency="XXX"), "postings.0.currency", "ISO 4217"),
    "currency withdrawn": Case(with_posting(currency="HRK"), "postings.0.currency", "ISO 4217"),
    "currency number": Case(with_posting(currency=360), "postings.0.currency", "string"),
    # accounts
    "account upper case": Case(with_posting(account="Wallet:user:981"), "postings.0.account",
                               "lower-case segments"),
    "account empty segment": Case(with_posting(account="wallet::981"), "postings.0.account",
                                  "lower-case segments"),
    "account space": Case(with_posting(account="wallet user"), "postings.0.account",
                          "lower-case segments"),
    "account non-ascii": Case(with_posting(account="dompet:pengguna:é"), "postings.0.account",
                              "lower-case segments"),
    "account too long": Case(with_posting(account="a" * 129), "postings.0.account",
                             "at most 128"),
    "account empty": Case(with_posting(account=""), "postings.0.account", "lower-case segments"),
    # external ids
    "external_id empty": Case(entry(external_id=""), "external_id", "1-128 ASCII"),
    "external_id too long": Case(entry(external_id="x" * 129), "external_id", "1-128 ASCII"),
    "external_id slash": Case(entry(external_id="pay/1"), "external_id", "1-128 ASCII"),
    "external_id leading dash": Case(entry(external_id="-pay"), "external_id", "start with"),
    "external_id non-ascii": Case(entry(external_id="bayar-ü"), "external_id", "ASCII"),
    "external_id number": Case(entry(external_id=123), "external_id", "string"),
    "external_id missing": Case(entry(external_id=...), "external_id", "field required"),
    # timestamps
    "occurred_at without offset": Case(entry(occurred_at="2026-11-21T08:15:00"), "occurred_at",
                                       "time-zone offset"),
    "occurred_at date only": Case(entry(occurred_at="2026-11-21"), "occurred_at",
                                  "time-zone offset"),
    "occurred_at epoch number": Case(entry(occurred_at=1763712900), "occurred_at",
                                     "RFC 3339 string"),
    "occurred_at impossible date": Case(entry(occurred_at="2026-02-30T00:00:00Z"),
                                        "occurred_at", "not a valid date"),
    "occurred_at nanoseconds": Case(entry(occurred_at="2026-11-21T08:15:00.123456789Z"),
                                    "occurred_at", "at most 6 fractional digits"),
    # description
    "description empty": Case(entry(description=""), "description", "must not be empty"),
    "description too long": Case(entry(description="x" * 1001), "description", "longer than"),
    "description number": Case(entry(description=5), "description", "string"),
    # metadata
    "metadata list": Case(entry(metadata=["a"]), "metadata", "JSON object"),
    "metadata string": Case(entry(metadata="a"), "metadata", "JSON object"),
    "metadata too large": Case(entry(metadata={"blob": "x" * 5000}), "metadata",
                               "over the limit of 4096 bytes"),
    "metadata NaN": Case(raw(_BASE_TEXT.replace('"MT-88123"', "NaN")), "metadata",
                         "numbers must be finite"),
    "metadata overflowing number": Case(raw(_BASE_TEXT.replace('"MT-88123"', "1e400")),
                                        "metadata", "numbers must be finite"),
    "metadata unsafe integer": Case(entry(metadata={"n": 2**53}), "metadata",
                                    "integers must be within"),
    "metadata too deep": Case(entry(metadata={"a": [[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}),
                              "metadata", "nested deeper than 16"),
    # the body as a whole
    "unknown field": Case(entry(amount="5"), "amount", "unknown field"),
    "not json": Case(raw("external_id=pay-1"), None, "not valid JSON"),
    "truncated json": Case(raw(_BASE_TEXT[:-1]), None, "not valid JSON"),
    "lone surrogate": Case(raw(_BASE_TEXT.replace("Contribution", "\\ud800")), None,
                           "not valid JSON"),
    "json array": Case(raw(json.dumps([BASE])), None, "must be a JSON object"),
    "empty body": Case(b"", None, "not valid JSON"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_rejected_with_its_field_and_nothing_is_written(
    name: str,
    client: TestClient,
    auth: Callable[[Role], dict[str, str]],
    stored_count: Callable[[], tuple[int, int]],
) -> None:
    case = CASES[name]
    headers = {**auth(Role.WRITER), "Content-Type": "application/json"}
    response = client.post("/v1/entries", content=case.body, headers=headers)
    assert response.status_code == case.status, response.text
    body = response.json()
    assert set(body) == {"error", "detail", "field", "index"}
    assert (body["error"], body["field"], body["index"]) == (case.error, case.field, None)
    assert case.detail in body["detail"]
    assert stored_count() == (0, 0)


@pytest.mark.parametrize("name", ["amount float", "metadata too large", "unbalanced"])
def test_bad_input_in_a_bulk_names_the_item(
    name: str,
    client: TestClient,
    auth: Callable[[Role], dict[str, str]],
    stored_count: Callable[[], tuple[int, int]],
) -> None:
    case = CASES[name]
    good = [{**BASE, "external_id": f"ok-{i}"} for i in range(3)]
    body = b'{"entries": [%s, %s, %s, %s]}' % (
        *(json.dumps(item).encode() for item in good[:2]), case.body, json.dumps(good[2]).encode()
    )
    response = client.post(
        "/v1/entries/bulk", content=body,
        headers={**auth(Role.WRITER), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["index"] == 2
    assert response.json()["field"] == case.field
    assert stored_count() == (0, 0)


def test_amount_of_exactly_10_to_the_30_is_accepted(
    client: TestClient, auth: Callable[[Role], dict[str, str]]
) -> None:
    response = client.post(
        "/v1/entries", content=entry(postings=postings(str(-(10**30)), 10**30)),
        headers=auth(Role.WRITER),
    )
    assert response.status_code == 201
    assert response.json()["document"]["postings"][1]["amount"] == str(10**30)


def test_body_over_the_limit_is_a_413_before_parsing(
    client: TestClient,
    auth: Callable[[Role], dict[str, str]],
    stored_count: Callable[[], tuple[int, int]],
) -> None:
    limit = 16 * 1024 * 1024
    big = b'{"entries": [' + b" " * limit + b"]}"
    declared = client.post("/v1/entries/bulk", content=big, headers=auth(Role.WRITER))

    def chunks() -> Any:  # no Content-Length: counted while streaming
        for _ in range(17):
            yield b" " * (1024 * 1024)

    streamed = client.post("/v1/entries", content=chunks(), headers=auth(Role.WRITER))
    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.json() == {
            "error": "PayloadTooLarge",
            "detail": f"request body is larger than {limit} bytes",
            "field": None,
            "index": None,
        }
    assert stored_count() == (0, 0)


def test_unknown_routes_and_methods_use_the_error_body(client: TestClient) -> None:
    missing = client.get("/v1/nothing")
    wrong_method = client.delete("/v1/entries/x")
    assert (missing.status_code, missing.json()["error"]) == (404, "NotFound")
    assert (wrong_method.status_code, wrong_method.json()["error"]) == (405, "MethodNotAllowed")
