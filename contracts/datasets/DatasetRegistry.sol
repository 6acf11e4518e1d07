// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {VrfConsumer} from "../randomness/VrfConsumer.sol";
import {IColumnAcceptanceListener} from "../interfaces/IColumnAcceptanceListener.sol";
import {IDatasetRegistry} from "../interfaces/IDatasetRegistry.sol";
import {IStakeManager} from "../interfaces/IStakeManager.sol";
import {PlacementDraw} from "../libraries/PlacementDraw.sol";
import {SnarkField} from "../libraries/SnarkField.sol";
import {VrfRequest} from "../libraries/VrfRequest.sol";

/// @title DatasetRegistry
/// @notice Datasets, their erasure layout and column roots, storage providers, and the
/// VRF-drawn placement of columns on providers.
/// @dev Every column is drawn by {PlacementDraw-draw} (rejection sampling, at most MAX_TRIES tries over
/// the provider list as it was at the request), recomputable from the seed in {ColumnPlaced}, the request's
/// `range` and `requestedAt`, and {providerList} at that block. List entries never move: an exit empties
/// one, a join refills the last emptied (else appends). The VRF callbacks do bounded work: a placement's answer stores its seed (the columns are
/// applied by anyone with {applyPlacement}, in chunks), a redraw's answer draws one column.
/// Provider stake is booked per provider (`_lockedStake`): a fault slashes from it, a release
/// unlocks what is left, so StakeManager never sees an unlock above what this registry locked.
contract DatasetRegistry is IDatasetRegistry, VrfConsumer, AccessControl, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @dev One column's holder and flags, in one slot.
    struct Column {
        address holder;
        uint40 placedAt; // when the holder was drawn; it must accept before placedAt + acceptancePeriod
        uint40 acceptedAt; // when the holder fetched the column and checked its root (0: not yet)
        bool faulty; // the holder missed or failed a storage proof
        bool redrawPending; // a VRF request to replace the holder is in flight
    }

    /// @dev What a VRF request is for.
    struct Request {
        uint128 datasetId; // 0: no such request
        uint8 column;
        bool wholePlacement; // every column, ignoring `column`
        uint40 requestedAt; // a redraw's answer counts only if this is still its dataset's redraw in flight
    }

    /*//////////////////////////////////////////////////////////////
                               CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice Role of the contract that reports columns whose proofs failed (StorageProofs).
    bytes32 public constant FAULT_REPORTER_ROLE = keccak256("FAULT_REPORTER_ROLE");
    /// @notice Largest shard: 1 MiB, the IPFS block size the project keeps to.
    uint32 public constant MAX_SHARD_SIZE = 1 << 20;
    /// @notice `column` in {PlacementRequested} when every column is placed.
    uint256 public constant WHOLE_PLACEMENT = type(uint256).max;
    /// @notice Tries of one column's draw ({PlacementDraw}).
    uint256 public constant MAX_DRAW_TRIES = PlacementDraw.MAX_TRIES;

    IERC20 public immutable token;
    IStakeManager public immutable stakeManager;
    /// @notice Stake locked while an account is a provider (and until it holds no column).
    uint96 public immutable providerStake;
    /// @notice Stake slashed from a holder each time one of its columns is reported faulty.
    uint96 public immutable faultPenalty;
    /// @notice Seconds from registration after which a dataset still Placing can be cancelled.
    uint32 public immutable placementTimeout;
    /// @notice Seconds a holder has from its column's placement to accept it.
    uint32 public immutable acceptancePeriod;
    /// @notice Seconds between two redraw requests of one column.
    uint32 public immutable reassignCooldown;
    VrfRequest.Params private _vrf;

    /*//////////////////////////////////////////////////////////////
                                 STATE
    //////////////////////////////////////////////////////////////*/

    mapping(uint256 datasetId => Dataset) private _datasets;
    mapping(uint256 datasetId => bytes32[]) private _columnRoots;
    mapping(uint256 datasetId => Column[]) private _columns;
    mapping(uint256 datasetId => Placement) private _placements;
    mapping(uint256 datasetId => mapping(uint256 column => uint40)) private _redrawRequestedAt;
    mapping(uint256 datasetId => mapping(address provider => bool)) private _holdsColumn;
    mapping(uint256 requestId => Request) private _requests;
    /// @dev Each dataset's one redraw in flight, and the word of one answered while an audit round held its column.
    mapping(uint256 datasetId => Redraw) private _redraws;
    mapping(uint256 datasetId => uint256) private _heldWords;
    uint256 private _datasetCount;
    /// @notice Told of every registration and acceptance, asked which columns owe proofs (StorageProofs);
    /// zero until the admin sets it.
    IColumnAcceptanceListener public acceptanceListener;

    /// @dev The provider list draws index (entries never move), each provider's entry index + 1, the entries
    /// emptied since (refilled last first) and the number of providers listed.
    ProviderEntry[] private _providerList;
    mapping(address provider => uint256 indexPlusOne) private _providerIndex;
    uint256[] private _emptyEntries;
    uint256 private _providerCount;
    /// @dev Columns a provider holds in active datasets, and the provider stake still locked for it here.
    mapping(address provider => uint256) private _heldColumns;
    mapping(address provider => uint256) private _lockedStake;
    mapping(address provider => string) private _endpoints;

    /// @param vrfCoordinator The VRF v2.5 coordinator.
    /// @param governance_ The timelock allowed to change the coordinator.
    /// @param stakeManager_ Where provider stake is locked; its token pays for storage.
    /// @param providerStake_ Stake a provider locks (> 0).
    /// @param faultPenalty_ Stake slashed per faulty column (0 < faultPenalty_ <= providerStake_).
    /// @param periods Time limits of the waiting states (each > 0).
    /// @param vrf VRF request parameters.
    /// @param admin Holder of DEFAULT_ADMIN_ROLE; grants FAULT_REPORTER_ROLE at deployment, then renounces.
    constructor(
        address vrfCoordinator,
        address governance_,
        IStakeManager stakeManager_,
        uint96 providerStake_,
        uint96 faultPenalty_,
        Periods memory periods,
        VrfRequest.Params memory vrf,
        address admin
    ) VrfConsumer(vrfCoordinator, governance_) {
        if (address(stakeManager_) == address(0)) revert DatasetRegistryInvalidParameter("stakeManager");
        if (providerStake_ == 0) revert DatasetRegistryInvalidParameter("providerStake");
        if (faultPenalty_ == 0 || faultPenalty_ > providerStake_) revert DatasetRegistryInvalidParameter("faultPenalty");
        if (periods.placementTimeout == 0) revert DatasetRegistryInvalidParameter("placementTimeout");
        if (periods.acceptancePeriod == 0) revert DatasetRegistryInvalidParameter("acceptancePeriod");
        if (periods.reassignCooldown == 0) revert DatasetRegistryInvalidParameter("reassignCooldown");
        if (admin == address(0)) revert DatasetRegistryInvalidParameter("admin");
        stakeManager = stakeManager_;
        token = IERC20(stakeManager_.stakeToken());
        providerStake = providerStake_;
        faultPenalty = faultPenalty_;
        placementTimeout = periods.placementTimeout;
        acceptancePeriod = periods.acceptancePeriod;
        reassignCooldown = periods.reassignCooldown;
        _vrf = vrf;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /*//////////////////////////////////////////////////////////////
                                 OWNERS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IDatasetRegistry
    function register(Registration calldata r) external nonReentrant returns (uint256 datasetId) {
        _validate(r);
        if (_providerCount < r.n) revert DatasetRegistryNotEnoughProviders(_providerCount, r.n);
        datasetId = ++_datasetCount;
        _datasets[datasetId] = Dataset({
            owner: msg.sender,
            status: DatasetStatus.Placing,
            k: r.k,
            n: r.n,
            shardSize: r.shardSize,
            stripeCount: r.stripeCount,
            endsAt: 0,
            byteLength: r.byteLength,
            payment: r.payment,
            term: r.term,
            manifestDigest: r.manifestDigest,
            datasetRoot: r.datasetRoot
        });
        _columnRoots[datasetId] = r.columnRoots;
        Placement storage placement = _placements[datasetId];
        placement.deadline = uint40(block.timestamp) + placementTimeout;
        // INVARIANT: the draw is fixed before the word can be known: the list as it is now, its providers of now.
        placement.requestedAt = uint40(block.timestamp);
        placement.range = uint64(_providerList.length);
        emit DatasetRegistered(datasetId, msg.sender, r);
        IColumnAcceptanceListener listener = acceptanceListener;
        if (address(listener) != address(0)) listener.datasetRegistered(datasetId, r.verifierVersion);
        _requestPlacement(datasetId, WHOLE_PLACEMENT);
        token.safeTransferFrom(msg.sender, address(this), r.payment);
    }

    /// @inheritdoc IDatasetRegistry
    function cancelPlacement(uint256 datasetId) external nonReentrant {
        Dataset storage dataset = _inStatus(datasetId, DatasetStatus.Placing);
        Placement storage placement = _placements[datasetId];
        uint256 deadline = placement.deadline;
        // INVARIANT: a placement is given placementTimeout to complete before it can be called off.
        if (block.timestamp < deadline) revert DatasetRegistryPlacementNotOverdue(datasetId, deadline);
        dataset.status = DatasetStatus.Cancelled;
        uint256 refund = dataset.payment;
        emit DatasetCancelled(datasetId, refund);
        Column[] storage columns = _columns[datasetId];
        // Bounded: at most n <= 255 columns were placed.
        for (uint256 i; i < columns.length; ++i) {
            address holder = columns[i].holder;
            if (holder != address(0)) _releaseColumn(datasetId, holder);
        }
        token.safeTransfer(dataset.owner, refund);
    }

    /// @inheritdoc IDatasetRegistry
    function settle(uint256 datasetId) external nonReentrant {
        Dataset storage dataset = _inStatus(datasetId, DatasetStatus.Active);
        // INVARIANT: a dataset pays out once, after its term.
        if (block.timestamp < dataset.endsAt) revert DatasetRegistryTermNotOver(datasetId, dataset.endsAt);
        (, uint256 owing) = _auditHold(datasetId);
        // INVARIANT: a holder answers for every round opened while it held its column before anyone is paid.
        if (owing != 0) revert DatasetRegistryProofsOutstanding(datasetId, owing);
        dataset.status = DatasetStatus.Settled;
        Column[] storage columns = _columns[datasetId];
        uint256 n = columns.length;
        uint256 perColumn = dataset.payment / n;
        address[] memory paid = new address[](n);
        uint256 paidCount;
        for (uint256 i; i < n; ++i) {
            Column memory column = columns[i];
            if (column.holder == address(0)) continue;
            _releaseColumn(datasetId, column.holder);
            // INVARIANT: only a holder that accepted its column and stayed sound is paid.
            if (column.acceptedAt != 0 && !column.faulty) paid[paidCount++] = column.holder;
        }
        uint256 refund = dataset.payment - perColumn * paidCount;
        emit DatasetSettled(datasetId, perColumn, refund);
        for (uint256 i; i < paidCount; ++i) {
            token.safeTransfer(paid[i], perColumn);
        }
        if (refund != 0) token.safeTransfer(dataset.owner, refund);
    }

    /*//////////////////////////////////////////////////////////////
                               PLACEMENT
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IDatasetRegistry
    function applyPlacement(uint256 datasetId, uint256 maxColumns) external returns (uint256 placed) {
        Dataset storage dataset = _inStatus(datasetId, DatasetStatus.Placing);
        Placement storage placement = _placements[datasetId];
        // INVARIANT: columns are drawn only from the VRF's answer.
        if (!placement.seeded) revert DatasetRegistryPlacementNotSeeded(datasetId);
        uint256 n = dataset.n;
        (uint256 seed, uint256 range, uint256 requestedAt) = (placement.seed, placement.range, placement.requestedAt);
        placed = placement.placed;
        uint256 end = n - placed < maxColumns ? n : placed + maxColumns;
        Column[] storage columns = _columns[datasetId];
        for (; placed < end; ++placed) {
            address provider = PlacementDraw.draw(_providerList, _holdsColumn[datasetId], seed, placed, range, requestedAt);
            columns.push(Column({holder: provider, placedAt: uint40(block.timestamp), acceptedAt: 0, faulty: false, redrawPending: false}));
            if (provider != address(0)) _holdColumn(datasetId, provider);
            emit ColumnPlaced(datasetId, placed, provider, seed);
        }
        // Cast: placed <= n <= 255.
        placement.placed = uint8(placed);
        if (placed == n) {
            uint40 endsAt = uint40(block.timestamp) + dataset.term;
            dataset.status = DatasetStatus.Active;
            dataset.endsAt = endsAt;
            emit DatasetActivated(datasetId, endsAt);
        }
    }

    /// @inheritdoc IDatasetRegistry
    function reassign(uint256 datasetId, uint256 column) external {
        _inStatus(datasetId, DatasetStatus.Active);
        Column storage c = _column(datasetId, column);
        // INVARIANT: a column moves only away from no one, a faulty holder, a provider that left or a holder
        // that did not accept it in time.
        if (!_isReassignable(c)) revert DatasetRegistryColumnNotReassignable(datasetId, column);
        uint256 readyAt = _redrawReadyAt(datasetId, column);
        // INVARIANT: one paid VRF request per column per reassignCooldown (also the timeout of an unanswered one).
        if (block.timestamp < readyAt) revert DatasetRegistryReassignTooSoon(datasetId, column, readyAt);
        // INVARIANT: a holder answers for every round opened or requested while it held the column.
        (bool requested, uint256 owing) = _auditHold(datasetId);
        if (_heldForAudit(c, column, requested, owing)) revert DatasetRegistryColumnUnderAudit(datasetId, column);
        Redraw memory inFlight = _redraws[datasetId];
        // INVARIANT: one redraw in flight per dataset, so the columns its word meets taken cannot depend on the order
        // in which a relayer lands answers; one unanswered for reassignCooldown may be superseded (its answer ignored).
        if (_inFlight(inFlight)) revert DatasetRegistryRedrawInFlight(datasetId, inFlight.column);
        if (inFlight.requestedAt != 0) _columns[datasetId][inFlight.column].redrawPending = false;
        c.redrawPending = true;
        _redrawRequestedAt[datasetId][column] = uint40(block.timestamp);
        // Casts: columns are < n <= 255, the list is shorter than 2^64.
        _redraws[datasetId] = Redraw({
            column: uint8(column),
            requestedAt: uint40(block.timestamp),
            range: uint64(_providerList.length),
            answered: false
        });
        _requestPlacement(datasetId, column);
    }

    /// @inheritdoc IDatasetRegistry
    function applyRedraw(uint256 datasetId) external {
        _inStatus(datasetId, DatasetStatus.Active);
        Redraw memory redraw = _redraws[datasetId];
        if (!redraw.answered) revert DatasetRegistryNoRedrawWaiting(datasetId);
        uint256 column = redraw.column;
        (bool requested, uint256 owing) = _auditHold(datasetId);
        // INVARIANT: a holder answers for every round opened or requested while it held the column.
        if (_heldForAudit(_columns[datasetId][column], column, requested, owing)) {
            revert DatasetRegistryColumnUnderAudit(datasetId, column);
        }
        uint256 word = _heldWords[datasetId];
        delete _heldWords[datasetId];
        _drawRedraw(datasetId, redraw, word);
    }

    /// @inheritdoc IDatasetRegistry
    function acceptColumn(uint256 datasetId, uint256 column) external nonReentrant {
        DatasetStatus status = _datasets[datasetId].status;
        // Columns placed by an early chunk of the placement may be accepted before the dataset is Active.
        if (status != DatasetStatus.Placing) _inStatus(datasetId, DatasetStatus.Active);
        Column storage c = _column(datasetId, column);
        if (msg.sender != c.holder) revert DatasetRegistryNotHolder(datasetId, column, msg.sender, c.holder);
        if (c.acceptedAt != 0) revert DatasetRegistryAlreadyAccepted(datasetId, column);
        uint256 deadline = uint256(c.placedAt) + acceptancePeriod;
        // INVARIANT: a holder accepts within acceptancePeriod of its placement, or never (it can be redrawn).
        if (block.timestamp >= deadline) revert DatasetRegistryAcceptanceOverdue(datasetId, column, deadline);
        c.acceptedAt = uint40(block.timestamp);
        emit ColumnAccepted(datasetId, column, msg.sender);
        IColumnAcceptanceListener listener = acceptanceListener;
        if (address(listener) != address(0)) listener.columnAccepted(datasetId, column, msg.sender, _columnRoots[datasetId][column]);
    }

    /// @inheritdoc IDatasetRegistry
    function setAcceptanceListener(IColumnAcceptanceListener listener) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (address(listener) == address(0)) revert DatasetRegistryInvalidParameter("listener");
        IColumnAcceptanceListener current = acceptanceListener;
        if (address(current) != address(0)) revert DatasetRegistryListenerAlreadySet(address(current));
        acceptanceListener = listener;
        emit AcceptanceListenerSet(address(listener));
    }

    /// @inheritdoc IDatasetRegistry
    function reportFaulty(uint256 datasetId, uint256 column)
        external
        onlyRole(FAULT_REPORTER_ROLE)
        nonReentrant
        returns (address holder, uint256 slashed)
    {
        Dataset storage dataset = _inStatus(datasetId, DatasetStatus.Active);
        Column storage c = _column(datasetId, column);
        holder = c.holder;
        // INVARIANT: a holder is slashed once per faulty column; a redraw clears the flag.
        if (holder == address(0) || c.faulty) revert DatasetRegistryColumnNotReportable(datasetId, column);
        c.faulty = true;
        uint256 locked = _lockedStake[holder];
        slashed = faultPenalty < locked ? faultPenalty : locked;
        // unchecked: slashed <= locked by the line above.
        unchecked {
            _lockedStake[holder] = locked - slashed;
        }
        emit ColumnFaulty(datasetId, column, holder, slashed);
        if (locked - slashed < providerStake && _removeProvider(holder)) emit ProviderExited(holder);
        if (slashed != 0) stakeManager.slash(holder, slashed, dataset.owner);
    }

    /// @dev Stores a placement's seed, or redraws one column: work bounded by {PlacementDraw-MAX_TRIES},
    /// whatever the number of providers. A late answer (cancelled or settled dataset, superseded
    /// redraw) is ignored without reverting.
    function fulfillRandomWords(uint256 requestId, uint256[] calldata randomWords) internal override {
        Request memory request = _requests[requestId];
        if (request.datasetId == 0) revert DatasetRegistryUnknownRequest(requestId);
        delete _requests[requestId];
        uint256 datasetId = request.datasetId;
        if (request.wholePlacement) _seedPlacement(datasetId, requestId, randomWords[0]);
        else _answerRedraw(datasetId, request, requestId, randomWords[0]);
    }

    /*//////////////////////////////////////////////////////////////
                               PROVIDERS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IDatasetRegistry
    function join(string calldata endpoint) external {
        if (bytes(endpoint).length == 0) revert DatasetRegistryEmptyEndpoint();
        if (_providerIndex[msg.sender] != 0) revert DatasetRegistryAlreadyProvider(msg.sender);
        // INVARIANT: no entry moves; a refilled entry carries the new joinedAt, so draws requested before
        // this join never count it.
        ProviderEntry memory entry = ProviderEntry({account: msg.sender, joinedAt: uint40(block.timestamp)});
        uint256 empty = _emptyEntries.length;
        if (empty == 0) {
            _providerList.push(entry);
            _providerIndex[msg.sender] = _providerList.length;
        } else {
            uint256 index = _emptyEntries[empty - 1];
            _emptyEntries.pop();
            _providerList[index] = entry;
            _providerIndex[msg.sender] = index + 1;
        }
        ++_providerCount;
        _endpoints[msg.sender] = endpoint;
        // A provider that left but still holds columns kept what was not slashed of its stake locked.
        uint256 topUp = providerStake - _lockedStake[msg.sender];
        _lockedStake[msg.sender] = providerStake;
        emit ProviderJoined(msg.sender, providerStake, endpoint);
        if (topUp != 0) stakeManager.lock(msg.sender, topUp);
    }

    /// @inheritdoc IDatasetRegistry
    function exit() external {
        if (!_removeProvider(msg.sender)) revert DatasetRegistryNotProvider(msg.sender);
        emit ProviderExited(msg.sender);
        if (_heldColumns[msg.sender] == 0) _releaseStake(msg.sender);
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IDatasetRegistry
    function getDataset(uint256 datasetId) external view returns (Dataset memory) {
        return _datasets[datasetId];
    }

    /// @inheritdoc IDatasetRegistry
    function isActive(uint256 datasetId) external view returns (bool) {
        return _datasets[datasetId].status == DatasetStatus.Active;
    }

    /// @inheritdoc IDatasetRegistry
    function columnRoots(uint256 datasetId) external view returns (bytes32[] memory) {
        return _columnRoots[datasetId];
    }

    /// @inheritdoc IDatasetRegistry
    function holders(uint256 datasetId) external view returns (address[] memory result) {
        Column[] storage columns = _columns[datasetId];
        result = new address[](columns.length);
        for (uint256 i; i < columns.length; ++i) {
            result[i] = columns[i].holder;
        }
    }

    /// @inheritdoc IDatasetRegistry
    function endpointOf(address provider) external view returns (string memory) {
        return _endpoints[provider];
    }

    /// @inheritdoc IDatasetRegistry
    function accepted(uint256 datasetId) external view returns (bool[] memory result) {
        Column[] storage columns = _columns[datasetId];
        result = new bool[](columns.length);
        for (uint256 i; i < columns.length; ++i) {
            result[i] = columns[i].acceptedAt != 0;
        }
    }

    /// @inheritdoc IDatasetRegistry
    function auditable(uint256 datasetId, uint256 acceptedBy) external view returns (uint256 bitmap) {
        if (_datasets[datasetId].status != DatasetStatus.Active) return 0;
        Column[] storage columns = _columns[datasetId];
        for (uint256 i; i < columns.length; ++i) {
            Column memory c = columns[i];
            if (c.acceptedAt != 0 && c.acceptedAt <= acceptedBy && !c.faulty) bitmap |= 1 << i;
        }
    }

    /// @inheritdoc IDatasetRegistry
    function redrawOf(uint256 datasetId) external view returns (Redraw memory) {
        return _redraws[datasetId];
    }

    /// @inheritdoc IDatasetRegistry
    function reassignable(uint256 datasetId) external view returns (uint256 bitmap) {
        if (_datasets[datasetId].status != DatasetStatus.Active || _inFlight(_redraws[datasetId])) return 0;
        (bool requested, uint256 owing) = _auditHold(datasetId);
        Column[] storage columns = _columns[datasetId];
        for (uint256 i; i < columns.length; ++i) {
            Column storage c = columns[i];
            if (_isReassignable(c) && block.timestamp >= _redrawReadyAt(datasetId, i) && !_heldForAudit(c, i, requested, owing)) {
                bitmap |= 1 << i;
            }
        }
    }

    /// @inheritdoc IDatasetRegistry
    function columnState(uint256 datasetId, uint256 column) external view returns (ColumnState memory state) {
        Column[] storage columns = _columns[datasetId];
        if (column >= columns.length) return state;
        Column memory c = columns[column];
        return ColumnState({
            holder: c.holder,
            placedAt: c.placedAt,
            acceptedAt: c.acceptedAt,
            faulty: c.faulty,
            redrawPending: c.redrawPending,
            redrawRequestedAt: _redrawRequestedAt[datasetId][column]
        });
    }

    /// @inheritdoc IDatasetRegistry
    function placementOf(uint256 datasetId) external view returns (Placement memory) {
        return _placements[datasetId];
    }

    /// @inheritdoc IDatasetRegistry
    function columnOf(uint256 datasetId, uint256 column) external view returns (address holder, bytes32 root) {
        // Both arrays have length n <= 255 once placed, and every registered root is non-zero, so a zero
        // root at a column below 255 means no such column: the lengths need not be read (two cold loads).
        if (column < type(uint8).max) {
            bytes32[] storage roots = _columnRoots[datasetId];
            Column[] storage columns = _columns[datasetId];
            assembly ("memory-safe") {
                mstore(0, roots.slot)
                root := sload(add(keccak256(0, 0x20), column))
                mstore(0, columns.slot)
                holder := and(sload(add(keccak256(0, 0x20), column)), 0xffffffffffffffffffffffffffffffffffffffff)
            }
        }
        if (root == bytes32(0)) revert DatasetRegistryUnknownColumn(datasetId, column);
    }

    /// @inheritdoc IDatasetRegistry
    function lockedStakeOf(address provider) external view returns (uint256) {
        return _lockedStake[provider];
    }

    /// @inheritdoc IDatasetRegistry
    function providers() external view returns (address[] memory result) {
        result = new address[](_providerCount);
        uint256 found;
        // A view for keepers, walking the list (as long as the most providers ever listed at once).
        for (uint256 i; found < result.length; ++i) {
            address account = _providerList[i].account;
            if (account != address(0)) result[found++] = account;
        }
    }

    /// @inheritdoc IDatasetRegistry
    function providerList() external view returns (ProviderEntry[] memory) {
        return _providerList;
    }

    /// @inheritdoc IDatasetRegistry
    function datasetCount() external view returns (uint256) {
        return _datasetCount;
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    function _validate(Registration calldata r) private pure {
        if (r.manifestDigest == bytes32(0)) revert DatasetRegistryInvalidRegistration("manifestDigest");
        if (r.datasetRoot == bytes32(0) || uint256(r.datasetRoot) >= SnarkField.R) {
            revert DatasetRegistryInvalidRegistration("datasetRoot");
        }
        if (r.k == 0) revert DatasetRegistryInvalidRegistration("k");
        if (r.n <= r.k) revert DatasetRegistryInvalidRegistration("n");
        if (r.columnRoots.length != r.n) revert DatasetRegistryInvalidRegistration("columnRoots");
        for (uint256 i; i < r.n; ++i) {
            uint256 columnRoot = uint256(r.columnRoots[i]);
            if (columnRoot == 0 || columnRoot >= SnarkField.R) revert DatasetRegistryInvalidRegistration("columnRoots");
        }
        if (r.shardSize == 0 || r.shardSize > MAX_SHARD_SIZE) revert DatasetRegistryInvalidRegistration("shardSize");
        if (r.stripeCount == 0) revert DatasetRegistryInvalidRegistration("stripeCount");
        uint256 stripeBytes = uint256(r.k) * r.shardSize;
        // INVARIANT: the data fills the last stripe at least partly and overflows none.
        if (r.byteLength <= stripeBytes * (r.stripeCount - 1) || r.byteLength > stripeBytes * r.stripeCount) {
            revert DatasetRegistryInvalidRegistration("byteLength");
        }
        if (r.payment == 0) revert DatasetRegistryInvalidRegistration("payment");
        if (r.term == 0) revert DatasetRegistryInvalidRegistration("term");
    }

    /// @dev `column` < n redraws that column; WHOLE_PLACEMENT places them all.
    function _requestPlacement(uint256 datasetId, uint256 column) private {
        uint256 requestId = _requestRandomWord(_vrf);
        bool whole = column == WHOLE_PLACEMENT;
        // Casts: dataset ids are counted from 1 and columns are < n <= 255.
        _requests[requestId] = Request({
            datasetId: uint128(datasetId),
            column: whole ? 0 : uint8(column),
            wholePlacement: whole,
            requestedAt: uint40(block.timestamp)
        });
        emit PlacementRequested(datasetId, column, requestId, _providerList.length);
    }

    /// @dev O(1): keeps the seed; {applyPlacement} draws the columns from it.
    function _seedPlacement(uint256 datasetId, uint256 requestId, uint256 seed) private {
        if (_datasets[datasetId].status != DatasetStatus.Placing) {
            emit PlacementAnswerIgnored(datasetId, WHOLE_PLACEMENT, requestId);
            return;
        }
        Placement storage placement = _placements[datasetId];
        placement.seed = seed;
        placement.seeded = true;
        emit PlacementSeeded(datasetId, seed);
    }

    /// @dev A redraw's word: ignored unless it answers the dataset's redraw in flight (not superseded) while the
    /// dataset is Active; kept ({RedrawHeld}) while an audit round holds the column, else drawn from at once.
    function _answerRedraw(uint256 datasetId, Request memory request, uint256 requestId, uint256 seed) private {
        Redraw memory redraw = _redraws[datasetId];
        uint256 column = request.column;
        if (
            redraw.requestedAt != request.requestedAt || redraw.column != column || redraw.answered
                || _datasets[datasetId].status != DatasetStatus.Active
        ) {
            emit PlacementAnswerIgnored(datasetId, column, requestId);
            return;
        }
        // INVARIANT: a holder answers for every round opened or requested while it held the column, whichever
        // answer lands first (a drand relayer orders both); the word is kept, so nobody can trade it for another
        // by getting a round requested before it lands.
        (bool requested, uint256 owing) = _auditHold(datasetId);
        if (_heldForAudit(_columns[datasetId][column], column, requested, owing)) {
            _redraws[datasetId].answered = true;
            _heldWords[datasetId] = seed;
            emit RedrawHeld(datasetId, column, seed);
            return;
        }
        _drawRedraw(datasetId, redraw, seed);
    }

    /// @dev Draws `redraw`'s column a new holder from `seed` among the providers of the request (the previous
    /// holder, still marked as holding, is never drawn again) and ends the redraw.
    function _drawRedraw(uint256 datasetId, Redraw memory redraw, uint256 seed) private {
        delete _redraws[datasetId];
        uint256 column = redraw.column;
        address provider =
            PlacementDraw.draw(_providerList, _holdsColumn[datasetId], seed, column, redraw.range, redraw.requestedAt);
        address previous = _columns[datasetId][column].holder;
        _columns[datasetId][column] =
            Column({holder: provider, placedAt: uint40(block.timestamp), acceptedAt: 0, faulty: false, redrawPending: false});
        if (previous != address(0)) _releaseColumn(datasetId, previous);
        if (provider != address(0)) _holdColumn(datasetId, provider);
        emit ColumnPlaced(datasetId, column, provider, seed);
    }

    /// @dev Whether `redraw` is in flight: answered and held, or requested less than reassignCooldown ago.
    function _inFlight(Redraw memory redraw) private view returns (bool) {
        return redraw.answered || (redraw.requestedAt != 0 && block.timestamp < uint256(redraw.requestedAt) + reassignCooldown);
    }

    /// @dev Whether the column's holder may be replaced: none, faulty, not accepted within acceptancePeriod,
    /// or no longer a provider (it exited, or a slash left it under providerStake).
    function _isReassignable(Column storage c) private view returns (bool) {
        (address holder, uint256 placedAt, uint256 acceptedAt) = (c.holder, c.placedAt, c.acceptedAt);
        if (holder == address(0) || c.faulty) return true;
        if (acceptedAt == 0 && block.timestamp >= placedAt + acceptancePeriod) return true;
        return _providerIndex[holder] == 0;
    }

    /// @dev When column `column` may next be redrawn (0: never requested before).
    function _redrawReadyAt(uint256 datasetId, uint256 column) private view returns (uint256) {
        uint256 last = _redrawRequestedAt[datasetId][column];
        return last == 0 ? 0 : last + reassignCooldown;
    }

    /// @dev The listener's current audit round of dataset `datasetId` (none without a listener): whether it is
    /// Requested, and the columns owing a proof while it is Open.
    function _auditHold(uint256 datasetId) private view returns (bool requested, uint256 owing) {
        IColumnAcceptanceListener listener = acceptanceListener;
        if (address(listener) == address(0)) return (false, 0);
        return (listener.roundRequested(datasetId), listener.owingProofs(datasetId));
    }

    /// @dev Whether the current audit round (see {_auditHold}) holds column `column`'s holder to account, so it is not
    /// redrawn before the round closes: a Requested round will audit the column when its randomness lands (it is
    /// accepted and not faulty, in an Active dataset); an Open one holds the columns that owe it a proof.
    function _heldForAudit(Column storage c, uint256 column, bool requested, uint256 owing) private view returns (bool) {
        return requested ? c.acceptedAt != 0 && !c.faulty : owing & (1 << column) != 0;
    }

    function _holdColumn(uint256 datasetId, address provider) private {
        _holdsColumn[datasetId][provider] = true;
        ++_heldColumns[provider];
    }

    /// @dev Drops one held column; an exited provider holding nothing more gets its stake back.
    function _releaseColumn(uint256 datasetId, address provider) private {
        delete _holdsColumn[datasetId][provider];
        if (--_heldColumns[provider] == 0 && _providerIndex[provider] == 0) _releaseStake(provider);
    }

    /// @dev Empties `provider`'s list entry (no other entry moves); false if it is not listed.
    function _removeProvider(address provider) private returns (bool) {
        uint256 indexPlusOne = _providerIndex[provider];
        if (indexPlusOne == 0) return false;
        delete _providerList[indexPlusOne - 1];
        delete _providerIndex[provider];
        _emptyEntries.push(indexPlusOne - 1);
        --_providerCount;
        return true;
    }

    /// @dev Unlocks whatever stake is still locked for `provider` (slashes may have taken some or all).
    function _releaseStake(address provider) private {
        uint256 locked = _lockedStake[provider];
        if (locked == 0) return;
        delete _lockedStake[provider];
        emit ProviderReleased(provider, locked);
        stakeManager.unlock(provider, locked);
    }

    /// @dev The dataset, which must be in `expected`.
    function _inStatus(uint256 datasetId, DatasetStatus expected) private view returns (Dataset storage dataset) {
        dataset = _datasets[datasetId];
        DatasetStatus status = dataset.status;
        if (status == DatasetStatus.None) revert DatasetRegistryUnknownDataset(datasetId);
        if (status != expected) revert DatasetRegistryWrongStatus(datasetId, status, expected);
    }

    function _column(uint256 datasetId, uint256 column) private view returns (Column storage) {
        Column[] storage columns = _columns[datasetId];
        if (column >= columns.length) revert DatasetRegistryUnknownColumn(datasetId, column);
        return columns[column];
    }
}
