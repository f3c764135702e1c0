"""Pure EIP-1559 fee arithmetic: cap, replacement bump, gas margin."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anchor_service.chain import GWEI, FeeCapExceededError, FeePolicy, Fees, bump_fees
from anchor_service.chain.fees import fees_under_cap, gas_with_margin

POLICY = FeePolicy(max_fee_cap_wei=100 * GWEI)


def test_new_fees_are_twice_base_fee_plus_priority_when_under_cap() -> None:
    fees = fees_under_cap(10 * GWEI, 2 * GWEI, POLICY)
    assert fees == Fees(max_fee_per_gas=22 * GWEI, max_priority_fee_per_gas=2 * GWEI)


def test_new_max_fee_is_clipped_to_the_cap() -> None:
    fees = fees_under_cap(60 * GWEI, 2 * GWEI, POLICY)
    assert fees == Fees(max_fee_per_gas=100 * GWEI, max_priority_fee_per_gas=2 * GWEI)


def test_priority_fee_shrinks_when_base_fee_leaves_no_room() -> None:
    fees = fees_under_cap(99 * GWEI, 5 * GWEI, POLICY)
    assert fees == Fees(max_fee_per_gas=100 * GWEI, max_priority_fee_per_gas=1 * GWEI)


def test_base_fee_above_cap_raises_with_required_and_cap() -> None:
    with pytest.raises(FeeCapExceededError) as info:
        fees_under_cap(101 * GWEI, 1 * GWEI, POLICY)
    assert info.value.required_wei == 101 * GWEI
    assert info.value.cap_wei == 100 * GWEI


def test_bump_raises_both_fees_by_at_least_an_eighth() -> None:
    previous = Fees(max_fee_per_gas=8 * GWEI, max_priority_fee_per_gas=800)
    bumped = bump_fees(previous, None, POLICY)
    assert bumped == Fees(max_fee_per_gas=9 * GWEI, max_priority_fee_per_gas=900)


def test_bump_rounds_up_and_moves_zero_priority() -> None:
    bumped = bump_fees(Fees(max_fee_per_gas=9, max_priority_fee_per_gas=0), None, POLICY)
    assert bumped == Fees(max_fee_per_gas=11, max_priority_fee_per_gas=1)


def test_bump_follows_the_market_when_it_is_higher() -> None:
    previous = Fees(max_fee_per_gas=4 * GWEI, max_priority_fee_per_gas=1 * GWEI)
    market = Fees(max_fee_per_gas=30 * GWEI, max_priority_fee_per_gas=3 * GWEI)
    assert bump_fees(previous, market, POLICY) == market


def test_bump_past_the_cap_raises() -> None:
    previous = Fees(max_fee_per_gas=90 * GWEI, max_priority_fee_per_gas=1 * GWEI)
    with pytest.raises(FeeCapExceededError) as info:
        bump_fees(previous, None, POLICY)
    assert info.value.required_wei == 101_250_000_000


@given(
    max_fee=st.integers(min_value=1, max_value=100 * GWEI),
    priority_share=st.fractions(min_value=0, max_value=1),
)
def test_bump_never_exceeds_cap_and_always_clears_the_replacement_rule(
    max_fee: int, priority_share: Fraction
) -> None:
    previous = Fees(max_fee, int(max_fee * priority_share))
    try:
        bumped = bump_fees(previous, None, POLICY)
    except FeeCapExceededError as exc:
        assert exc.required_wei > POLICY.max_fee_cap_wei
        return
    assert bumped.max_fee_per_gas <= POLICY.max_fee_cap_wei
    assert bumped.max_fee_per_gas * 8 >= previous.max_fee_per_gas * 9
    assert bumped.max_priority_fee_per_gas * 8 >= previous.max_priority_fee_per_gas * 9
    assert bumped.max_priority_fee_per_gas > previous.max_priority_fee_per_gas
    assert bumped.max_priority_fee_per_gas <= bumped.max_fee_per_gas


def test_gas_margin_rounds_up() -> None:
    assert gas_with_margin(100_001, FeePolicy(gas_margin_percent=25)) == 125_002


def test_policy_from_gwei_accepts_decimals() -> None:
    assert FeePolicy.from_gwei("1.5").max_fee_cap_wei == 1_500_000_000


def test_policy_rejects_a_cap_below_one_wei() -> None:
    with pytest.raises(ValueError, match="positive"):
        FeePolicy(max_fee_cap_wei=0)
