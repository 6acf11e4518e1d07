// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IColumnAcceptanceListener} from "./IColumnAcceptanceListener.sol";

/// @title IDatasetRegistry
/// @notice Erasure-coded datasets and the staked storage providers holding their columns.
/// A dataset owner registers the manifest, the erasure layout and one Poseidon root per shard
/// column, escrowing the storage payment. Columns are placed on distinct providers drawn from
/// Chainlink VRF randomness, so no one chooses who stores what and anyone can recompute it.
/// A column whose holder exited or was reported faulty is redrawn the same way. A holder reported
/// faulty (StorageProofs: missed or invalid storage proof) is slashed `faultPenalty` of its
/// provider stake, to the dataset owner's benefit.
///
/// Life of a dataset: Placing (waiting for the VRF) --draw--> Active --term ends, settle--> Settled.
interface IDatasetRegistry {
    /// @notice Where a dataset is.
    enum DatasetStatus {
        None, // no such dataset
        Placing, // registered; waiting for the placement randomness
        Active, // columns placed; stored until `endsAt`
        Settled // term over, payment paid out (terminal)
    }

    /// @notice What an owner registers.
    /// @param manifestDigest SHA-256 digest of the manifest; its CID is CIDv1(dag-cbor, sha2-256, digest).
    /// @param datasetRoot Poseidon root over the column roots (BN254 field element, big-endian, below r).
    /// @param columnRoots One Poseidon root per shard column, n of them, each non-zero and below r
    /// (storage proofs take it as a public input).
    /// @param k Data shards per stripe.
    /// @param n Shards per stripe (data + parity), k < n <= 255.
    /// @param shardSize Bytes per shard, 1 to 1 MiB.
    /// @param stripeCount Stripes in the dataset.
    /// @param byteLength Bytes of the original dataset (the last stripe is zero-padded).
    /// @param payment Storage payment escrowed, split equally among the n columns.
    /// @param term Seconds the dataset is stored from placement.
    struct Registration {
        bytes32 manifestDigest;
        bytes32 datasetRoot;
        bytes32[] columnRoots;
        uint8 k;
        uint8 n;
        uint32 shardSize;
        uint32 stripeCount;
        uint64 byteLength;
        uint96 payment;
        uint32 term;
    }

    /// @notice A dataset as stored (column roots and holders apart).
    struct Dataset {
        address owner;
        DatasetStatus status;
        uint8 k;
        uint8 n;
        uint32 shardSize;
        uint32 stripeCount;
        uint40 endsAt; // 0 while Placing
        uint64 byteLength;
        uint96 payment;
        uint32 term;
        bytes32 manifestDigest;
        bytes32 datasetRoot;
    }

    /// @notice Thrown when dataset `datasetId` does not exist.
    error DatasetRegistryUnknownDataset(uint256 datasetId);
    /// @notice Thrown when dataset `datasetId` is `actual` but the call needs `expected`.
    error DatasetRegistryWrongStatus(uint256 datasetId, DatasetStatus actual, DatasetStatus expected);
    /// @notice Thrown when a registration field breaks its rule (`field` names it).
    error DatasetRegistryInvalidRegistration(string field);
    /// @notice Thrown when a dataset needs `needed` providers but only `available` are registered.
    error DatasetRegistryNotEnoughProviders(uint256 available, uint256 needed);
    /// @notice Thrown when `account` joins but already is a provider.
    error DatasetRegistryAlreadyProvider(address account);
    /// @notice Thrown when a provider joins without an endpoint.
    error DatasetRegistryEmptyEndpoint();
    /// @notice Thrown when `account` exits but is not a provider.
    error DatasetRegistryNotProvider(address account);
    /// @notice Thrown when column `column` of dataset `datasetId` does not exist (n columns).
    error DatasetRegistryUnknownColumn(uint256 datasetId, uint256 column);
    /// @notice Thrown when column `column` of dataset `datasetId` has an active, sound holder or a redraw pending.
    error DatasetRegistryColumnNotReassignable(uint256 datasetId, uint256 column);
    /// @notice Thrown when `caller` accepts column `column` of dataset `datasetId` but `holder` holds it.
    error DatasetRegistryNotHolder(uint256 datasetId, uint256 column, address caller, address holder);
    /// @notice Thrown when column `column` of dataset `datasetId` was accepted already.
    error DatasetRegistryAlreadyAccepted(uint256 datasetId, uint256 column);
    /// @notice Thrown when dataset `datasetId`'s term only ends at `endsAt`.
    error DatasetRegistryTermNotOver(uint256 datasetId, uint256 endsAt);
    /// @notice Thrown when the VRF answers a request this contract did not make (or answered already).
    error DatasetRegistryUnknownRequest(uint256 requestId);
    /// @notice Thrown when column `column` of dataset `datasetId` is reported faulty but has no holder or is faulty already.
    error DatasetRegistryColumnNotReportable(uint256 datasetId, uint256 column);
    /// @notice Thrown when a constructor or admin parameter breaks its rule.
    error DatasetRegistryInvalidParameter(string name);
    /// @notice Thrown when the acceptance listener is set a second time (it is `listener`).
    error DatasetRegistryListenerAlreadySet(address listener);

