// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/**
 * @title EventOnlyBaseline
 * @notice Gas baseline for `make gas-report`, never deployed outside it: an
 * anchor that only emits an event, the floor of any on-chain record. No
 * storage, no roles, no ordering, no proof.
 */
contract EventOnlyBaseline {
    /// @notice Emitted for each anchored `root`.
    event RootAnchored(bytes32 indexed root);

    /**
     * @notice Emits {RootAnchored} for `root`.
     *
     * Requirements:
     *
     * - none.
     */
    function anchor(bytes32 root) external {
        emit RootAnchored(root);
    }
}
