"""The settlement statement document: contents, canonical bytes, hash (pure)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
import rfc8785

from anchor_service.ledger.statement import (
    AccountMovement,
    build_statement,
    movements_from_postings,
)

START = datetime(2026, 11, 20, 17, 30, tzinfo=UTC)
END = datetime(2026, 11, 21, 17, 30, 0, 250000, tzinfo=UTC)


def test_statement_is_the_jcs_of_its_document_and_hashed() -> None:
    movements = movements_from_postings(
        [
            ("wallet:user:981", "IDR", -150000),
            ("escrow:project:42", "IDR", 150000),
            ("wallet:user:7", "USD", -(10**30)),
            ("fx:pool", "USD", 10**30),
        ]
    )

    statement = build_statement(
        batch_seq=3, start=1200, end=1202, period_start=START, period_end=END, movements=movements
    )

    assert statement.canonical == rfc8785.dumps(statement.document)
    assert statement.sha256 == hashlib.sha256(statement.canonical).digest()
    assert json.loads(statement.canonical) == {
        "version": 1,
        "batch_seq": 3,
        "leaf_range": {"start": 1200, "end": 1202},
        "tree_size": 1202,
        "period": {"start": "2026-11-20T17:30:00Z", "end": "2026-11-21T17:30:00.25Z"},
        "entry_count": 2,
        "totals": {
            "IDR": {"debits": "150000", "credits": "150000"},
            "USD": {"debits": str(10**30), "credits": str(10**30)},
        },
        "net": {
            "escrow:project:42": {"IDR": "150000"},
            "fx:pool": {"USD": str(10**30)},
            "wallet:user:7": {"USD": "-" + str(10**30)},
            "wallet:user:981": {"IDR": "-150000"},
        },
    }


def test_statement_bytes_do_not_depend_on_movement_order_or_time_zone() -> None:
    movements = [
        AccountMovement("b", "IDR", 5, 0),
        AccountMovement("a", "IDR", 0, 3),
        AccountMovement("a", "USD", 1, 1),
        AccountMovement("c", "IDR", 0, 2),
    ]
    jakarta = timezone(timedelta(hours=7))
    one = build_statement(
        batch_seq=0, start=0, end=4, period_start=START, period_end=END, movements=movements
    )
    other = build_statement(
        batch_seq=0,
        start=0,
        end=4,
        period_start=START.astimezone(jakarta),
        period_end=END.astimezone(jakarta),
        movements=reversed(movements),
    )
    assert one.canonical == other.canonical
    assert one.canonical.index(b'"net":{"a":{"IDR":"3","USD":"0"}') > 0


def test_movements_of_the_same_account_and_currency_add_up() -> None:
    statement = build_statement(
        batch_seq=0,
        start=0,
        end=1,
        period_start=START,
        period_end=END,
        movements=[AccountMovement("a", "IDR", 2, 7), AccountMovement("a", "IDR", 1, 0)],
    )
    assert statement.document["net"] == {"a": {"IDR": "4"}}
    assert statement.document["totals"] == {"IDR": {"debits": "3", "credits": "7"}}


def test_movements_from_postings_sum_exactly_beyond_64_bits() -> None:
    big = 10**30
    movements = movements_from_postings(
        [("a", "IDR", big), ("a", "IDR", big - 1), ("a", "IDR", -big), ("b", "IDR", -(big - 1))]
    )
    assert movements == [
        AccountMovement("a", "IDR", debits=big, credits=2 * big - 1),
        AccountMovement("b", "IDR", debits=big - 1, credits=0),
    ]
    assert movements[0].net == big - 1


@pytest.mark.parametrize(
    ("start", "end", "period_end", "message"),
    [
        (5, 5, END, "invalid leaf range"),
        (-1, 3, END, "invalid leaf range"),
        (0, 3, START - timedelta(seconds=1), "period ends"),
    ],
)
def test_statement_rejects_impossible_ranges_and_periods(
    start: int, end: int, period_end: datetime, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build_statement(
            batch_seq=0, start=start, end=end, period_start=START, period_end=period_end,
            movements=[],
        )
