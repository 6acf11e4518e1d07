// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IColumnAcceptanceListener} from "./IColumnAcceptanceListener.sol";

/// @title IDatasetRegistry
/// @notice Erasure-coded datasets and the staked storage providers holding their columns.
/// A dataset owner registers the manifest, the erasure layout, one Poseidon root per shard column
/// and the storage-proof verifier version its columns will be audited with, escrowing the storage
/// payment. Columns are placed on distinct providers drawn from Chainlink VRF randomness, so no
/// one chooses who stores what and anyone can recompute it. A column whose holder exited, was
/// reported faulty or did not accept it in time is redrawn the same way. A holder reported faulty
/// (StorageProofs: missed or invalid storage proof) is slashed `faultPenalty` of its provider
/// stake, to the dataset owner's benefit; only holders that accepted their column and stayed
/// sound are paid.
///
/// Life of a dataset:
/// Placing (VRF seed, then {applyPlacement} in chunks) --all columns placed--> Active
/// --term ends, settle--> Settled; Placing --placementTimeout, cancelPlacement--> Cancelled (refund).
///
/// No VRF callback does work that grows with the number of providers or columns: the placement's
/// answer only stores its seed, a redraw's answer draws one column with at most
/// {PlacementDraw-MAX_TRIES} tries ({PlacementDraw} specifies the draw byte for byte).
///
/// A draw is fixed when its randomness is requested, before anyone can know the word: it visits only the
/// provider list's first `range` entries (its length at the request) and counts an entry only if its
/// provider joined before the request's second and is still a provider. Entries never move ({join} refills the
/// last entry an {exit} emptied, else appends), so no join after the request takes part in the draw, and an
/// exit only hands the exiting provider's columns on: nobody who sees the word can steer columns onto
/// accounts of its own by joining or exiting.
interface IDatasetRegistry {
    /// @notice Where a dataset is.
    enum DatasetStatus {
        None, // no such dataset
        Placing, // registered; waiting for the placement randomness
        Active, // columns placed; stored until `endsAt`
        Settled, // term over, payment paid out (terminal)
        Cancelled // never placed within `placementTimeout`, payment refunded (terminal)
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
    /// @param verifierVersion The StorageProofs verifier version the columns are audited with, bound
    /// for good at registration (it must exist; see {IStorageProofs-verifierVersion}).
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
        uint32 verifierVersion;
    }

    /// @notice Time limits of the waiting states, fixed at deployment.
    /// @param placementTimeout Seconds from registration after which a dataset still Placing can be cancelled.
    /// @param acceptancePeriod Seconds a holder has, from its column's placement, to accept it; then the
    /// column can be redrawn and an unaccepted holder is never paid.
    /// @param reassignCooldown Seconds between two redraw requests of one column (rate limit of paid
    /// VRF requests); a redraw whose answer has not come by then can be requested again.
    struct Periods {
        uint32 placementTimeout;
        uint32 acceptancePeriod;
        uint32 reassignCooldown;
    }

    /// @notice Where a dataset's placement is.
    /// @param seed The VRF word the columns are drawn from (0 until `seeded`).
    /// @param deadline From then on, while the dataset is Placing, anyone may cancel it.
    /// @param placed Columns placed so far (0..n); the dataset is Active once all n are.
    /// @param seeded Whether the VRF answered.
    /// @param requestedAt When the placement's randomness was requested (registration): providers that joined
    /// in that second or later take no part in its draws.
    /// @param range The provider list's length at the request: its draws visit only entries below it.
    struct Placement {
        uint256 seed;
        uint40 deadline;
        uint8 placed;
        bool seeded;
        uint40 requestedAt;
        uint64 range;
    }

    /// @notice One entry of the provider list; an emptied entry (an exit, a slash under `providerStake`) has
    /// a zero account until a join refills it.
    /// @param account The provider.
    /// @param joinedAt When it joined (draws requested in that second or earlier do not count it).
    struct ProviderEntry {
        address account;
        uint40 joinedAt;
    }

    /// @notice A dataset's one redraw in flight (all zero when none): requested, or answered with its word kept
    /// until {applyRedraw} because an audit round held the column when the word came.
    /// @param column The column redrawn.
    /// @param requestedAt When it was requested (its draw counts providers that joined before that second).
    /// @param range The provider list's length at the request.
    /// @param answered Whether the word came and waits for {applyRedraw}.
    struct Redraw {
        uint8 column;
        uint40 requestedAt;
        uint64 range;
        bool answered;
    }

