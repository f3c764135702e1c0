// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/**
 * @title OzMerkleProofBench
 * @notice Gas peer for `make gas-report`, never deployed outside it:
 * OpenZeppelin's `MerkleProof.verifyCalldata` (keccak256, sorted pairs, root
 * given by the caller) behind an external function, to set beside the
 * registry's RFC 9162 inclusion check at the same depth.
 */
contract OzMerkleProofBench {
    /**
     * @notice See OpenZeppelin's `MerkleProof.verifyCalldata`.
     *
     * Requirements:
     *
     * - none; the result is false for any invalid proof.
     */
    function verify(bytes32[] calldata proof, bytes32 root, bytes32 leaf) external pure returns (bool) {
        return MerkleProof.verifyCalldata(proof, root, leaf);
    }
}
