// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/**
 * @title IAnchorRegistry
 * @notice Events, errors and functions of a registry of the tree heads of an
 * append-only RFC 9162 Merkle log, that refuses any head which is not an
 * append-only extension of the latest one, and that can hand over to a
 * successor registry when its latest head can no longer be extended.
 *
 * The {HeadAnchored} events are the record of every head: a registry keeps
 * only the latest head in storage, plus a running digest of all of them
 * ({historyDigest}) so that a list of heads read from the events can be
 * checked on chain.
 *
 * Succession: the admin names a successor and the number of anchors to keep
 * ({scheduleRetirement}); after a delay it {retire}s the registry for good;
 * the successor then {link}s to it, adopting the last kept head, so the
 * successor's next anchor must prove consistency with that head. Both
 * registries record the link ({succession}, {predecessor} and the events).
 *
 * The error names and arguments shared with the first AnchorRegistry are the
 * same, so a client that decodes its reverts decodes these too.
 */
interface IAnchorRegistry {
    /// @notice A tree head as recorded by {HeadAnchored}.
    struct AnchoredHead {
        uint64 treeSize;
        bytes32 root;
        bytes32 statementHash;
    }

    /**
     * @notice The succession of a registry: the successor, how many of this
     * registry's anchors it keeps (`kept`) and the last kept head (zero when
     * `kept == 0`), when the retirement may take effect, and whether it has.
     * All zero while none is scheduled.
     */
    struct Succession {
        address successor;
        uint48 readyAt;
        bool retired;
        uint40 kept;
        uint64 treeSize;
        bytes32 root;
        bytes32 statementHash;
    }

    /**
     * @notice Emitted when the head `(treeSize, root)` is anchored as number
     * `seq`, with the SHA-256 of its settlement statement.
     */
    event HeadAnchored(uint256 indexed seq, uint64 treeSize, bytes32 root, bytes32 statementHash);

    /**
     * @notice Emitted when the retirement in favour of `successor` is
     * scheduled, keeping the first `kept` anchors, whose last is the head
     * `(treeSize, root)`; it may take effect after `readyAt`.
     */
    event RetirementScheduled(
        address indexed successor,
        uint256 kept,
        uint64 treeSize,
        bytes32 root,
        uint48 readyAt
    );

    /// @notice Emitted when the scheduled retirement in favour of `successor` is cancelled.
    event RetirementCancelled(address indexed successor);

    /**
     * @notice Emitted when the registry retires for good in favour of
     * `successor`, which continues from the head `(treeSize, root)`, the last
     * of the first `kept` anchors.
     */
    event Retired(address indexed successor, uint256 kept, uint64 treeSize, bytes32 root);

    /**
     * @notice Emitted when this registry takes over from `predecessor`,
     * continuing from its head `(treeSize, root)`, the last of its first `kept`
     * anchors (none when `kept == 0`).
     */
    event PredecessorLinked(
        address indexed predecessor,
        uint256 kept,
        uint64 treeSize,
        bytes32 root
    );

    /// @dev `account` cannot hold `role` from the start (the zero address).
    error AnchorRegistryInvalidRoleHolder(bytes32 role, address account);

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

    /// @dev `treeSize` is not the size of the latest anchored head, `latestSize`.
    error AnchorRegistryNotLatestHead(uint64 latestSize, uint64 treeSize);

    /// @dev The registry is retired: its successor is `successor`.
    error AnchorRegistryRetired(address successor);

    /// @dev A retirement in favour of `successor` is scheduled.
    error AnchorRegistryRetirementPending(address successor);

    /// @dev No retirement is scheduled.
    error AnchorRegistryNoRetirementScheduled();

    /// @dev The scheduled retirement may take effect only after `readyAt`.
    error AnchorRegistryRetirementNotReady(uint48 readyAt);

    /// @dev `successor` is not a registry whose predecessor is this one.
    error AnchorRegistryInvalidSuccessor(address successor);

    /// @dev `kept` anchors cannot be kept: there are only `count`.
    error AnchorRegistryInvalidKept(uint256 kept, uint256 count);

    /**
     * @dev The heads given for the anchors from number `fromSeq` to the
     * latest, with the digest before `fromSeq`, do not reproduce {historyDigest}.
     */
    error AnchorRegistryHistoryMismatch(uint256 fromSeq, uint256 count);

    /// @dev This registry was deployed without a predecessor.
    error AnchorRegistryNoPredecessor();

    /// @dev This registry must {link} to `predecessor` before its first anchor.
    error AnchorRegistryNotLinked(address predecessor);

    /// @dev This registry has already linked to `predecessor`.
    error AnchorRegistryAlreadyLinked(address predecessor);

    /// @dev `predecessor` has not retired in favour of this registry.
    error AnchorRegistryPredecessorNotRetired(address predecessor);

