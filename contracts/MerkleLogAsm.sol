// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/**
 * @title MerkleLogAsm
 * @notice RFC 9162 (Certificate Transparency v2) inclusion and consistency
 * proof verification with SHA-256, each whole algorithm one assembly loop
 * over the calldata proof.
 *
 * Same algorithms, size checks and results as {MerkleLog} (RFC 9162
 * §2.1.3.2 and §2.1.4.2, with the checks of transparency-dev/merkle): a
 * consistency proof from the empty tree is rejected, and two equal sizes need
 * an empty proof and equal roots. The tests run both libraries over the same
 * golden probes and random trees.
 *
 * Why it exists: {MerkleLog} pays for a Solidity call, a memory copy and a
 * bounds-checked calldata read per node; here the `0x01` prefix of an interior
 * node is written once, each node costs two memory stores and one call to
 * the sha256 precompile, and the proof is read with `calldataload`. On the
 * registry's anchor this saves about 1k gas for a one-hash proof and about 6k
 * for a 22-hash one.
 *
 * Memory: the 65-byte hash input and the 32-byte result sit past the free
 * memory pointer, which is never moved (the assembly is memory-safe).
 */
library MerkleLogAsm {
    /// @dev Root of the empty tree: SHA-256 of the empty string.
    bytes32 internal constant EMPTY_ROOT =
        0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855;

    /**
     * @dev Returns the root implied by an inclusion proof (RFC 9162
     * §2.1.3.2), and whether the proof had the right shape.
     *
     * Requirements (otherwise `ok` is false and `root` meaningless):
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
        function(uint256, uint256, bytes32, bytes32[] calldata)
            view
            returns (bool, bytes32) viewFn = _rootFromInclusionProof;
        function(uint256, uint256, bytes32, bytes32[] calldata)
            pure
            returns (bool, bytes32) pureFn;
        assembly ("memory-safe") {
            pureFn := viewFn
        }
        return pureFn(index, size, leafHash, proof);
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
        function(uint256, uint256, bytes32, bytes32, bytes32[] calldata)
            view
            returns (bool) viewFn = _verifyConsistency;
        function(uint256, uint256, bytes32, bytes32, bytes32[] calldata)
            pure
            returns (bool) pureFn;
        assembly ("memory-safe") {
            pureFn := viewFn
        }
        return pureFn(size1, size2, root1, root2, proof);
    }

    // Calling a precompile from inline assembly counts as `view` for the
    // compiler, although it reads no state (Solidity's own `sha256()` is
    // allowed in pure code). So the loops sit in `view` functions that the
    // `pure` ones above call through a pointer cast, as {MerkleLog} does.

    function _rootFromInclusionProof(
        uint256 index,
        uint256 size,
        bytes32 leafHash,
        bytes32[] calldata proof
    ) private view returns (bool ok, bytes32 root) {
        assembly ("memory-safe") {
            // input: 0x01 || left || right at [m, m + 65); output at [m + 65, m + 97).
            let m := mload(0x40)
            let out := add(m, 65)
            mstore8(m, 0x01)
            let left := add(m, 1)
            let right := add(m, 33)

            ok := lt(index, size)
            let fn := index
            let sn := sub(size, 1)
            root := leafHash
            let cursor := proof.offset
            let end := add(cursor, shl(5, proof.length))
            for {} and(ok, lt(cursor, end)) { cursor := add(cursor, 0x20) } {
                if iszero(sn) {
                    ok := 0
                    break
                }
                let c := calldataload(cursor)
                switch or(and(fn, 1), eq(fn, sn))
                case 0 {
                    mstore(left, root)
                    mstore(right, c)
                }
                default {
                    mstore(left, c)
                    mstore(right, root)
                    // Skip the levels where this node is a left child with no sibling.
                    for {} and(iszero(and(fn, 1)), iszero(iszero(fn))) {} {
                        fn := shr(1, fn)
                        sn := shr(1, sn)
                    }
                }
                if iszero(staticcall(gas(), 0x02, m, 65, out, 0x20)) { revert(0, 0) }
                root := mload(out)
                fn := shr(1, fn)
                sn := shr(1, sn)
            }
            ok := and(ok, iszero(sn))
        }
    }

    function _verifyConsistency(
        uint256 size1,
        uint256 size2,
        bytes32 root1,
        bytes32 root2,
        bytes32[] calldata proof
    ) private view returns (bool ok) {
        if (size1 == 0 || size2 < size1) return false;
        if (size1 == size2) return proof.length == 0 && root1 == root2;
        if (proof.length == 0) return false;
        assembly ("memory-safe") {
            let m := mload(0x40)
            let out := add(m, 65)
            mstore8(m, 0x01)
            let left := add(m, 1)
            let right := add(m, 33)

            let cursor := proof.offset
            let end := add(cursor, shl(5, proof.length))
            // fr: root of the old tree as rebuilt; sr: root of the new tree.
            let fr := root1
            // size1 not a power of two: the proof starts with the node the
            // old tree's path starts from.
            if and(size1, sub(size1, 1)) {
                fr := calldataload(cursor)
                cursor := add(cursor, 0x20)
            }
            let sr := fr
            let fn := sub(size1, 1)
            let sn := sub(size2, 1)
            for {} and(fn, 1) {} {
                fn := shr(1, fn)
                sn := shr(1, sn)
            }
            ok := 1
            for {} lt(cursor, end) { cursor := add(cursor, 0x20) } {
                if iszero(sn) {
                    ok := 0
                    break
                }
                let c := calldataload(cursor)
                switch or(and(fn, 1), eq(fn, sn))
                case 0 {
                    mstore(left, sr)
                    mstore(right, c)
                    if iszero(staticcall(gas(), 0x02, m, 65, out, 0x20)) { revert(0, 0) }
                    sr := mload(out)
                }
                default {
                    mstore(left, c)
                    mstore(right, fr)
                    if iszero(staticcall(gas(), 0x02, m, 65, out, 0x20)) { revert(0, 0) }
                    fr := mload(out)
                    mstore(right, sr)
                    if iszero(staticcall(gas(), 0x02, m, 65, out, 0x20)) { revert(0, 0) }
                    sr := mload(out)
                    for {} and(iszero(and(fn, 1)), iszero(iszero(fn))) {} {
                        fn := shr(1, fn)
                        sn := shr(1, sn)
                    }
                }
                fn := shr(1, fn)
                sn := shr(1, sn)
            }
            ok := and(ok, and(iszero(sn), and(eq(fr, root1), eq(sr, root2))))
        }
    }
}
