"""Decode EVM revert data into a readable reason.

Revert data is a 4-byte selector and ABI-encoded arguments: a custom error from the
contract's ABI (OpenZeppelin's ``AccessControlUnauthorizedAccount`` and ``EnforcedPause``
are in it, inherited), Solidity's ``Error(string)`` or ``Panic(uint256)``.

web3.py 7 hands the data over in different places depending on the node and the call:
``ContractLogicError.data`` as a hex string (``eth_call``) or as a dict with ``result``
(ganache at ``eth_estimateGas``), or only inside ``Web3RPCError.rpc_response`` (ganache
``eth_call`` reverting with ``Error(string)``). :func:`revert_data_from_exception` knows
all three. A mined transaction with status 0 carries no data at all: replay it with
``eth_call`` at its parent block (:mod:`anchor_service.chain.transactions`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils.abi import (
    function_signature_to_4byte_selector,
    get_abi_input_names,
    get_abi_input_types,
)
from eth_utils.address import to_checksum_address
from web3.exceptions import ContractLogicError, Web3RPCError

__all__ = [
    "PANIC_REASONS",
    "RevertDecoder",
    "RevertReason",
    "revert_data_from_exception",
]

ERROR_SELECTOR = function_signature_to_4byte_selector("Error(string)")
PANIC_SELECTOR = function_signature_to_4byte_selector("Panic(uint256)")

#: Solidity's panic codes (docs: "Panic via assert and Error via require").
PANIC_REASONS: Mapping[int, str] = {
    0x00: "generic compiler panic",
    0x01: "assert failed",
    0x11: "arithmetic overflow or underflow",
    0x12: "division or modulo by zero",
    0x21: "invalid enum value",
    0x22: "corrupt storage byte array",
    0x31: "pop on empty array",
    0x32: "array index out of bounds",
    0x41: "out of memory",
    0x51: "call to zero-initialised function",
}

_REVERT_WORDS = ("revert", "vm exception", "out of gas", "invalid opcode")


@dataclass(frozen=True)
class RevertReason:
    """Why the EVM reverted.

    ``error_name`` is the custom error's name, ``"Error"``, ``"Panic"``, or ``""`` when
    the data matched nothing known (or there was no data); ``args`` are the decoded
    arguments by ABI name (addresses checksummed, ``bytes`` as bytes); ``data`` is the
    raw revert data; ``detail`` is what the node said when it gave no data (for example
    ``out of gas``).
    """

    error_name: str
    args: Mapping[str, object] = field(default_factory=dict)
    data: bytes = b""
    detail: str = ""

    @property
    def message(self) -> str:
        """One line such as ``AnchorRegistryNotExtending(latestSize=10, treeSize=5)``."""
        if self.error_name == "Panic":
            code = self.args.get("code")
            if isinstance(code, int):
                return f"Panic(0x{code:02x}: {PANIC_REASONS.get(code, 'unknown panic code')})"
        if self.error_name:
            inner = ", ".join(f"{name}={_format_value(value)}" for name, value in self.args.items())
            return f"{self.error_name}({inner})"
        if self.data:
            return f"unknown error 0x{self.data[:4].hex()} ({len(self.data)} bytes of data)"
        return self.detail or "reverted without a reason"

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class _ErrorSpec:
    name: str
    types: tuple[str, ...]
    names: tuple[str, ...]


class RevertDecoder:
    """Decodes revert data with the custom errors of one contract ABI."""

    def __init__(self, abi: Sequence[Mapping[str, Any]]) -> None:
        self._errors: dict[bytes, _ErrorSpec] = {
            ERROR_SELECTOR: _ErrorSpec("Error", ("string",), ("message",)),
            PANIC_SELECTOR: _ErrorSpec("Panic", ("uint256",), ("code",)),
        }
        for item in abi:
            if item.get("type") != "error":
                continue
            types = tuple(get_abi_input_types(item))  # type: ignore[arg-type]
            raw_names = get_abi_input_names(item)  # type: ignore[arg-type]
            names = tuple(n or f"arg{i}" for i, n in enumerate(raw_names))
            name = str(item["name"])
            selector = function_signature_to_4byte_selector(f"{name}({','.join(types)})")
            self._errors[selector] = _ErrorSpec(name, types, names)

    def error_names(self) -> list[str]:
        """Names of every error this decoder knows, sorted."""
        return sorted(spec.name for spec in self._errors.values())

    def decode(self, data: bytes, *, detail: str = "") -> RevertReason:
        """Decode ``data``; unknown or malformed data gives ``error_name == ""``."""
        spec = self._errors.get(data[:4]) if len(data) >= 4 else None
        if spec is None:
            return RevertReason("", {}, data, detail)
        try:
            values = abi_decode(list(spec.types), data[4:])
        except (DecodingError, ValueError, OverflowError):
            return RevertReason("", {}, data, detail or f"malformed {spec.name} data")
        args = {
            name: _normalise(type_, value)
            for name, type_, value in zip(spec.names, spec.types, values, strict=True)
        }
        return RevertReason(spec.name, args, data, detail)

    def from_exception(self, exc: BaseException) -> RevertReason | None:
        """The reason carried by a web3 exception, or ``None`` if it is not a revert."""
        found = revert_data_from_exception(exc)
        if found is None:
            return None
        data, detail = found
        return self.decode(data, detail=detail)


def revert_data_from_exception(exc: BaseException) -> tuple[bytes, str] | None:
    """``(revert data, node message)`` from a web3 exception, ``None`` if not a revert.

    Data may be empty (a revert without reason, out of gas); the node message then says
    what happened.
    """
    if isinstance(exc, ContractLogicError):
        message = exc.message or ""
        data = _hex_from(exc.data)
        return (data if data is not None else b""), message
    if isinstance(exc, Web3RPCError):
        error = exc.rpc_response.get("error") if exc.rpc_response else None
        if not isinstance(error, Mapping):
            return None
        message = str(error.get("message") or "")
        data = _hex_from(error.get("data"))
        if data or any(word in message.lower() for word in _REVERT_WORDS):
            return (data or b""), message
    return None


def _hex_from(value: object) -> bytes | None:
    """Revert bytes from a hex string or a ganache-style dict (``result``/``data``)."""
    if isinstance(value, Mapping):
        value = value.get("result", value.get("data"))
    if isinstance(value, str) and value.startswith("0x"):
        try:
            return bytes.fromhex(value[2:])
        except ValueError:
            return None
    return None


def _normalise(type_: str, value: object) -> object:
    if type_ == "address" and isinstance(value, str):
        return to_checksum_address(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _format_value(value: object) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, str) and not value.startswith("0x"):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_format_value(v) for v in value) + "]"
    return str(value)
