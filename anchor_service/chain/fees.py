"""EIP-1559 fees: suggest them from the node, keep them under a cap, bump for replacement.

The arithmetic (:func:`fees_under_cap`, :func:`bump_fees`, :func:`gas_with_margin`) is
pure; :func:`suggest_fees` reads the node.

- max fee per gas = base fee of the latest block * ``base_fee_multiplier`` + priority
  fee, clipped to ``max_fee_cap_wei`` (the priority fee shrinks first); if the base
  fee alone is above the cap the transaction could not be included now, so
  :class:`FeeCapExceededError` is raised instead of sending a hopeless transaction.
- priority fee = ``eth_maxPriorityFeePerGas``, else the median reward of the last
  blocks' ``eth_feeHistory``, else ``fallback_priority_fee_wei``.
- a replacement raises both fees by at least 12.5 % (rounded up; geth requires 10 %,
  ganache 10 %, some nodes 12.5 %) and to at least the current suggestion.
"""

from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass
from decimal import Decimal

from web3 import Web3
from web3.types import RPCEndpoint

from anchor_service.chain.boundary import rpc_errors
from anchor_service.chain.errors import ChainRequestError, FeeCapExceededError

__all__ = [
    "DEFAULT_MAX_FEE_GWEI",
    "GWEI",
    "REPLACEMENT_BUMP_DENOMINATOR",
    "REPLACEMENT_BUMP_NUMERATOR",
    "FeePolicy",
    "Fees",
    "bump_fees",
    "fees_under_cap",
    "gas_with_margin",
    "latest_base_fee",
    "suggest_fees",
    "suggest_priority_fee",
]

logger = logging.getLogger(__name__)

GWEI = 10**9
#: Cap used when the caller configures none.
DEFAULT_MAX_FEE_GWEI = 200
#: Replacement bump: new >= old * 9 / 8 (+12.5 %), rounded up.
REPLACEMENT_BUMP_NUMERATOR = 9
REPLACEMENT_BUMP_DENOMINATOR = 8


@dataclass(frozen=True)
class FeePolicy:
    """How fees and gas limits are chosen.

    ``max_fee_cap_wei`` is never exceeded by any transaction this layer builds.
    """

    max_fee_cap_wei: int = DEFAULT_MAX_FEE_GWEI * GWEI
    fallback_priority_fee_wei: int = 1 * GWEI
    base_fee_multiplier: int = 2
    gas_margin_percent: int = 25
    fee_history_blocks: int = 10

    def __post_init__(self) -> None:
        if self.max_fee_cap_wei <= 0:
            raise ValueError("max_fee_cap_wei must be positive")
        if self.base_fee_multiplier < 1 or self.gas_margin_percent < 0:
            raise ValueError("base_fee_multiplier must be >= 1 and gas_margin_percent >= 0")

    @classmethod
    def from_gwei(cls, max_fee_cap_gwei: Decimal | int | str, **options: int) -> FeePolicy:
        """A policy with the cap given in gwei (decimals allowed: ``"1.5"``)."""
        cap = Decimal(max_fee_cap_gwei) * GWEI
        if cap != cap.to_integral_value():
            raise ValueError("max fee cap must be a whole number of wei")
        return cls(max_fee_cap_wei=int(cap), **options)


@dataclass(frozen=True)
class Fees:
    """The two EIP-1559 fee fields of a transaction, in wei per gas."""

    max_fee_per_gas: int
    max_priority_fee_per_gas: int


def fees_under_cap(base_fee: int, priority_fee: int, policy: FeePolicy) -> Fees:
    """Fees for a new transaction given the current base fee and priority fee."""
    cap = policy.max_fee_cap_wei
    if base_fee > cap:
        raise FeeCapExceededError(base_fee, cap, what="base fee per gas")
    priority = min(priority_fee, cap - base_fee)
    max_fee = min(base_fee * policy.base_fee_multiplier + priority, cap)
    return Fees(max_fee_per_gas=max_fee, max_priority_fee_per_gas=priority)


def bump_fees(previous: Fees, market: Fees | None, policy: FeePolicy) -> Fees:
    """Fees for replacing a pending transaction that was sent with ``previous``.

    Both fields rise by at least 12.5 % (and at least 1 wei); if the current ``market``
    suggestion is higher it is used instead. Raises :class:`FeeCapExceededError` when
    the bumped max fee would exceed the cap (a smaller bump would be refused by the
    node, so there is no valid replacement under the cap).
    """
    priority = _bumped(previous.max_priority_fee_per_gas)
    max_fee = _bumped(previous.max_fee_per_gas)
    if market is not None:
        priority = max(priority, market.max_priority_fee_per_gas)
        max_fee = max(max_fee, market.max_fee_per_gas)
    max_fee = max(max_fee, priority)
    if max_fee > policy.max_fee_cap_wei:
        raise FeeCapExceededError(max_fee, policy.max_fee_cap_wei, what="replacement max fee")
    return Fees(max_fee_per_gas=max_fee, max_priority_fee_per_gas=priority)


def _bumped(value: int) -> int:
    bumped = -(-value * REPLACEMENT_BUMP_NUMERATOR // REPLACEMENT_BUMP_DENOMINATOR)
    return max(bumped, value + 1)


def gas_with_margin(estimate: int, policy: FeePolicy) -> int:
    """Gas limit: the node's estimate plus ``gas_margin_percent``, rounded up."""
    return -(-estimate * (100 + policy.gas_margin_percent) // 100)


def latest_base_fee(web3: Web3) -> int:
    """``baseFeePerGas`` of the latest block; the chain must have EIP-1559."""
    with rpc_errors("read latest block"):
        block = web3.eth.get_block("latest")
    base_fee = block.get("baseFeePerGas")
    if base_fee is None:
        raise ChainRequestError("the chain has no EIP-1559 base fee (pre-London block)")
    return int(base_fee)


def suggest_priority_fee(web3: Web3, policy: FeePolicy) -> int:
    """Priority fee per gas: node suggestion, fee-history median, or the fallback."""
    with rpc_errors("read priority fee"):
        response = web3.provider.make_request(RPCEndpoint("eth_maxPriorityFeePerGas"), [])
    result = response.get("result")
    if isinstance(result, int | str):  # hex string from nodes, int from eth-tester
        return result if isinstance(result, int) else int(result, 16)
    logger.info("no eth_maxPriorityFeePerGas (%s); trying fee history", response.get("error"))
    try:
        with rpc_errors("read fee history"):
            history = web3.eth.fee_history(policy.fee_history_blocks, "latest", [50.0])
    except ChainRequestError:
        history = None
    per_block = history.get("reward", []) if history is not None else []
    rewards = [int(r[0]) for r in per_block if r and int(r[0]) > 0]
    if rewards:
        return int(statistics.median_low(rewards))
    return policy.fallback_priority_fee_wei


def suggest_fees(web3: Web3, policy: FeePolicy) -> Fees:
    """Fees for a new transaction now, never above the policy's cap."""
    return fees_under_cap(latest_base_fee(web3), suggest_priority_fee(web3, policy), policy)