    /**
     * @notice Anchors the tree head `(treeSize, root)` with the SHA-256
     * `statementHash` of its settlement statement. Emits {HeadAnchored}.
     *
     * Requirements:
     *
     * - the caller may anchor, and the registry is neither paused nor retired.
     * - `treeSize` is greater than the latest anchored size (else
     *   `AnchorRegistryNotExtending`).
     * - `root` is not zero (else `AnchorRegistryZeroRoot`).
     * - a registry with a predecessor has {link}ed to it (else
     *   `AnchorRegistryNotLinked`).
     * - for the first head, `consistencyProof` is empty; afterwards it is the
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
    ) external returns (uint256 seq);

    /**
     * @notice Stops {anchor} until {unpause}. Emits `Paused`.
     *
     * Requirements:
     *
     * - the caller may pause, and the registry is neither paused nor retired.
     */
    function pause() external;

    /**
     * @notice Allows {anchor} again. Emits `Unpaused`.
     *
     * Requirements:
     *
     * - the caller may pause, and the registry is paused.
     * - no retirement is scheduled (else `AnchorRegistryRetirementPending`)
     *   or has taken effect (else `AnchorRegistryRetired`).
     */
    function unpause() external;

    /**
     * @notice Schedules the retirement of this registry in favour of
     * `successor`, which will continue from the head of anchor number
     * `kept - 1` (or from the empty log when `kept` is 0). Pauses anchoring
     * if it is not paused. Emits {RetirementScheduled}.
     *
     * `heads` are the heads of the anchors from number `max(kept, 1) - 1` to
     * the latest, as their {HeadAnchored} events record them, and
     * `digestBefore` is the {historyDigest} just before the first of them
     * (zero for anchor 0). Replaying them must reproduce {historyDigest}: so
     * the kept head is one this registry really anchored.
     *
     * Requirements:
     *
     * - the caller is the admin.
     * - no retirement is scheduled or has taken effect.
     * - `successor` is a registry whose {predecessor} is this one (else
     *   `AnchorRegistryInvalidSuccessor`).
     * - `kept <= anchorCount()` (else `AnchorRegistryInvalidKept`).
     * - `digestBefore` and `heads` reproduce {historyDigest} (else
     *   `AnchorRegistryHistoryMismatch`).
     */
    function scheduleRetirement(
        address successor,
        uint256 kept,
        bytes18 digestBefore,
        AnchoredHead[] calldata heads
    ) external;

    /**
     * @notice Cancels the scheduled retirement. Anchoring stays paused until
     * {unpause}. Emits {RetirementCancelled}.
     *
     * Requirements:
     *
     * - the caller is the admin.
     * - a retirement is scheduled and has not taken effect.
     */
    function cancelRetirement() external;

    /**
     * @notice Retires this registry for good in favour of the scheduled
     * successor: no anchor, unpause or inclusion check ever again. Emits {Retired}.
     *
     * Requirements:
     *
     * - the caller is the admin.
     * - a retirement is scheduled, has not taken effect, and its `readyAt`
     *   has passed (else `AnchorRegistryRetirementNotReady`).
     */
    function retire() external;

    /**
     * @notice Takes over from the predecessor once it has retired in favour of
     * this registry: adopts its last kept head as anchor number 0 (emitting
     * {HeadAnchored}), so the next anchor must prove consistency with it.
     * Anyone may call it. Emits {PredecessorLinked}.
     *
     * Requirements:
     *
     * - the registry has a predecessor (else `AnchorRegistryNoPredecessor`)
     *   and has not linked yet (else `AnchorRegistryAlreadyLinked`).
     * - the predecessor has retired in favour of this registry (else
     *   `AnchorRegistryPredecessorNotRetired`).
     */
    function link() external;

    /**
     * @notice Returns the latest anchored head and its sequence number; before
     * the first anchor `(0, SHA-256(""), 0)`.
     */
    function latestHead() external view returns (uint64 treeSize, bytes32 root, uint256 seq);

    /// @notice Returns the number of anchors; the latest has `seq == anchorCount() - 1`.
    function anchorCount() external view returns (uint256);

    /**
     * @notice Returns the running digest of every anchored head: zero before
     * the first, then `bytes18(keccak256(abi.encode(previous, seq, treeSize,
     * root, statementHash)))` after each.
     */
    function historyDigest() external view returns (bytes18);

    /// @notice Returns the registry this one succeeds, or the zero address.
    function predecessor() external view returns (address);

    /// @notice Returns the scheduled or completed succession (all zero if none).
    function succession() external view returns (Succession memory);

    /**
     * @notice Returns true if `proof` is the RFC 9162 inclusion proof of the
     * leaf hash `leafHash` at `index` in the latest anchored head, of
     * `treeSize` leaves; false for any invalid proof.
     *
     * Requirements:
     *
     * - `treeSize` is the latest anchored size (else `AnchorRegistryNotLatestHead`).
     * - no retirement is scheduled or has taken effect.
     */
    function verifyInclusion(
        uint64 index,
        uint64 treeSize,
        bytes32 leafHash,
        bytes32[] calldata proof
    ) external view returns (bool);

    /**
     * @notice Returns true if `proof` is an RFC 9162 consistency proof that the
     * tree `(size1, root1)` is a prefix of the tree `(size2, root2)`. Pure: it
     * does not look at the anchored heads.
     */
    function verifyConsistency(
        uint64 size1,
        uint64 size2,
        bytes32 root1,
        bytes32 root2,
        bytes32[] calldata proof
    ) external pure returns (bool);
}
