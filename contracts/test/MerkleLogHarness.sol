// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {MerkleLog} from "../MerkleLog.sol";

/**
 * @title MerkleLogHarness
 * @notice Test-only contract exposing the {MerkleLog} library functions as
 * external pure functions, so the contract tests can run any proof through
 * them without anchoring a head first. Never deployed outside tests.
 */
contract MerkleLogHarness {
    /**
     * @notice See {MerkleLog-nodeHash}.
     *
     * Requirements:
     *
     * - none.
     */
    function nodeHash(bytes32 left, bytes32 right) external pure returns (bytes32) {
        return MerkleLog.nodeHash(left, right);
    }

    /**
     * @notice See {MerkleLog-rootFromInclusionProof}.
     *
     * Requirements:
     *
     * - none; `ok` is false for a proof of the wrong shape.
     */
    function rootFromInclusionProof(
        uint64 index,
        uint64 size,
        bytes32 leafHash,
        bytes32[] calldata proof
    ) external pure returns (bool ok, bytes32 root) {
        return MerkleLog.rootFromInclusionProof(index, size, leafHash, proof);
    }

    /**
     * @notice See {MerkleLog-verifyInclusion}.
     *
     * Requirements:
     *
     * - none; the result is false for any invalid proof.
     */
    function verifyInclusion(
        uint64 index,
        uint64 size,
        bytes32 leafHash,
        bytes32[] calldata proof,
        bytes32 root
    ) external pure returns (bool) {
        return MerkleLog.verifyInclusion(index, size, leafHash, proof, root);
    }

    /**
     * @notice See {MerkleLog-verifyConsistency}.
     *
     * Requirements:
     *
     * - none; the result is false for any invalid proof.
     */
    function verifyConsistency(
        uint64 size1,
        uint64 size2,
        bytes32 root1,
        bytes32 root2,
        bytes32[] calldata proof
    ) external pure returns (bool) {
        return MerkleLog.verifyConsistency(size1, size2, root1, root2, proof);
    }
}