    /// @notice One column's holder and state.
    /// @param holder Current holder (zero while unplaced).
    /// @param placedAt When the holder was drawn (its acceptance deadline is placedAt + acceptancePeriod).
    /// @param acceptedAt When the holder accepted (0: not yet).
    /// @param faulty Whether the holder was reported faulty.
    /// @param redrawPending Whether a redraw's VRF answer is awaited.
    /// @param redrawRequestedAt When the column's last redraw was requested (0: never).
    struct ColumnState {
        address holder;
        uint40 placedAt;
        uint40 acceptedAt;
        bool faulty;
        bool redrawPending;
        uint40 redrawRequestedAt;
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
    /// @notice Thrown when column `column` of dataset `datasetId` has a sound holder that is still a provider
    /// and accepted it (or may still accept it).
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
    /// @notice Thrown when dataset `datasetId`'s placement is applied before the VRF answered.
    error DatasetRegistryPlacementNotSeeded(uint256 datasetId);
    /// @notice Thrown when dataset `datasetId` is cancelled before its placement deadline `deadline`.
    error DatasetRegistryPlacementNotOverdue(uint256 datasetId, uint256 deadline);
    /// @notice Thrown when column `column` of dataset `datasetId` is accepted at or after its deadline `deadline`.
    error DatasetRegistryAcceptanceOverdue(uint256 datasetId, uint256 column, uint256 deadline);
    /// @notice Thrown when column `column` of dataset `datasetId` is redrawn again before `readyAt`
    /// (one redraw request per `reassignCooldown`).
    error DatasetRegistryReassignTooSoon(uint256 datasetId, uint256 column, uint256 readyAt);
    /// @notice Thrown when column `column` of dataset `datasetId` is redrawn while an audit round holds it: it
    /// owes a proof in an open round, or a requested round will audit it (its holder answers for that round first).
    error DatasetRegistryColumnUnderAudit(uint256 datasetId, uint256 column);
    /// @notice Thrown when a column of dataset `datasetId` is redrawn while its redraw of column `column` is in
    /// flight (requested less than `reassignCooldown` ago, or answered and waiting for {applyRedraw}).
    error DatasetRegistryRedrawInFlight(uint256 datasetId, uint256 column);
    /// @notice Thrown when {applyRedraw} finds no answered redraw of dataset `datasetId` waiting.
    error DatasetRegistryNoRedrawWaiting(uint256 datasetId);
    /// @notice Thrown when dataset `datasetId` is settled while the columns in bitmap `owing` owe a proof
    /// in an open audit round.
    error DatasetRegistryProofsOutstanding(uint256 datasetId, uint256 owing);

    /// @notice Emitted when `owner` registers dataset `datasetId` and escrows `registration.payment`.
    event DatasetRegistered(uint256 indexed datasetId, address indexed owner, Registration registration);
    /// @notice Emitted when randomness is requested (VRF request `requestId`) to place dataset `datasetId`'s
    /// columns, or to redraw column `column` (type(uint256).max means the whole placement); the draw visits the
    /// provider list's first `range` entries and counts providers that joined before this block's second.
    event PlacementRequested(uint256 indexed datasetId, uint256 column, uint256 indexed requestId, uint256 range);
    /// @notice Emitted when the word `seed` of column `column`'s redraw comes while an audit round holds the
    /// column: the word is kept, and {applyRedraw} draws from it once the round no longer holds the column (its holder
    /// proved, or the round closed).
    event RedrawHeld(uint256 indexed datasetId, uint256 column, uint256 seed);
    /// @notice Emitted when the VRF answers dataset `datasetId`'s placement with `seed`; {applyPlacement} then
    /// draws the columns from it.
    event PlacementSeeded(uint256 indexed datasetId, uint256 seed);
    /// @notice Emitted when a VRF answer (request `requestId`, for column `column` of dataset `datasetId`,
    /// type(uint256).max for the whole placement) comes too late to be used: the request was superseded,
    /// or the dataset cancelled or settled. Nothing else changes.
    event PlacementAnswerIgnored(uint256 indexed datasetId, uint256 column, uint256 indexed requestId);
    /// @notice Emitted when dataset `datasetId`, still Placing after its placement deadline, is cancelled
    /// and its payment `refund` returned to its owner.
    event DatasetCancelled(uint256 indexed datasetId, uint256 refund);
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
    /// @notice Emitted when dataset `datasetId`'s payment is paid out: `perColumn` to each holder that accepted
    /// its column and is not faulty, `refund` (the other shares and the rounding) to the owner.
    event DatasetSettled(uint256 indexed datasetId, uint256 perColumn, uint256 refund);
    /// @notice Emitted when `provider` joins, locks `stake` and announces where it serves shards
    /// (`endpoint`, a libp2p multiaddr with its peer id).
    event ProviderJoined(address indexed provider, uint256 stake, string endpoint);
    /// @notice Emitted when `provider` exits, or is removed because a slash left it less than
    /// `providerStake` locked; its remaining stake unlocks once it holds no column.
    event ProviderExited(address indexed provider);
    /// @notice Emitted when `provider`'s remaining stake `stake` unlocks (it left and holds no column any more).
    event ProviderReleased(address indexed provider, uint256 stake);

