// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/**
 * @title MerkleLog
 * @notice Verification of RFC 9162 (Certificate Transparency v2) Merkle tree
 * proofs with SHA-256, using the sha256 precompile.
 *
 * Hashing (RFC 9162 §2.1.1): a leaf hash is `SHA-256(0x00 || data)`, an
 * interior node is `SHA-256(0x01 || left || right)`, and the root of the empty
 * tree is `SHA-256("")` ({EMPTY_ROOT}). Sizes are leaf counts and indices are
 * 0-based, as in the RFC.
 *
 * The verifiers follow RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2
 * (consistency) step by step, with the size checks of
 * transparency-dev/merkle: a consistency proof from the empty tree is
 * rejected, and two equal sizes need an empty proof and equal roots.
 */
library MerkleLog {
    /// @dev Root of the empty tree: SHA-256 of the empty string.
    bytes32 internal constant EMPTY_ROOT =
        0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855;

    /**
     * @dev Returns `SHA-256(0x01 || left || right)`, the hash of an interior
     * node, from one call to the sha256 precompile on 65 bytes of scratch
     * memory past the free memory pointer (memory does not grow).
     *
     * Calling a precompile from inline assembly counts as `view` for the
     * compiler, although it reads no state (Solidity's own `sha256()` is
     * allowed in pure code, but its copies cost about twice as much gas per
     * node). So the assembly sits in a `view` function that is called through
     * a pointer cast to `pure`.
     */
    function nodeHash(bytes32 left, bytes32 right) internal pure returns (bytes32) {
        function(bytes32, bytes32) view returns (bytes32) viewHash = _sha256Node;
        function(bytes32, bytes32) pure returns (bytes32) pureHash;
        assembly ("memory-safe") {
            pureHash := viewHash
        }
        return pureHash(left, right);
    }

    function _sha256Node(bytes32 left, bytes32 right) private view returns (bytes32 hash) {
        assembly ("memory-safe") {
            let input := mload(0x40)
            mstore8(input, 0x01)
            mstore(add(input, 1), left)
            mstore(add(input, 33), right)
            if iszero(staticcall(gas(), 0x02, input, 65, 0x00, 0x20)) {
                revert(0, 0)
            }
            hash := mload(0x00)
        }
    }

    /**
     * @dev Computes the root implied by an inclusion proof (RFC 9162
     * §2.1.3.2). `ok` is false when the proof has the wrong length for
     * `index` and `size`; `root` is then meaningless.
     *
     * Requirements (otherwise `ok` is false):
     *
     * - `index < size`.
     * - `proof` has exactly the length the RFC algorithm consumes.
     */
    function rootFromInclusionProof(
        uint256 index,
        uint256 size,
        bytes32 leafHash,
        bytes32[] calldata proof
    ) internal pure returns (bool ok, bytes32 root) {
        if (index >= size) return (false, bytes32(0));
        uint256 fn = index;
        uint256 sn = size - 1;
        root = leafHash;
        for (uint256 i = 0; i < proof.length; ++i) {
            if (sn == 0) return (false, bytes32(0));
            if (fn & 1 == 1 || fn == sn) {
                root = nodeHash(proof[i], root);
                while (fn & 1 == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                root = nodeHash(root, proof[i]);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return (sn == 0, root);
    }

    /**
     * @dev Returns true if `proof` shows that the leaf with hash `leafHash` is
     * at `index` in the tree of `size` leaves whose root is `root`.
     *
     * Requirements (otherwise the result is false):
     *
     * - `index < size`.
     * - `proof` is the RFC 9162 inclusion path for `index` in a tree of `size`.
     */
    function verifyInclusion(
        uint256 index,
        uint256 size,
        bytes32 leafHash,
        bytes32[] calldata proof,
        bytes32 root
    ) internal pure returns (bool) {
        (bool ok, bytes32 computed) = rootFromInclusionProof(index, size, leafHash, proof);
        return ok && computed == root;
    }

    /**
     * @dev Returns true if `proof` shows that the tree of `size1` leaves with
     * root `root1` is a prefix of the tree of `size2` leaves with root `root2`
     * (RFC 9162 §2.1.4.2).
     *
     * Requirements (otherwise the result is false):
     *
     * - `0 < size1 <= size2`.
     * - if `size1 == size2`: `proof` is empty and `root1 == root2`.
     * - otherwise `proof` is the RFC 9162 consistency proof between the sizes.
     */
    function verifyConsistency(
        uint256 size1,
        uint256 size2,
        bytes32 root1,
        bytes32 root2,
        bytes32[] calldata proof
    ) internal pure returns (bool) {
        if (size1 == 0 || size2 < size1) return false;
        if (size1 == size2) return proof.length == 0 && root1 == root2;
        if (proof.length == 0) return false;

        uint256 i = 0;
        bytes32 fr;
        if (size1 & (size1 - 1) == 0) {
            // size1 is a power of two: its root is the first node of the path.
            fr = root1;
        } else {
            fr = proof[0];
            i = 1;
        }
        bytes32 sr = fr;
        uint256 fn = size1 - 1;
        uint256 sn = size2 - 1;
        while (fn & 1 == 1) {
            fn >>= 1;
            sn >>= 1;
        }
        for (; i < proof.length; ++i) {
            if (sn == 0) return false;
            bytes32 c = proof[i];
            if (fn & 1 == 1 || fn == sn) {
                fr = nodeHash(c, fr);
                sr = nodeHash(c, sr);
                while (fn & 1 == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                sr = nodeHash(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && fr == root1 && sr == root2;
    }
}
