// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IAnchorRegistry} from "./IAnchorRegistry.sol";
import {MerkleLogAsm} from "./MerkleLogAsm.sol";

/**
 * @title AnchorRegistryV2
 * @notice On-chain record of the tree heads of an append-only RFC 9162 Merkle
 * log, refusing any head that is not an append-only extension of the latest
 * one, and able to hand over to a successor when its latest head is bad.
 * See {IAnchorRegistry}.
 *
 * Storage: two slots are rewritten by each anchor, none is created. One holds
 * the latest root; the other packs Pausable's flag, the latest size, the
 * anchor count and the 144-bit {historyDigest} of every head. The
 * {HeadAnchored} events are the record of every head (their block gives the
 * time); an inclusion proof for an earlier entry is checked against the
 * latest head, which contains it. The consistency check runs in
 * {MerkleLogAsm}.
 *
 * Why no per-anchor growth cap: a cap would stop the anchorer key from
 * exhausting the sizes in one anchor (a forged proof to `2**64 - 1`), but the
 * same key blocks the registry as surely with one invented leaf, or with the
 * right root under the wrong size, in an anchor of any size. Only
 * {scheduleRetirement} and {retire} get out of all three, so a cap would add
 * a limit to choose, govern and hit with large imports, without removing the
 * need for them.
 *
 * Roles: the admin (OpenZeppelin {AccessControlDefaultAdminRules}: one
 * holder, handed over in two steps after {defaultAdminDelay}) grants roles and
 * retires the registry, no sooner than {defaultAdminDelay} after scheduling
 * it; `ANCHORER_ROLE` may {anchor}; `PAUSER_ROLE` may {pause} and {unpause}.
 * The constructor gives each role to its own account.
 */