    /// @notice Registers a dataset, escrows its payment (approved beforehand), binds it to verifier version
    /// `registration.verifierVersion` (through the acceptance listener, StorageProofs) and requests its placement.
    /// @dev Requirements: every field valid; at least n providers; the verifier version exists (the listener
    /// reverts otherwise, and nothing is registered). Emits {DatasetRegistered}, {PlacementRequested}.
    function register(Registration calldata registration) external returns (uint256 datasetId);

    /// @notice Places up to `maxColumns` more of dataset `datasetId`'s columns from its placement seed, in
    /// column order, each by {PlacementDraw-draw} over the providers at this block (earlier holders of the
    /// dataset excluded); a column no try could place stays unplaced and can be redrawn. The call placing
    /// the last column activates the dataset. Anyone may call it (the automation keeper does).
    /// @dev Requirements: Placing; the VRF answered. Emits {ColumnPlaced} per column, {DatasetActivated} at the end.
    /// @return placed Columns placed so far.
    function applyPlacement(uint256 datasetId, uint256 maxColumns) external returns (uint256 placed);

    /// @notice Cancels dataset `datasetId`, still Placing at its placement deadline (the VRF never answered, or
    /// nobody applied the placement), and refunds its payment to its owner. Anyone may call it.
    /// @dev Requirements: Placing; deadline reached. Emits {DatasetCancelled}.
    function cancelPlacement(uint256 datasetId) external;

    /// @notice Requests a redraw of column `column` of dataset `datasetId`'s holder, if the column is
    /// unplaced, its holder was reported faulty, exited, or did not accept it within `acceptancePeriod`.
    /// A dataset has one redraw in flight at a time, so the columns a word meets taken never depend on the
    /// order answers land in. A column is redrawn at most once per `reassignCooldown`; a redraw still
    /// unanswered after it may be superseded by a new request (the late answer is then ignored). A column owing
    /// a proof in an open audit round, or accepted and sound while a round is requested, waits for the round to
    /// close, so its holder answers for that round; a redraw's word landing while a round holds the column is
    /// kept ({RedrawHeld}) and drawn from by {applyRedraw} once the round no longer holds the column (its holder
    /// proved, or the round closed), so no one can trade it for another.
    /// @dev Requirements: Active; the column is reassignable; `reassignCooldown` since its last redraw request;
    /// no other redraw of the dataset in flight; no audit round holds it (no proof owed in an open round; no
    /// round requested for an accepted, sound column). Emits {PlacementRequested}.
    function reassign(uint256 datasetId, uint256 column) external;

    /// @notice Draws the held redraw of dataset `datasetId` ({RedrawHeld}) from its kept word, now that no audit
    /// round holds its column. Anyone may call it (the automation keeper does).
    /// @dev Requirements: Active; a redraw answered and waiting; no audit round holds its column. Emits
    /// {ColumnPlaced}.
    function applyRedraw(uint256 datasetId) external;

    /// @notice The holder of column `column` confirms it fetched every shard of it and recomputed
    /// its root; from then on its storage can be audited and the owner may stop serving it.
    /// Tells the acceptance listener (StorageProofs), which prepares the column for storage proofs.
    /// @dev Requirements: Placing or Active; caller holds the column; not accepted yet; before
    /// `placedAt + acceptancePeriod`; the listener accepts. Emits {ColumnAccepted}.
    function acceptColumn(uint256 datasetId, uint256 column) external;

