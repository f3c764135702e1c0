// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/**
 * @title StoredRootBaseline
 * @notice Gas baseline for `make gas-report`, never deployed outside it: the
 * least an anchor that keeps its root in storage can cost. Each call writes
 * one fresh storage slot (the root's block number) and emits one event; no
 * roles, no ordering, no proof.
 */
contract StoredRootBaseline {
    mapping(bytes32 root => uint256 blockNumber) private _anchoredAt;

    /// @notice Emitted when `root` is stored.
    event RootStored(bytes32 indexed root);

    /**
     * @notice Stores the block number under `root`. Emits {RootStored}.
     *
     * Requirements:
     *
     * - none.
     */
    function anchor(bytes32 root) external {
        _anchoredAt[root] = block.number;
        emit RootStored(root);
    }

    /**
     * @notice Returns the block in which `root` was stored (0 if never).
     *
     * Requirements:
     *
     * - none.
     */
    function anchoredAt(bytes32 root) external view returns (uint256) {
        return _anchoredAt[root];
    }
}