    /// @notice Emitted when `owner` registers dataset `datasetId` and escrows `registration.payment`.
    event DatasetRegistered(uint256 indexed datasetId, address indexed owner, Registration registration);
    /// @notice Emitted when randomness is requested (VRF request `requestId`) to place dataset `datasetId`'s
    /// columns, or to redraw column `column` (type(uint256).max means the whole placement).
    event PlacementRequested(uint256 indexed datasetId, uint256 column, uint256 indexed requestId);
    /// @notice Emitted when column `column` of dataset `datasetId` is placed on `provider` (zero when no provider was free).
    event ColumnPlaced(uint256 indexed datasetId, uint256 column, address indexed provider, uint256 seed);
    /// @notice Emitted when dataset `datasetId`'s columns are placed; it is stored until `endsAt`.
    event DatasetActivated(uint256 indexed datasetId, uint256 endsAt);
    /// @notice Emitted when `provider` confirms it holds column `column` of dataset `datasetId` and
    /// recomputed its root.
    event ColumnAccepted(uint256 indexed datasetId, uint256 column, address indexed provider);
    /// @notice Emitted when `listener` is set to hear of every column acceptance.
    event AcceptanceListenerSet(address listener);
    /// @notice Emitted when column `column` of dataset `datasetId` is reported faulty (missed or invalid proof)
    /// and its holder `provider` is slashed `slashed` (to the dataset owner's benefit, see StakeManager).
    event ColumnFaulty(uint256 indexed datasetId, uint256 column, address indexed provider, uint256 slashed);
    /// @notice Emitted when dataset `datasetId`'s payment is paid out: `perColumn` to each holder, `refund` to the owner.
    event DatasetSettled(uint256 indexed datasetId, uint256 perColumn, uint256 refund);
    /// @notice Emitted when `provider` joins, locks `stake` and announces where it serves shards
    /// (`endpoint`, a libp2p multiaddr with its peer id).
    event ProviderJoined(address indexed provider, uint256 stake, string endpoint);
    /// @notice Emitted when `provider` exits, or is removed because a slash left it less than
    /// `providerStake` locked; its remaining stake unlocks once it holds no column.
    event ProviderExited(address indexed provider);
    /// @notice Emitted when `provider`'s remaining stake `stake` unlocks (it left and holds no column any more).
    event ProviderReleased(address indexed provider, uint256 stake);

    /// @notice Registers a dataset, escrows its payment (approved beforehand) and requests its placement.
    /// @dev Requirements: every field valid; at least n providers. Emits {DatasetRegistered}, {PlacementRequested}.
    function register(Registration calldata registration) external returns (uint256 datasetId);

    /// @notice Redraws the holder of column `column` of dataset `datasetId`, if its holder exited, was
    /// reported faulty or none was free at placement.
    /// @dev Requirements: Active; the column is reassignable. Emits {PlacementRequested}.
    function reassign(uint256 datasetId, uint256 column) external;