    /// @notice Sets `listener` (StorageProofs) to be told of every registration and column acceptance, and
    /// asked which columns owe a proof, once, before the admin role is renounced.
    /// @dev Requirements: DEFAULT_ADMIN_ROLE; non-zero; not set yet. Emits {AcceptanceListenerSet}.
    function setAcceptanceListener(IColumnAcceptanceListener listener) external;

    /// @notice Whether each of dataset `datasetId`'s columns was accepted by its current holder.
    function accepted(uint256 datasetId) external view returns (bool[] memory);

    /// @notice Bitmap of dataset `datasetId`'s columns a storage audit may hold to account: bit c is set
    /// when column c's current holder accepted it at or before `acceptedBy` and it is not faulty.
    /// Zero unless the dataset is Active.
    function auditable(uint256 datasetId, uint256 acceptedBy) external view returns (uint256 bitmap);

    /// @notice Dataset `datasetId`'s redraw in flight (all zero when none).
    function redrawOf(uint256 datasetId) external view returns (Redraw memory);

    /// @notice Bitmap of dataset `datasetId`'s columns {reassign} would redraw now (zero unless Active, or while
    /// a redraw is in flight).
    /// @dev For keepers: reads every column, O(n).
    function reassignable(uint256 datasetId) external view returns (uint256 bitmap);

    /// @notice Column `column` of dataset `datasetId`: its holder (zero while unplaced) and its root.
    /// @dev One call for the storage-proof hot path. Reverts with {DatasetRegistryUnknownColumn} when the
    /// column does not exist.
    function columnOf(uint256 datasetId, uint256 column) external view returns (address holder, bytes32 root);

    /// @notice Column `column` of dataset `datasetId` in full (all zero while unplaced).
    function columnState(uint256 datasetId, uint256 column) external view returns (ColumnState memory);

    /// @notice Dataset `datasetId`'s placement: seed, deadline, progress.
    function placementOf(uint256 datasetId) external view returns (Placement memory);

    /// @notice Marks column `column`'s holder faulty (it missed or failed a storage proof) so the column can be
    /// redrawn, and slashes `faultPenalty` of the provider stake this registry holds locked for it (less if
    /// less is left), the dataset owner being the slash beneficiary. A provider left with less than
    /// `providerStake` locked is removed from the providers (no new columns; its columns become reassignable).
    /// @dev Requirements: FAULT_REPORTER_ROLE (StorageProofs); Active; the column has a holder and is not
    /// faulty yet. Emits {ColumnFaulty} (and {ProviderExited} on removal).
    /// @return holder The holder reported.
    /// @return slashed The stake slashed.
    function reportFaulty(uint256 datasetId, uint256 column) external returns (address holder, uint256 slashed);

    /// @notice Pays out dataset `datasetId` after its term: each column's share to its holder if that holder
    /// accepted the column and is not faulty; the rest (shares of unplaced, unaccepted or faulty columns,
    /// rounding) back to the owner.
    /// @dev Requirements: Active; term over; no column owes a proof in an open audit round (it is
    /// reported at the round's close first). Emits {DatasetSettled}.
    function settle(uint256 datasetId) external;

    /// @notice The caller becomes a storage provider, locking `providerStake` (or topping its locked stake
    /// up to it after a slash), reachable at `endpoint`
    /// (a libp2p multiaddr ending in /p2p/<peer id>; fetchers dial it for bitswap). It takes the last entry
    /// of the provider list an exit emptied, else a new one at the end.
    /// @dev Requirements: not a provider yet; non-empty endpoint; enough available stake. Emits {ProviderJoined}.
    function join(string calldata endpoint) external;

    /// @notice The caller stops taking new columns (its list entry is emptied, no other moves); its columns
    /// become reassignable and its stake unlocks once none is left.
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

    /// @notice The current providers, in list order (emptied entries left out).
    function providers() external view returns (address[] memory);

    /// @notice The provider list as draws index it, emptied entries included (what {PlacementDraw} reads).
    function providerList() external view returns (ProviderEntry[] memory);

    /// @notice Number of datasets registered; ids run from 1 to this.
    function datasetCount() external view returns (uint256);
}
