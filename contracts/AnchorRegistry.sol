// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {MerkleLog} from "./MerkleLog.sol";

/**
 * @title AnchorRegistry
 * @notice On-chain record of the tree heads of an append-only RFC 9162 Merkle
 * log. Each anchor stores a tree head `(treeSize, root)` together with the
 * SHA-256 of the settlement statement of the batch it seals.
 *
 * The registry itself refuses any head that is not an append-only extension
 * of the latest anchored one: apart from the first anchor, {anchor} needs an
 * RFC 9162 consistency proof from the latest head to the new one and checks it
 * with the sha256 precompile. Anchors are numbered 0, 1, 2, ... (`seq`); tree
 * sizes grow strictly with `seq`.
 *
 * Roles (OpenZeppelin {AccessControl}):
 *
 * - `DEFAULT_ADMIN_ROLE`: grants and revokes every role. Given to the
 *   constructor's `admin`, and to nobody else.
 * - `ANCHORER_ROLE`: may call {anchor}.
 * - `PAUSER_ROLE`: may {pause} and {unpause} anchoring.
 *
 * The admin does not get the other two roles implicitly: it grants them
 * explicitly (for example to the service's signing key and to an operator).
 */
contract AnchorRegistry is AccessControl, Pausable {
    /// @notice Role allowed to anchor tree heads.
    bytes32 public constant ANCHORER_ROLE = keccak256("ANCHORER_ROLE");
    /// @notice Role allowed to pause and unpause anchoring.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    struct Anchor {
        uint64 treeSize;
        uint64 blockNumber;
        uint64 timestamp;
        bytes32 statementHash;
    }

    // These two share a storage slot with Pausable's `_paused` flag, so the
    // checks at the start of {anchor} cost one cold storage read.
    uint64 private _anchorCount;
    uint64 private _latestSize;

    mapping(uint64 treeSize => bytes32 root) private _roots;
    mapping(uint256 seq => Anchor) private _anchors;

    /**
     * @notice Emitted when the head `(treeSize, root)` is anchored as number
     * `seq`, with the SHA-256 of its settlement statement.
     */
    event HeadAnchored(uint256 indexed seq, uint64 treeSize, bytes32 root, bytes32 statementHash);

    /// @dev The constructor was given the zero address as admin.
    error AnchorRegistryInvalidAdmin(address admin);

    /// @dev `treeSize` is not greater than the latest anchored size.
    error AnchorRegistryNotExtending(uint64 latestSize, uint64 treeSize);

    /**
     * @dev The consistency proof does not show that the head of size `size1`
     * (the latest anchored one, 0 when none is) is a prefix of the new head of
     * size `size2`.
     */
    error AnchorRegistryInconsistentHead(uint64 size1, uint64 size2);

    /// @dev The root to anchor is zero, which no SHA-256 tree head is.
    error AnchorRegistryZeroRoot(uint64 treeSize);

    /// @dev No head of size `treeSize` has been anchored.
    error AnchorRegistryUnknownTreeSize(uint64 treeSize);

    /// @dev No anchor has sequence number `seq` (there are `count` anchors).
    error AnchorRegistryUnknownAnchor(uint256 seq, uint256 count);

    /**
     * @notice Creates an empty registry administered by `admin`.
     *
     * Requirements:
     *
     * - `admin` is not the zero address.
     */
    constructor(address admin) {
        if (admin == address(0)) revert AnchorRegistryInvalidAdmin(admin);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /**
     * @notice Anchors the tree head `(treeSize, root)` with the SHA-256
     * `statementHash` of its settlement statement. Emits {HeadAnchored}.
     *
     * Requirements:
     *
     * - the caller has `ANCHORER_ROLE` (else `AccessControlUnauthorizedAccount`).
     * - the registry is not paused (else `EnforcedPause`).
     * - `treeSize` is greater than the latest anchored size (else
     *   `AnchorRegistryNotExtending`).
     * - `root` is not zero (else `AnchorRegistryZeroRoot`).
     * - for the first anchor, `consistencyProof` is empty; afterwards it is the
     *   RFC 9162 consistency proof from the latest anchored head to
     *   `(treeSize, root)` (else `AnchorRegistryInconsistentHead`).
     *
     * @return seq The anchor's sequence number: 0 for the first, then 1, 2, ...
     */
    function anchor(
        uint64 treeSize,
        bytes32 root,
        bytes32 statementHash,
        bytes32[] calldata consistencyProof
    ) external onlyRole(ANCHORER_ROLE) whenNotPaused returns (uint256 seq) {
        uint64 latestSize = _latestSize;
        if (treeSize <= latestSize) revert AnchorRegistryNotExtending(latestSize, treeSize);
        if (root == bytes32(0)) revert AnchorRegistryZeroRoot(treeSize);
        bool consistent = latestSize == 0
            ? consistencyProof.length == 0
            : MerkleLog.verifyConsistency(
                latestSize,
                treeSize,
                _roots[latestSize],
                root,
                consistencyProof
            );
        if (!consistent) revert AnchorRegistryInconsistentHead(latestSize, treeSize);

        seq = _anchorCount;
        _anchorCount = uint64(seq + 1);
        _latestSize = treeSize;
        _roots[treeSize] = root;
        _anchors[seq] = Anchor({
            treeSize: treeSize,
            blockNumber: uint64(block.number),
            timestamp: uint64(block.timestamp),
            statementHash: statementHash
        });
        emit HeadAnchored(seq, treeSize, root, statementHash);
    }

    /**
     * @notice Stops {anchor} until {unpause}. Emits `Paused`.
     *
     * Requirements:
     *
     * - the caller has `PAUSER_ROLE` (else `AccessControlUnauthorizedAccount`).
     * - the registry is not paused (else `EnforcedPause`).
     */
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /**
     * @notice Allows {anchor} again. Emits `Unpaused`.
     *
     * Requirements:
     *
     * - the caller has `PAUSER_ROLE` (else `AccessControlUnauthorizedAccount`).
     * - the registry is paused (else `ExpectedPause`).
     */
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    /**
     * @notice Returns the latest anchored head and its sequence number.
     * Before the first anchor it returns `(0, SHA-256(""), 0)`: size 0 and the
     * RFC 9162 root of the empty tree; `seq` is then meaningless (check
     * `treeSize == 0` or {anchorCount}).
     *
     * Requirements:
     *
     * - none.
     */
    function latestHead() external view returns (uint64 treeSize, bytes32 root, uint256 seq) {
        uint64 count = _anchorCount;
        if (count == 0) return (0, MerkleLog.EMPTY_ROOT, 0);
        treeSize = _latestSize;
        return (treeSize, _roots[treeSize], count - 1);
    }

    /**
     * @notice Returns the anchored root of the tree of `treeSize` leaves.
     *
     * Requirements:
     *
     * - a head of size `treeSize` has been anchored (else
     *   `AnchorRegistryUnknownTreeSize`).
     */
    function rootAt(uint64 treeSize) public view returns (bytes32 root) {
        root = _roots[treeSize];
        if (root == bytes32(0)) revert AnchorRegistryUnknownTreeSize(treeSize);
    }

    /**
     * @notice Returns anchor number `seq`: the head `(treeSize, root)`, the
     * statement hash, and the block number and timestamp of the block that
     * anchored it.
     *
     * Requirements:
     *
     * - `seq < anchorCount()` (else `AnchorRegistryUnknownAnchor`).
     */
    function anchorAt(uint256 seq)
        external
        view
        returns (
            uint64 treeSize,
            bytes32 root,
            bytes32 statementHash,
            uint64 blockNumber,
            uint64 timestamp
        )
    {
        uint256 count = _anchorCount;
        if (seq >= count) revert AnchorRegistryUnknownAnchor(seq, count);
        Anchor storage a = _anchors[seq];
        return (a.treeSize, _roots[a.treeSize], a.statementHash, a.blockNumber, a.timestamp);
    }

    /**
     * @notice Returns the number of anchors; the latest has `seq == anchorCount() - 1`.
     *
     * Requirements:
     *
     * - none.
     */
    function anchorCount() external view returns (uint256) {
        return _anchorCount;
    }

    /**
     * @notice Returns true if `proof` is the RFC 9162 inclusion proof of the
     * leaf hash `leafHash` at `index` in the anchored tree of `treeSize`
     * leaves; false for any invalid proof.
     *
     * Requirements:
     *
     * - a head of size `treeSize` has been anchored (else
     *   `AnchorRegistryUnknownTreeSize`).
     */
    function verifyInclusion(
        uint64 index,
        uint64 treeSize,
        bytes32 leafHash,
        bytes32[] calldata proof
    ) external view returns (bool) {
        return MerkleLog.verifyInclusion(index, treeSize, leafHash, proof, rootAt(treeSize));
    }

    /**
     * @notice Returns true if `proof` is an RFC 9162 consistency proof that the
     * tree `(size1, root1)` is a prefix of the tree `(size2, root2)`. Pure: it
     * does not look at the anchored heads.
     *
     * Requirements (otherwise the result is false):
     *
     * - `0 < size1 <= size2`; equal sizes need an empty proof and equal roots.
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
