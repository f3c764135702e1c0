"""Decoding revert data with the registry ABI, Error(string) and Panic(uint256)."""

from __future__ import annotations

import pytest
from eth_abi.abi import encode
from eth_utils.abi import function_signature_to_4byte_selector as selector
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError, Web3RPCError

from anchor_service.chain import (
    ANCHORER_ROLE,
    ContractArtifact,
    RegistryClient,
    RevertDecoder,
    TransactionRevertedError,
)
from anchor_service.chain.boundary import rpc_errors
from anchor_service.chain.revert import revert_data_from_exception

ACCOUNT = "0x22d491Bde2303f2f43325b2108D26f1eAbA1e32b"


@pytest.fixture(scope="module")
def decoder(artifact: ContractArtifact) -> RevertDecoder:
    return RevertDecoder(artifact.abi)


def data(signature: str, types: list[str], values: list[object]) -> bytes:
    return selector(signature) + encode(types, values)


def test_decoder_knows_registry_and_openzeppelin_errors(decoder: RevertDecoder) -> None:
    names = set(decoder.error_names())
    assert {
        "AnchorRegistryNotExtending",
        "AnchorRegistryInconsistentHead",
        "AnchorRegistryUnknownTreeSize",
        "AccessControlUnauthorizedAccount",
        "EnforcedPause",
        "ExpectedPause",
        "Error",
        "Panic",
    } <= names


def test_custom_error_decodes_to_name_args_and_message(decoder: RevertDecoder) -> None:
    raw = data("AnchorRegistryNotExtending(uint64,uint64)", ["uint64", "uint64"], [10, 5])
    reason = decoder.decode(raw)
    assert reason.error_name == "AnchorRegistryNotExtending"
    assert dict(reason.args) == {"latestSize": 10, "treeSize": 5}
    assert reason.data == raw
    assert reason.message == "AnchorRegistryNotExtending(latestSize=10, treeSize=5)"
    assert str(reason) == reason.message


def test_access_control_error_has_checksummed_account_and_role_bytes(
    decoder: RevertDecoder,
) -> None:
    raw = data(
        "AccessControlUnauthorizedAccount(address,bytes32)",
        ["address", "bytes32"],
        [ACCOUNT.lower(), ANCHORER_ROLE],
    )
    reason = decoder.decode(raw)
    assert dict(reason.args) == {"account": ACCOUNT, "neededRole": ANCHORER_ROLE}
    assert reason.message == (
        f"AccessControlUnauthorizedAccount(account={ACCOUNT}, neededRole=0x{ANCHORER_ROLE.hex()})"
    )


def test_error_without_arguments_renders_empty_parentheses(decoder: RevertDecoder) -> None:
    assert decoder.decode(selector("EnforcedPause()")).message == "EnforcedPause()"


def test_error_string_and_panic_decode(decoder: RevertDecoder) -> None:
    reason = decoder.decode(data("Error(string)", ["string"], ["plain reason"]))
    assert (reason.error_name, dict(reason.args)) == ("Error", {"message": "plain reason"})
    assert reason.message == 'Error(message="plain reason")'
    panic = decoder.decode(data("Panic(uint256)", ["uint256"], [0x11]))
    assert panic.error_name == "Panic"
    assert panic.message == "Panic(0x11: arithmetic overflow or underflow)"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (bytes.fromhex("deadbeef") + bytes(32), "unknown error 0xdeadbeef (36 bytes of data)"),
        (selector("AnchorRegistryNotExtending(uint64,uint64)") + b"\x01", "unknown error"),
        (b"", "reverted without a reason"),
    ],
    ids=["unknown-selector", "truncated-arguments", "no-data"],
)
def test_unknown_or_malformed_data_keeps_the_raw_bytes(
    decoder: RevertDecoder, raw: bytes, message: str
) -> None:
    reason = decoder.decode(raw)
    assert reason.error_name == ""
    assert reason.data == raw
    assert reason.message.startswith(message)


def test_ganache_shapes_of_revert_data_are_all_found() -> None:
    raw = data("AnchorRegistryZeroRoot(uint64)", ["uint64"], [7])
    hex_data = "0x" + raw.hex()
    estimate_shape = ContractLogicError(
        "execution reverted: VM Exception while processing transaction: revert",
        {"hash": None, "programCounter": 430, "result": hex_data, "reason": None},  # type: ignore[dict-item]
    )
    call_shape = ContractCustomError(hex_data, data=hex_data)
    message = "VM Exception while processing transaction: revert"
    rpc_shape = Web3RPCError(
        message,
        rpc_response={
            "jsonrpc": "2.0",
            "id": 1,
            "error": {"code": -32000, "message": message, "data": hex_data},
        },
    )
    for exc in (estimate_shape, call_shape, rpc_shape):
        found = revert_data_from_exception(exc)
        assert found is not None and found[0] == raw


def test_rpc_error_that_is_not_a_revert_is_not_mistaken_for_one() -> None:
    exc = Web3RPCError(
        "method not found",
        rpc_response={"jsonrpc": "2.0", "id": 1, "error": {"code": -32601, "message": "nope"}},
    )
    assert revert_data_from_exception(exc) is None


def test_view_revert_from_the_node_is_decoded_at_the_boundary(
    registry_v1: RegistryClient, web3: Web3
) -> None:
    registry = registry_v1  # v1's views revert on unknown anchors; v2 has no such views
    contract = web3.eth.contract(address=registry.address, abi=registry.artifact.abi)
    with (
        pytest.raises(TransactionRevertedError) as info,
        rpc_errors("call anchorAt", registry.decoder),
    ):
        contract.functions.anchorAt(3).call()
    assert info.value.reason == "AnchorRegistryUnknownAnchor(seq=3, count=0)"
    with (
        pytest.raises(TransactionRevertedError) as info,
        rpc_errors("estimate rootAt", registry.decoder),
    ):
        contract.functions.rootAt(9).estimate_gas()
    assert info.value.reason == "AnchorRegistryUnknownTreeSize(treeSize=9)"
