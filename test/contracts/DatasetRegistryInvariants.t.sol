// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {CommonBase} from "forge-std/Base.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {Vm} from "forge-std/Vm.sol";
import {VRFCoordinatorV2_5Mock} from "@chainlink/contracts/src/v0.8/vrf/mocks/VRFCoordinatorV2_5Mock.sol";
import {StakeManager} from "../../contracts/staking/StakeManager.sol";
import {DatasetRegistry} from "../../contracts/datasets/DatasetRegistry.sol";
import {IDatasetRegistry} from "../../contracts/interfaces/IDatasetRegistry.sol";
import {IStakeManager} from "../../contracts/interfaces/IStakeManager.sol";
import {SnarkField} from "../../contracts/libraries/SnarkField.sol";
import {VrfRequest} from "../../contracts/libraries/VrfRequest.sol";
import {VeritrainToken} from "../../contracts/token/VeritrainToken.sol";

/// @notice Random sequences of provider joins and exits, registrations, VRF answers, placements
/// applied in chunks, cancellations, acceptances, reassignments, fault reports (each slashing the
/// holder), settlements and time warps against one DatasetRegistry.
contract DatasetRegistryHandler is CommonBase, StdUtils {
    uint256 internal constant PROVIDERS = 8;
    uint96 public constant PROVIDER_STAKE = 50e18;
    uint96 public constant FAULT_PENALTY = 20e18;

    VeritrainToken internal immutable token;
    StakeManager internal immutable stakeManager;
    DatasetRegistry internal immutable registry;
    VRFCoordinatorV2_5Mock internal immutable vrf;
    address internal immutable owner;

    address[] public providers;
    uint256[] internal _pendingRequests;

    /// @notice Tokens each dataset paid out (to holders and back to its owner, or refunded), from balance deltas.
    mapping(uint256 datasetId => uint256) public ghostPaidOut;
    /// @notice Settlements and cancellations of each dataset.
    mapping(uint256 datasetId => uint256) public ghostSettlements;
    /// @notice Storage payments escrowed by registrations, and paid out by settlements and cancellations.
    uint256 public ghostPaymentsIn;
    uint256 public ghostPaymentsOut;
    /// @notice Settlements that paid an account other than the accepted, sound holders, or paid a wrong amount.
    uint256 public ghostWrongPayouts;
    /// @notice Stake slashed by fault reports, and the reports that slashed anything.
    uint256 public ghostSlashed;
    uint256 public ghostSlashes;
    /// @notice Per provider: stake the registry locked (join top-ups), slashed, and unlocked (releases).
    mapping(address provider => uint256) public ghostLocked;
    mapping(address provider => uint256) public ghostSlashedFrom;
    mapping(address provider => uint256) public ghostUnlocked;

    constructor(VeritrainToken token_, StakeManager stakeManager_, DatasetRegistry registry_, VRFCoordinatorV2_5Mock vrf_) {
        token = token_;
        stakeManager = stakeManager_;
        registry = registry_;
        vrf = vrf_;
        owner = address(this);
        for (uint256 i; i < PROVIDERS; ++i) providers.push(address(uint160(uint256(keccak256(abi.encode("provider", i))))));
    }

    bool internal _booked;

    /// @notice Books the stake the providers locked when the test joined them; once (later, fuzzed calls revert).
    function bookInitialLocks() external {
        require(!_booked, "booked");
        _booked = true;
        for (uint256 i; i < PROVIDERS; ++i) ghostLocked[providers[i]] = registry.lockedStakeOf(providers[i]);
    }

    function providerCount() external pure returns (uint256) {
        return PROVIDERS;
    }

    function join(uint256 seed) external {
        address p = providers[seed % PROVIDERS];
        if (_isProvider(p)) return;
        // A provider slashed below PROVIDER_STAKE tops up from its free stake on rejoining.
        if (stakeManager.stakeOf(p).available + registry.lockedStakeOf(p) < PROVIDER_STAKE) return;
        uint256 lockedBefore = stakeManager.stakeOf(p).locked;
        vm.prank(p);
        registry.join("/ip4/127.0.0.1/tcp/4001");
        ghostLocked[p] += stakeManager.stakeOf(p).locked - lockedBefore;
    }

    function exit(uint256 seed) external {
        address p = providers[seed % PROVIDERS];
        if (!_isProvider(p)) return;
        _bookReleases();
        vm.prank(p);
        registry.exit();
        _bookReleases();
    }

    function register(uint8 k, uint8 parity, uint96 payment, uint32 term) external {
        uint256 available = registry.providers().length;
        if (available < 2) return;
        uint8 n = uint8(bound(uint256(k) + uint256(parity), 2, available));
        k = uint8(bound(k, 1, n - 1));
        bytes32[] memory roots = new bytes32[](n);
        for (uint256 i; i < n; ++i) roots[i] = bytes32(uint256(keccak256(abi.encode("root", i))) % SnarkField.R);
        IDatasetRegistry.Registration memory r = IDatasetRegistry.Registration({
            manifestDigest: keccak256("manifest"),
            datasetRoot: bytes32(uint256(keccak256("dataset")) % SnarkField.R),
            columnRoots: roots,
            k: k,
            n: n,
            shardSize: 1024,
            stripeCount: 1,
            byteLength: 1024,
            payment: uint96(bound(payment, 1, 1_000e18)),
            term: uint32(bound(term, 1, 30 days)),
            verifierVersion: 0
        });
        vm.recordLogs();
        registry.register(r);
        ghostPaymentsIn += r.payment;
        _rememberRequests();
    }

    function applyPlacement(uint256 datasetSeed, uint256 maxColumns) external {
        (uint256 datasetId, bool found) = _dataset(datasetSeed, IDatasetRegistry.DatasetStatus.Placing);
        if (!found || !registry.placementOf(datasetId).seeded) return;
        registry.applyPlacement(datasetId, bound(maxColumns, 1, 8));
    }

    function cancelPlacement(uint256 datasetSeed) external {
        (uint256 datasetId, bool found) = _dataset(datasetSeed, IDatasetRegistry.DatasetStatus.Placing);
        if (!found) return;
        uint256 deadline = registry.placementOf(datasetId).deadline;
        if (block.timestamp < deadline) vm.warp(deadline);
        uint256 before = token.balanceOf(address(registry));
        _bookReleases();
        registry.cancelPlacement(datasetId);
        _bookReleases();
        uint256 out = before - token.balanceOf(address(registry));
        ghostPaidOut[datasetId] += out;
        ghostPaymentsOut += out;
        ++ghostSettlements[datasetId];
    }

    function acceptColumn(uint256 datasetSeed, uint256 column) external {
        uint256 count = registry.datasetCount();
        if (count == 0) return;
        uint256 datasetId = datasetSeed % count + 1;
        address[] memory holders = registry.holders(datasetId);
        if (holders.length == 0) return;
        column %= holders.length;
        if (holders[column] == address(0)) return;
        vm.prank(holders[column]);
        try registry.acceptColumn(datasetId, column) {} catch {}
    }

    function reassign(uint256 datasetSeed, uint256 column) external {
        uint256 count = registry.datasetCount();
        if (count == 0) return;
        uint256 datasetId = datasetSeed % count + 1;
        IDatasetRegistry.Dataset memory d = registry.getDataset(datasetId);
        if (d.status != IDatasetRegistry.DatasetStatus.Active) return;
        vm.recordLogs();
        try registry.reassign(datasetId, column % d.n) {
            _rememberRequests();
        } catch {
            vm.getRecordedLogs();
        }
    }

    function reportFaulty(uint256 datasetSeed, uint256 column) external {
        uint256 count = registry.datasetCount();
        if (count == 0) return;
        uint256 datasetId = datasetSeed % count + 1;
        IDatasetRegistry.Dataset memory d = registry.getDataset(datasetId);
        if (d.status != IDatasetRegistry.DatasetStatus.Active) return;
        column %= d.n;
        address holder = registry.holders(datasetId)[column];
        if (holder == address(0)) return;
        uint256 lockedBefore = stakeManager.stakeOf(holder).locked;
        try registry.reportFaulty(datasetId, column) returns (address reported, uint256 slashed) {
            require(reported == holder, "reported holder");
            require(stakeManager.stakeOf(holder).locked == lockedBefore - slashed, "slashed as reported");
            ghostSlashed += slashed;
            ghostSlashedFrom[holder] += slashed;
            if (slashed != 0) ++ghostSlashes;
        } catch (bytes memory reason) {
            // Only an already faulty column may be refused.
            require(
                bytes4(reason) == IDatasetRegistry.DatasetRegistryColumnNotReportable.selector, "unexpected revert"
            );
        }
    }

    function fulfill(uint256 requestSeed, uint256 word) external {
        if (_pendingRequests.length == 0) return;
        uint256 i = requestSeed % _pendingRequests.length;
        uint256 requestId = _pendingRequests[i];
        _pendingRequests[i] = _pendingRequests[_pendingRequests.length - 1];
        _pendingRequests.pop();
        uint256[] memory words = new uint256[](1);
        words[0] = word;
        _bookReleases();
        vrf.fulfillRandomWordsWithOverride(requestId, address(registry), words);
        _bookReleases();
    }

    /// @dev Settles a dataset and checks who was paid: exactly `perColumn` to each holder that accepted its
    /// column and is not faulty, nothing to anyone else (an unaccepted, faulty, or exited-and-replaced holder).
    function settle(uint256 datasetSeed) external {
        (uint256 datasetId, bool found) = _dataset(datasetSeed, IDatasetRegistry.DatasetStatus.Active);
        if (!found) return;
        IDatasetRegistry.Dataset memory d = registry.getDataset(datasetId);
        if (block.timestamp < d.endsAt) vm.warp(d.endsAt);
        uint256[] memory sound = new uint256[](PROVIDERS);
        uint256[] memory balances = new uint256[](PROVIDERS);
        for (uint256 column; column < d.n; ++column) {
            IDatasetRegistry.ColumnState memory c = registry.columnState(datasetId, column);
            if (c.holder == address(0) || c.acceptedAt == 0 || c.faulty) continue;
            for (uint256 i; i < PROVIDERS; ++i) if (providers[i] == c.holder) ++sound[i];
        }
        for (uint256 i; i < PROVIDERS; ++i) balances[i] = token.balanceOf(providers[i]);
        uint256 before = token.balanceOf(address(registry));
        _bookReleases();
        registry.settle(datasetId);
        _bookReleases();
        uint256 perColumn = d.payment / d.n;
        for (uint256 i; i < PROVIDERS; ++i) {
            if (token.balanceOf(providers[i]) - balances[i] != sound[i] * perColumn) ++ghostWrongPayouts;
        }
        uint256 out = before - token.balanceOf(address(registry));
        ghostPaidOut[datasetId] += out;
        ghostPaymentsOut += out;
        ++ghostSettlements[datasetId];
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 10 days));
    }

    /// @dev The first dataset from a seeded offset in `status`.
    function _dataset(uint256 seed, IDatasetRegistry.DatasetStatus status) internal view returns (uint256 datasetId, bool found) {
        uint256 count = registry.datasetCount();
        for (uint256 k; k < count; ++k) {
            datasetId = (seed + k) % count + 1;
            if (registry.getDataset(datasetId).status == status) return (datasetId, true);
        }
    }

    /// @dev Books what the registry unlocked since the last call: a provider's lock only falls by a slash
    /// (booked at the report) or an unlock.
    function _bookReleases() internal {
        for (uint256 i; i < PROVIDERS; ++i) {
            address p = providers[i];
            uint256 booked = ghostLocked[p] - ghostSlashedFrom[p] - ghostUnlocked[p];
            uint256 locked = stakeManager.stakeOf(p).locked;
            if (locked < booked) ghostUnlocked[p] += booked - locked;
        }
    }

    function _isProvider(address p) internal view returns (bool) {
        address[] memory current = registry.providers();
        for (uint256 i; i < current.length; ++i) if (current[i] == p) return true;
        return false;
    }

    function _rememberRequests() internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bytes32 topic = IDatasetRegistry.PlacementRequested.selector;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(registry) && logs[i].topics[0] == topic) {
                _pendingRequests.push(uint256(logs[i].topics[2]));
            }
        }
    }
}