    /// @notice The holder of column `column` confirms it fetched every shard of it and recomputed
    /// its root; from then on its storage can be audited and the owner may stop serving it.
    /// Tells the acceptance listener (StorageProofs), which prepares the column for storage proofs.
    /// @dev Requirements: Active; caller holds the column; not accepted yet; the listener accepts.
    /// Emits {ColumnAccepted}.
    function acceptColumn(uint256 datasetId, uint256 column) external;

    /// @notice Sets `listener` (StorageProofs) to be told of every column acceptance, once, before
    /// the admin role is renounced.
    /// @dev Requirements: DEFAULT_ADMIN_ROLE; non-zero; not set yet. Emits {AcceptanceListenerSet}.
    function setAcceptanceListener(IColumnAcceptanceListener listener) external;

    /// @notice Whether each of dataset `datasetId`'s columns was accepted by its current holder.
    function accepted(uint256 datasetId) external view returns (bool[] memory);

    /// @notice Bitmap of dataset `datasetId`'s columns a storage audit may hold to account: bit c is set
    /// when column c's current holder accepted it at or before `acceptedBy` and it is not faulty.
    /// Zero unless the dataset is Active.
    function auditable(uint256 datasetId, uint256 acceptedBy) external view returns (uint256 bitmap);

    /// @notice Column `column` of dataset `datasetId`: its holder (zero while unplaced) and its root.
    /// @dev One call for the storage-proof hot path. Reverts with {DatasetRegistryUnknownColumn} when the
    /// column does not exist.
    function columnOf(uint256 datasetId, uint256 column) external view returns (address holder, bytes32 root);

    /// @notice Marks column `column`'s holder faulty (it missed or failed a storage proof) so the column can be
    /// redrawn, and slashes `faultPenalty` of the provider stake this registry holds locked for it (less if
    /// less is left), the dataset owner being the slash beneficiary. A provider left with less than
    /// `providerStake` locked is removed from the providers (no new columns; its columns become reassignable).
    /// @dev Requirements: FAULT_REPORTER_ROLE (StorageProofs); Active; the column has a holder and is not
    /// faulty yet. Emits {ColumnFaulty} (and {ProviderExited} on removal).
    /// @return holder The holder reported.
    /// @return slashed The stake slashed.
    function reportFaulty(uint256 datasetId, uint256 column) external returns (address holder, uint256 slashed);

    /// @notice Pays out dataset `datasetId` after its term: each column's share to its holder, the rest
    /// (shares of unheld columns, rounding) back to the owner.
    /// @dev Requirements: Active; term over. Emits {DatasetSettled}.
    function settle(uint256 datasetId) external;

    /// @notice The caller becomes a storage provider, locking `providerStake` (or topping its locked stake
    /// up to it after a slash), reachable at `endpoint`
    /// (a libp2p multiaddr ending in /p2p/<peer id>; fetchers dial it for bitswap).
    /// @dev Requirements: not a provider yet; non-empty endpoint; enough available stake. Emits {ProviderJoined}.
    function join(string calldata endpoint) external;

    /// @notice The caller stops taking new columns; its columns become reassignable and its stake
    /// unlocks once none is left.
    /// @dev Requirements: is a provider. Emits {ProviderExited} (and {ProviderReleased} if it holds nothing).
    function exit() external;

    /// @notice The dataset `datasetId` as stored (status None if unknown).
    function getDataset(uint256 datasetId) external view returns (Dataset memory);

    /// @notice Whether dataset `datasetId` is placed and within its term's accounting (Active).
    function isActive(uint256 datasetId) external view returns (bool);

    /// @notice The n column roots of dataset `datasetId`.
    function columnRoots(uint256 datasetId) external view returns (bytes32[] memory);

    /// @notice The holders of dataset `datasetId`'s n columns (zero while unplaced).
    function holders(uint256 datasetId) external view returns (address[] memory);

    /// @notice Provider stake this registry holds locked for `provider` (what a release would unlock).
    function lockedStakeOf(address provider) external view returns (uint256);

    /// @notice Where `provider` serves shards, as announced at its last join.
    function endpointOf(address provider) external view returns (string memory);

    /// @notice The current providers, in the order draws index them.
    function providers() external view returns (address[] memory);

    /// @notice Number of datasets registered; ids run from 1 to this.
    function datasetCount() external view returns (uint256);
}
