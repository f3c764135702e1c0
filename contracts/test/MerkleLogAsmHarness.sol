// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {MerkleLogAsm} from "../MerkleLogAsm.sol";

/**
 * @title MerkleLogAsmHarness
 * @notice Test-only contract exposing the {MerkleLogAsm} library functions as
 * external pure functions, so the contract tests can run any proof through
 * them and compare them with {MerkleLog}. Never deployed outside tests.
 */
contract MerkleLogAsmHarness {
    /**
     * @notice See {MerkleLogAsm-rootFromInclusionProof}.
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
        return MerkleLogAsm.rootFromInclusionProof(index, size, leafHash, proof);
    }

    /**
     * @notice See {MerkleLogAsm-verifyInclusion}.
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
        return MerkleLogAsm.verifyInclusion(index, size, leafHash, proof, root);
    }

    /**
     * @notice See {MerkleLogAsm-verifyConsistency}.
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
        return MerkleLogAsm.verifyConsistency(size1, size2, root1, root2, proof);
    }
}