contract AnchorRegistryV2 is IAnchorRegistry, AccessControlDefaultAdminRules, Pausable {
    /// @notice Role allowed to anchor tree heads.
    bytes32 public constant ANCHORER_ROLE = keccak256("ANCHORER_ROLE");
    /// @notice Role allowed to pause and unpause anchoring.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    address private immutable _predecessor;

    // These three fill the rest of the slot of Pausable's `_paused` flag (1 +
    // 8 + 5 + 18 bytes), so the pause check, the size check and the update
    // cost one cold read and one write. 2**40 anchors will not be reached.
    uint64 private _latestSize;
    uint40 private _anchorCount;
    bytes18 private _historyDigest;

    bytes32 private _latestRoot;

    Succession private _succession;
    bool private _linked;

    /**
     * @notice Creates an empty registry: `admin` administers it (see
     * {AccessControlDefaultAdminRules}, with `initialDelay`), `anchorer` may
     * anchor and `pauser` may pause. With a `predecessor_` (not the zero
     * address) it anchors nothing before it has {link}ed to that registry.
     *
     * Requirements:
     *
     * - `admin` is not the zero address (else `AccessControlInvalidDefaultAdmin`).
     * - `anchorer` and `pauser` are not the zero address (else
     *   `AnchorRegistryInvalidRoleHolder`).
     */
    constructor(
        uint48 initialDelay,
        address admin,
        address anchorer,
        address pauser,
        address predecessor_
    ) AccessControlDefaultAdminRules(initialDelay, admin) {
        if (anchorer == address(0)) revert AnchorRegistryInvalidRoleHolder(ANCHORER_ROLE, anchorer);
        if (pauser == address(0)) revert AnchorRegistryInvalidRoleHolder(PAUSER_ROLE, pauser);
        _grantRole(ANCHORER_ROLE, anchorer);
        _grantRole(PAUSER_ROLE, pauser);
        _predecessor = predecessor_;
    }

    /**
     * @inheritdoc IAnchorRegistry
     * @dev Requirements, in order: `ANCHORER_ROLE` (else
     * `AccessControlUnauthorizedAccount`); not retired (else
     * `AnchorRegistryRetired`) nor paused (else `EnforcedPause`); then as in
     * {IAnchorRegistry-anchor}.
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
        if (latestSize == 0) {
            if (_predecessor != address(0) && !_linked) revert AnchorRegistryNotLinked(_predecessor);
            if (consistencyProof.length != 0) revert AnchorRegistryInconsistentHead(0, treeSize);
        } else if (
            !MerkleLogAsm.verifyConsistency(latestSize, treeSize, _latestRoot, root, consistencyProof)
        ) {
            revert AnchorRegistryInconsistentHead(latestSize, treeSize);
        }
        seq = _anchorCount;
        _record(seq, treeSize, root, statementHash);
    }

    /**
     * @inheritdoc IAnchorRegistry
     * @dev The caller needs `PAUSER_ROLE` (else `AccessControlUnauthorizedAccount`).
     */
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /**
     * @inheritdoc IAnchorRegistry
     * @dev The caller needs `PAUSER_ROLE` (else `AccessControlUnauthorizedAccount`).
     */
    function unpause() external onlyRole(PAUSER_ROLE) {
        address successor = _succession.successor;
        if (successor != address(0)) {
            if (_succession.retired) revert AnchorRegistryRetired(successor);
            revert AnchorRegistryRetirementPending(successor);
        }
        _unpause();
    }

    /**
     * @inheritdoc IAnchorRegistry
     * @dev The caller needs `DEFAULT_ADMIN_ROLE` (else `AccessControlUnauthorizedAccount`).
     */
    function scheduleRetirement(
        address successor,
        uint256 kept,
        bytes18 digestBefore,
        AnchoredHead[] calldata heads
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _requireNoSuccession();
        if (
            successor == address(this) ||
            successor.code.length == 0 ||
            IAnchorRegistry(successor).predecessor() != address(this)
        ) revert AnchorRegistryInvalidSuccessor(successor);
        uint256 count = _anchorCount;
        if (kept > count) revert AnchorRegistryInvalidKept(kept, count);
        uint256 fromSeq = kept == 0 ? 0 : kept - 1;
        if (!_replays(fromSeq, count, digestBefore, heads)) {
            revert AnchorRegistryHistoryMismatch(fromSeq, count);
        }

        uint48 readyAt = uint48(block.timestamp) + defaultAdminDelay();
        Succession memory next = Succession({
            successor: successor,
            readyAt: readyAt,
            retired: false,
            kept: uint40(kept),
            treeSize: 0,
            root: bytes32(0),
            statementHash: bytes32(0)
        });
        if (kept != 0) {
            next.treeSize = heads[0].treeSize;
            next.root = heads[0].root;
            next.statementHash = heads[0].statementHash;
        }
        _succession = next;
        emit RetirementScheduled(successor, kept, next.treeSize, next.root, readyAt);
        if (!paused()) _pause();
    }

    /**
     * @inheritdoc IAnchorRegistry
     * @dev The caller needs `DEFAULT_ADMIN_ROLE` (else `AccessControlUnauthorizedAccount`).
     */
    function cancelRetirement() external onlyRole(DEFAULT_ADMIN_ROLE) {
        address successor = _pendingSuccessor();
        delete _succession;
        emit RetirementCancelled(successor);
    }

    /**
     * @inheritdoc IAnchorRegistry
     * @dev The caller needs `DEFAULT_ADMIN_ROLE` (else `AccessControlUnauthorizedAccount`).
     */
    function retire() external onlyRole(DEFAULT_ADMIN_ROLE) {
        address successor = _pendingSuccessor();
        Succession storage s = _succession;
        uint48 readyAt = s.readyAt;
        if (readyAt >= block.timestamp) revert AnchorRegistryRetirementNotReady(readyAt);
        s.retired = true;
        emit Retired(successor, s.kept, s.treeSize, s.root);
    }

    /// @inheritdoc IAnchorRegistry
    function link() external {
        address from = _predecessor;
        if (from == address(0)) revert AnchorRegistryNoPredecessor();
        if (_linked) revert AnchorRegistryAlreadyLinked(from);
        Succession memory s = IAnchorRegistry(from).succession();
        if (s.successor != address(this) || !s.retired) revert AnchorRegistryPredecessorNotRetired(from);
        _linked = true;
        if (s.kept != 0) _record(0, s.treeSize, s.root, s.statementHash);
        emit PredecessorLinked(from, s.kept, s.treeSize, s.root);
    }

    /// @inheritdoc IAnchorRegistry
    function latestHead() external view returns (uint64 treeSize, bytes32 root, uint256 seq) {
        uint256 count = _anchorCount;
        if (count == 0) return (0, MerkleLogAsm.EMPTY_ROOT, 0);
        return (_latestSize, _latestRoot, count - 1);
    }

    /// @inheritdoc IAnchorRegistry
    function anchorCount() external view returns (uint256) {
        return _anchorCount;
    }

    /// @inheritdoc IAnchorRegistry
    function historyDigest() external view returns (bytes18) {
        return _historyDigest;
    }

    /// @inheritdoc IAnchorRegistry
    function predecessor() external view returns (address) {
        return _predecessor;
    }

    /// @inheritdoc IAnchorRegistry
    function succession() external view returns (Succession memory) {
        return _succession;
    }

    /// @inheritdoc IAnchorRegistry
    function verifyInclusion(
        uint64 index,
        uint64 treeSize,
        bytes32 leafHash,
        bytes32[] calldata proof
    ) external view returns (bool) {
        uint64 latestSize = _latestSize;
        // The flag shares the slot just read: the succession is read only when paused.
        if (paused()) _requireNoSuccession();
        if (treeSize != latestSize || latestSize == 0) {
            revert AnchorRegistryNotLatestHead(latestSize, treeSize);
        }
        return MerkleLogAsm.verifyInclusion(index, treeSize, leafHash, proof, _latestRoot);
    }

    /// @inheritdoc IAnchorRegistry
    function verifyConsistency(
        uint64 size1,
        uint64 size2,
        bytes32 root1,
        bytes32 root2,
        bytes32[] calldata proof
    ) external pure returns (bool) {
        return MerkleLogAsm.verifyConsistency(size1, size2, root1, root2, proof);
    }

    /// @inheritdoc AccessControlDefaultAdminRules
    function supportsInterface(bytes4 interfaceId)
        public
        view
        override
        returns (bool)
    {
        return interfaceId == type(IAnchorRegistry).interfaceId || super.supportsInterface(interfaceId);
    }

    /**
     * @dev A retired registry is paused for good: say so instead of `EnforcedPause`.
     */
    function _requireNotPaused() internal view override {
        if (paused()) {
            _requireNotRetired();
            revert EnforcedPause();
        }
    }

    function _requireNotRetired() private view {
        if (_succession.retired) revert AnchorRegistryRetired(_succession.successor);
    }

    function _requireNoSuccession() private view {
        _requireNotRetired();
        address successor = _succession.successor;
        if (successor != address(0)) revert AnchorRegistryRetirementPending(successor);
    }

    /// @dev Returns the successor of the scheduled retirement, which must not have taken effect.
    function _pendingSuccessor() private view returns (address successor) {
        _requireNotRetired();
        successor = _succession.successor;
        if (successor == address(0)) revert AnchorRegistryNoRetirementScheduled();
    }

    /// @dev Stores `(treeSize, root)` as anchor `seq`, folds it into the digest, emits.
    function _record(uint256 seq, uint64 treeSize, bytes32 root, bytes32 statementHash) private {
        _historyDigest = _nextDigest(_historyDigest, seq, treeSize, root, statementHash);
        _anchorCount = uint40(seq + 1);
        _latestSize = treeSize;
        _latestRoot = root;
        emit HeadAnchored(seq, treeSize, root, statementHash);
    }

    /**
     * @dev Whether replaying `heads` as the anchors `fromSeq, fromSeq + 1, ...`
     * from `digest` ends at `count` anchors and at the stored digest. Anchor 0
     * has no digest before it but zero.
     */
    function _replays(
        uint256 fromSeq,
        uint256 count,
        bytes18 digest,
        AnchoredHead[] calldata heads
    ) private view returns (bool) {
        if (fromSeq + heads.length != count) return false;
        if (fromSeq == 0 && digest != bytes18(0)) return false;
        for (uint256 i = 0; i < heads.length; ++i) {
            AnchoredHead calldata head = heads[i];
            digest = _nextDigest(digest, fromSeq + i, head.treeSize, head.root, head.statementHash);
        }
        return digest == _historyDigest;
    }

    /// @dev `bytes18(keccak256(abi.encode(previous, seq, treeSize, root, statementHash)))`.
    function _nextDigest(
        bytes18 previous,
        uint256 seq,
        uint64 treeSize,
        bytes32 root,
        bytes32 statementHash
    ) private pure returns (bytes18 digest) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, previous)
            mstore(add(m, 0x20), seq)
            mstore(add(m, 0x40), treeSize)
            mstore(add(m, 0x60), root)
            mstore(add(m, 0x80), statementHash)
            digest := and(keccak256(m, 0xa0), shl(112, not(0)))
        }
    }
}