/// @notice Storage payments and provider stake stay accounted for whatever the sequence.
contract DatasetRegistryInvariantsTest is Test {
    VeritrainToken internal token;
    StakeManager internal stakeManager;
    DatasetRegistry internal registry;
    VRFCoordinatorV2_5Mock internal vrf;
    DatasetRegistryHandler internal handler;

    function setUp() public {
        token = new VeritrainToken(address(this), 1e30);
        stakeManager = new StakeManager(token, makeAddr("treasury"), 1 days, 5000, address(this));
        vrf = new VRFCoordinatorV2_5Mock(0, 0, 1e18);
        uint256 subId = vrf.createSubscription();
        vrf.fundSubscription(subId, 1_000_000 ether);
        registry = new DatasetRegistry(
            address(vrf),
            makeAddr("governance"),
            stakeManager,
            50e18,
            20e18,
            IDatasetRegistry.Periods(1 days, 1 days, 1 hours),
            VrfRequest.Params(bytes32(0), subId, 5_000_000, 3),
            address(this)
        );
        vrf.addConsumer(subId, address(registry));
        stakeManager.grantRole(stakeManager.MODULE_ROLE(), address(registry));
        handler = new DatasetRegistryHandler(token, stakeManager, registry, vrf);
        registry.grantRole(registry.FAULT_REPORTER_ROLE(), address(handler));
        token.transfer(address(handler), 1e27);
        vm.prank(address(handler));
        token.approve(address(registry), type(uint256).max);
        for (uint256 i; i < handler.providerCount(); ++i) {
            address p = handler.providers(i);
            token.transfer(p, 100e18);
            vm.startPrank(p);
            token.approve(address(stakeManager), type(uint256).max);
            stakeManager.stake(100e18);
            registry.join("/ip4/127.0.0.1/tcp/4001");
            vm.stopPrank();
        }
        // A draw counts providers that joined before its request's second.
        vm.warp(block.timestamp + 1);
        handler.bookInitialLocks();
        targetContract(address(handler));
    }

    /// @notice DatasetRegistry's token balance is the payments of the datasets not yet settled or cancelled,
    /// and what it paid out never exceeds what it took in.
    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 60
    function invariant_escrow_equalsUnsettledPayments() public view {
        uint256 open;
        uint256 count = registry.datasetCount();
        for (uint256 id = 1; id <= count; ++id) {
            IDatasetRegistry.Dataset memory d = registry.getDataset(id);
            if (d.status == IDatasetRegistry.DatasetStatus.Placing || d.status == IDatasetRegistry.DatasetStatus.Active) open += d.payment;
        }
        assertEq(token.balanceOf(address(registry)), open, "balance = unsettled payments");
        assertLe(handler.ghostPaymentsOut(), handler.ghostPaymentsIn(), "payments out <= payments in");
        assertEq(token.balanceOf(address(registry)), handler.ghostPaymentsIn() - handler.ghostPaymentsOut(), "balance = in - out");
    }

    /// @notice A settled dataset paid out its whole payment once, a cancelled one refunded it once, a live one nothing.
    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 60
    function invariant_datasets_payOutExactlyOnce() public view {
        uint256 count = registry.datasetCount();
        for (uint256 id = 1; id <= count; ++id) {
            IDatasetRegistry.Dataset memory d = registry.getDataset(id);
            bool ended = d.status == IDatasetRegistry.DatasetStatus.Settled || d.status == IDatasetRegistry.DatasetStatus.Cancelled;
            assertEq(handler.ghostSettlements(id), ended ? 1 : 0);
            assertEq(handler.ghostPaidOut(id), ended ? d.payment : 0);
        }
    }

    /// @notice Settlements pay exactly the holders that accepted their column and were not reported faulty:
    /// never a faulty, unaccepted or exited-and-replaced holder.
    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 60
    function invariant_settlements_payOnlyAcceptedSoundHolders() public view {
        assertEq(handler.ghostWrongPayouts(), 0);
    }

    /// @notice Every slash of a provider is bounded by the stake the registry locked for it, less what it
    /// unlocked and slashed before.
    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 60
    function invariant_slashes_boundedByStakeLocked() public view {
        for (uint256 i; i < handler.providerCount(); ++i) {
            address p = handler.providers(i);
            assertLe(handler.ghostSlashedFrom(p) + handler.ghostUnlocked(p), handler.ghostLocked(p), "slashed + unlocked <= locked");
            assertEq(stakeManager.stakeOf(p).locked, handler.ghostLocked(p) - handler.ghostSlashedFrom(p) - handler.ghostUnlocked(p), "books");
        }
    }

    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 60
    function invariant_placements_distinctAndStakeBooked() public view {
        uint256 count = registry.datasetCount();
        for (uint256 id = 1; id <= count; ++id) {
            if (registry.getDataset(id).status != IDatasetRegistry.DatasetStatus.Active) continue;
            address[] memory holders = registry.holders(id);
            for (uint256 i; i < holders.length; ++i) {
                if (holders[i] == address(0)) continue;
                for (uint256 j = i + 1; j < holders.length; ++j) assertTrue(holders[i] != holders[j], "distinct holders");
            }
        }
        address[] memory current = registry.providers();
        for (uint256 i; i < current.length; ++i) {
            assertEq(registry.lockedStakeOf(current[i]), handler.PROVIDER_STAKE(), "a provider has its full stake locked");
        }
        for (uint256 i; i < handler.providerCount(); ++i) {
            address p = handler.providers(i);
            // The registry is the only module here: StakeManager's lock is exactly the registry's books.
            assertEq(stakeManager.stakeOf(p).locked, registry.lockedStakeOf(p), "books match StakeManager");
            assertLe(registry.lockedStakeOf(p), handler.PROVIDER_STAKE(), "never locked twice");
        }
    }

    /// @notice Slashes take stake out of the providers and nothing else: StakeManager holds what the
    /// providers staked minus what faults slashed, which went to owners and the treasury.
    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 60
    function invariant_slashes_leaveStakeBooksBalanced() public view {
        uint256 total;
        for (uint256 i; i < handler.providerCount(); ++i) {
            IStakeManager.Stake memory s = stakeManager.stakeOf(handler.providers(i));
            total += uint256(s.available) + s.locked + s.unbonding;
        }
        assertEq(total, handler.providerCount() * 100e18 - handler.ghostSlashed(), "stake minus slashes");
        assertEq(token.balanceOf(address(stakeManager)), total, "StakeManager holds exactly the stake");
        assertEq(token.balanceOf(stakeManager.treasury()), handler.ghostSlashed() / 2, "treasury got its half");
    }
}
