// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {CommonBase} from "forge-std/Base.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {Vm} from "forge-std/Vm.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {VRFCoordinatorV2_5Mock} from "@chainlink/contracts/src/v0.8/vrf/mocks/VRFCoordinatorV2_5Mock.sol";
import {RoundJobRegistry} from "../../contracts/jobs/RoundJobRegistry.sol";
import {Disputes} from "../../contracts/disputes/Disputes.sol";
import {ValidatorCommittee} from "../../contracts/disputes/ValidatorCommittee.sol";
import {StakeManager} from "../../contracts/staking/StakeManager.sol";
import {IDisputes} from "../../contracts/interfaces/IDisputes.sol";
import {IRoundJobRegistry} from "../../contracts/interfaces/IRoundJobRegistry.sol";
import {IStakeManager} from "../../contracts/interfaces/IStakeManager.sol";
import {VeritrainToken} from "../../contracts/token/VeritrainToken.sol";
import {ProtocolBase} from "./utils/ProtocolBase.sol";

/// @notice Drives random, mostly valid sequences of distributed-job actions for RoundJobRegistryInvariants:
/// posts, bids (evictions), cancels, settlements, seeds answered or left to expire, update commitments, aggregates, advances, closes and
/// expiries of rounds, round disputes settled by a real committee either way or left without one, upkeep
/// and time warps. Books every payout event per job.
contract RoundJobHandler is CommonBase, StdUtils {
    uint256 public constant ACTORS = 6;
    uint256 public constant ACTOR_FUNDS = 100_000e18;
    uint256 public constant ACTOR_STAKE = 20_000e18;

    IERC20 internal immutable token;
    StakeManager internal immutable stakeManager;
    RoundJobRegistry internal immutable registry;
    Disputes internal immutable disputes;
    ValidatorCommittee internal immutable committee;
    VRFCoordinatorV2_5Mock internal immutable vrf;

    address[] public actors;
    mapping(address validator => uint256 key) internal _keyOf;

    /// @notice Escrow each job paid out (payments + refunds) by its terminal event, and how many it emitted.
    mapping(uint256 jobId => uint256) public ghostPaidOut;
    mapping(uint256 jobId => uint256) public ghostTerminalEvents;
    /// @notice Successful calls per action, to see the campaign reaches deep states.
    mapping(bytes32 action => uint256) public calls;
    /// @notice The seed request each settled job's settlement made.
    mapping(uint256 jobId => uint256) internal _seedRequestOf;

    constructor(
        StakeManager stakeManager_,
        RoundJobRegistry registry_,
        Disputes disputes_,
        ValidatorCommittee committee_,
        VRFCoordinatorV2_5Mock vrf_,
        uint256[] memory validatorKeys
    ) {
        stakeManager = stakeManager_;
        registry = registry_;
        disputes = disputes_;
        committee = committee_;
        vrf = vrf_;
        token = IERC20(stakeManager_.stakeToken());
        for (uint256 i; i < validatorKeys.length; ++i) {
            _keyOf[vm.addr(validatorKeys[i])] = validatorKeys[i];
        }
        for (uint256 i; i < ACTORS; ++i) {
            actors.push(address(uint160(uint256(keccak256(abi.encode("round actor", i))))));
        }
    }

    /// @notice Called once by the test after it funded the actors: approvals and stake.
    function setUpActors() external {
        require(calls["setUpActors"] == 0, "once");
        calls["setUpActors"] = 1;
        for (uint256 i; i < ACTORS; ++i) {
            vm.startPrank(actors[i]);
            token.approve(address(stakeManager), type(uint256).max);
            token.approve(address(registry), type(uint256).max);
            token.approve(address(disputes), type(uint256).max);
            stakeManager.stake(ACTOR_STAKE);
            vm.stopPrank();
        }
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    /*//////////////////////////////////////////////////////////////
                                 ACTIONS
    //////////////////////////////////////////////////////////////*/

    function post(uint256 actorSeed, uint8 slots, uint16 rounds, uint96 priceLimit, uint96 minStake, bool continueOnFault)
        external
    {
        IRoundJobRegistry.RoundOrder memory order = IRoundJobRegistry.RoundOrder({
            datasetId: 1,
            specDigest: keccak256("round spec"),
            priceLimit: uint96(bound(priceLimit, 1, 100e18)),
            minStake: uint96(bound(minStake, 1e18, 2_000e18)),
            slots: uint8(bound(slots, 1, 4)),
            rounds: uint16(bound(rounds, 1, 3)),
            biddingPeriod: 1 hours,
            roundPeriod: 2 hours,
            aggregationPeriod: 1 hours,
            challengeWindow: 1 days,
            continueOnFault: continueOnFault,
            aggregation: bytes32(0)
        });
        vm.recordLogs();
        vm.prank(_actor(actorSeed));
        try registry.post(order) {
            _done("post");
        } catch {
            vm.getRecordedLogs();
        }
    }

    function bid(uint256 jobSeed, uint256 actorSeed, uint96 price) external {
        uint256 jobId = _jobIn(jobSeed, IRoundJobRegistry.RoundJobStatus.Bidding);
        if (jobId == 0) return;
        IRoundJobRegistry.RoundJob memory job = registry.getRoundJob(jobId);
        price = uint96(bound(price, 1, job.priceLimit));
        vm.recordLogs();
        vm.prank(_actor(actorSeed));
        try registry.bid(jobId, price) {
            _done("bid");
        } catch {
            vm.getRecordedLogs();
        }
    }

    function cancel(uint256 jobSeed) external {
        uint256 jobId = _jobIn(jobSeed, IRoundJobRegistry.RoundJobStatus.Bidding);
        if (jobId == 0) return;
        vm.recordLogs();
        vm.prank(registry.getRoundJob(jobId).consumer);
        try registry.cancel(jobId) {
            _done("cancel");
        } catch {
            vm.getRecordedLogs();
        }
    }

    function settleAuction(uint256 jobSeed) external {
        uint256 jobId = _jobIn(jobSeed, IRoundJobRegistry.RoundJobStatus.Bidding);
        if (jobId == 0) return;
        _warpTo(registry.getRoundJob(jobId).deadline);
        vm.recordLogs();
        registry.settleAuction(jobId);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(registry) && logs[i].topics[0] == IRoundJobRegistry.SeedRequested.selector) {
                _seedRequestOf[jobId] = uint256(logs[i].topics[2]);
            }
        }
        _book(logs);
        calls["settleAuction"]++;
    }

    /// @dev Answers a seeding job's VRF request, sometimes after its seed deadline (the callback then refuses it).
    function answerSeed(uint256 jobSeed, bool late) external {
        uint256 jobId = _jobIn(jobSeed, IRoundJobRegistry.RoundJobStatus.Seeding);
        if (jobId == 0) return;
        uint256 deadline = registry.getRoundJob(jobId).deadline;
        if (late) _warpTo(deadline);
        vm.recordLogs();
        vrf.fulfillRandomWords(_seedRequestOf[jobId], address(registry));
        bool seeded = registry.getRoundJob(jobId).status == IRoundJobRegistry.RoundJobStatus.Training;
        require(seeded == block.timestamp < deadline, "a seed starts its job exactly while the job waits for it");
        require((registry.seedOf(jobId) != bytes32(0)) == seeded, "the seed is written exactly when the job starts");
        _done(seeded ? bytes32("answerSeed") : bytes32("answerSeedLate"));
    }

    function expireSeed(uint256 jobSeed) external {
        uint256 jobId = _jobIn(jobSeed, IRoundJobRegistry.RoundJobStatus.Seeding);
        if (jobId == 0) return;
        _warpTo(registry.getRoundJob(jobId).deadline);
        vm.recordLogs();
        registry.expireSeed(jobId);
        _done("expireSeed");
    }

    function commit(uint256 jobSeed, uint256 slotSeed) external {
        uint256 jobId = _jobIn(jobSeed, IRoundJobRegistry.RoundJobStatus.Training);
        if (jobId == 0) return;
        IRoundJobRegistry.RoundJob memory job = registry.getRoundJob(jobId);
        IRoundJobRegistry.SlotView[] memory slots = registry.slotsOf(jobId);
        // Mostly a slot that still owes its update; sometimes any slot (dropped or committed: refused).
        uint256 slot = slotSeed % job.slots;
        for (uint256 i; i < job.slots && slotSeed % 8 != 0; ++i) {
            uint256 s = (slotSeed + i) % job.slots;
            if (slots[s].active && job.committedMask & (1 << s) == 0) {
                slot = s;
                break;
            }
        }
        vm.recordLogs();
        vm.prank(slots[slot].provider);
        try registry.commitUpdate(jobId, job.round, keccak256(abi.encode(jobId, job.round, slot))) {
            _done("commit");
        } catch {
            vm.getRecordedLogs();
        }
    }

    function postAggregate(uint256 jobSeed, uint256 actorSeed, bool late) external {
        uint256 jobId = _jobIn(jobSeed, IRoundJobRegistry.RoundJobStatus.Aggregating);
        if (jobId == 0) jobId = _jobIn(jobSeed, IRoundJobRegistry.RoundJobStatus.Training);
        if (jobId == 0) return;
        IRoundJobRegistry.RoundJob memory job = registry.getRoundJob(jobId);
        if (late && job.status == IRoundJobRegistry.RoundJobStatus.Training) _warpTo(job.deadline);
        vm.recordLogs();
        vm.prank(_actor(actorSeed));
        try registry.postAggregate(jobId, job.round, keccak256(abi.encode("global", jobId, job.round))) {
            _done("postAggregate");
        } catch {
            vm.getRecordedLogs();
        }
    }

    function closeRound(uint256 jobSeed) external {
        uint256 jobId = _jobIn(jobSeed, IRoundJobRegistry.RoundJobStatus.Training);
        if (jobId == 0) return;
        _warpTo(registry.getRoundJob(jobId).deadline);
        vm.recordLogs();
        registry.closeRound(jobId);
        _done("closeRound");
    }

    function advance(uint256 jobSeed) external {
        uint256 jobId = _jobIn(jobSeed, IRoundJobRegistry.RoundJobStatus.Aggregated);
        if (jobId == 0) return;
        _warpTo(registry.getRoundJob(jobId).deadline);
        vm.recordLogs();
        registry.advance(jobId);
        _done("advance");
    }

    function expireRound(uint256 jobSeed) external {
        uint256 jobId = _jobIn(jobSeed, IRoundJobRegistry.RoundJobStatus.Aggregating);
        if (jobId == 0) return;
        _warpTo(registry.getRoundJob(jobId).deadline);
        vm.recordLogs();
        registry.expireRound(jobId);
        _done("expireRound");
    }

    /// @dev A challenge of a slot (or, `slotSeed` % 5 == 4, the aggregate) of an aggregated round (or, `mode` / 3
    /// odd, of a round awaiting its aggregate), then `mode` % 3: 0 settled accused wrong, 1 settled accused right,
    /// 2 left without a committee until it expires.
    function challenge(uint256 jobSeed, uint256 actorSeed, uint256 slotSeed, uint8 mode) external {
        bool early = (mode / 3) % 2 == 1;
        uint256 jobId = _jobIn(
            jobSeed, early ? IRoundJobRegistry.RoundJobStatus.Aggregating : IRoundJobRegistry.RoundJobStatus.Aggregated
        );
        // Without one, a job in training gets its updates and aggregate first.
        if (jobId == 0 && !early) {
            jobId = _aggregateRound(_jobIn(jobSeed, IRoundJobRegistry.RoundJobStatus.Training), actorSeed);
        }
        if (jobId == 0) return;
        IRoundJobRegistry.RoundJob memory job = registry.getRoundJob(jobId);
        bool open = job.status == IRoundJobRegistry.RoundJobStatus.Aggregated
            || job.status == IRoundJobRegistry.RoundJobStatus.Aggregating;
        if (!open || block.timestamp >= job.deadline) return;
        uint8 slot = slotSeed % 5 == 4 ? 255 : uint8(slotSeed % job.slots);
        address challenger = _actor(actorSeed);
        vm.recordLogs();
        vm.prank(challenger);
        uint256 disputeId;
        try disputes.challengeRound(jobId, job.round, slot, keccak256("claimed")) returns (uint256 id) {
            disputeId = id;
        } catch {
            vm.getRecordedLogs();
            return;
        }
        Vm.Log[] memory logs = vm.getRecordedLogs();
        _book(logs);
        calls["challenge"]++;
        if (mode % 3 == 2) {
            _warpTo(disputes.getDispute(disputeId).verdictDeadline);
            vm.recordLogs();
            disputes.expire(disputeId);
            _done("disputeNoCommittee");
            return;
        }
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(committee) && logs[i].topics[0] == keccak256("CommitteeRequested(uint256,uint256)")) {
                vrf.fulfillRandomWords(uint256(logs[i].topics[2]), address(committee));
            }
        }
        bool accusedWrong = mode % 3 == 0;
        address[] memory members = committee.committeeOf(disputeId);
        if (members.length < 2) return;
        bytes32 digest = disputes.verdictDigest(disputeId, accusedWrong);
        bytes[] memory signatures = new bytes[](2);
        for (uint256 i; i < 2; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(_keyOf[members[i]], digest);
            signatures[i] = abi.encodePacked(r, s, v);
        }
        vm.recordLogs();
        disputes.settle(disputeId, accusedWrong, 3, signatures);
        _done(accusedWrong ? bytes32("disputeAccusedWrong") : bytes32("disputeAccusedRight"));
    }

    function performUpkeep() external {
        (bool needed, bytes memory performData) = registry.checkUpkeep("");
        if (!needed) return;
        vm.recordLogs();
        registry.performUpkeep(performData);
        _done("performUpkeep");
    }

    function warp(uint32 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 3 hours));
    }

    /*//////////////////////////////////////////////////////////////
                                 HELPERS
    //////////////////////////////////////////////////////////////*/

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    /// @dev A job in `status`, searched from a seeded position; 0 if none.
    function _jobIn(uint256 seed, IRoundJobRegistry.RoundJobStatus status) internal view returns (uint256) {
        uint256 count = registry.jobCount();
        for (uint256 i; i < count; ++i) {
            uint256 jobId = 1 + (seed + i) % count;
            if (registry.getRoundJob(jobId).status == status) return jobId;
        }
        return 0;
    }

    /// @dev Commits every missing update of job `jobId` (Training) and posts its aggregate; 0 if that failed.
    function _aggregateRound(uint256 jobId, uint256 actorSeed) internal returns (uint256) {
        if (jobId == 0) return 0;
        IRoundJobRegistry.RoundJob memory job = registry.getRoundJob(jobId);
        if (block.timestamp >= job.deadline) return 0;
        IRoundJobRegistry.SlotView[] memory slots = registry.slotsOf(jobId);
        vm.recordLogs();
        for (uint256 s; s < slots.length; ++s) {
            if (!slots[s].active || job.committedMask & (1 << s) != 0) continue;
            vm.prank(slots[s].provider);
            registry.commitUpdate(jobId, job.round, keccak256(abi.encode(jobId, job.round, s)));
        }
        vm.prank(_actor(actorSeed));
        try registry.postAggregate(jobId, job.round, keccak256(abi.encode("global", jobId, job.round))) {
            _done("postAggregate");
            return jobId;
        } catch {
            _book(vm.getRecordedLogs());
            return 0;
        }
    }

    function _warpTo(uint256 timestamp) internal {
        if (block.timestamp < timestamp) vm.warp(timestamp);
    }

    function _done(bytes32 action) internal {
        _book(vm.getRecordedLogs());
        calls[action]++;
    }

    /// @dev Books the terminal events of RoundJobRegistry: what each job paid out, and how often.
    function _book(Vm.Log[] memory logs) internal {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(registry)) continue;
            bytes32 topic = logs[i].topics[0];
            if (topic == IRoundJobRegistry.RoundJobFinalized.selector || topic == IRoundJobRegistry.RoundJobFailed.selector) {
                (uint256 paid, uint256 refund) = abi.decode(logs[i].data, (uint256, uint256));
                ghostPaidOut[uint256(logs[i].topics[1])] += paid + refund;
                ghostTerminalEvents[uint256(logs[i].topics[1])]++;
            } else if (topic == IRoundJobRegistry.RoundJobCancelled.selector) {
                ghostPaidOut[uint256(logs[i].topics[1])] += abi.decode(logs[i].data, (uint256));
                ghostTerminalEvents[uint256(logs[i].topics[1])]++;
            }
        }
    }
}

/// @notice Money invariants of RoundJobRegistry under random action sequences: it holds exactly the open
/// escrow, every locked stake is a held bid, an active slot or a posted aggregate, and a job pays out once.
contract RoundJobRegistryInvariantsTest is ProtocolBase {
    uint256 internal constant VALIDATORS = 4;

    RoundJobHandler internal handler;

    function setUp() public {
        _deployProtocol(IERC20(address(new VeritrainToken(address(this), 1e30))), 3, 2);
        _addValidators(VALIDATORS);
        handler = new RoundJobHandler(stakeManager, roundJobRegistry, disputes, committee, vrf, validatorKeys);
        for (uint256 i; i < handler.ACTORS(); ++i) {
            token.transfer(handler.actors(i), handler.ACTOR_FUNDS());
        }
        handler.setUpActors();
        targetContract(address(handler));
    }

    function _terminal(IRoundJobRegistry.RoundJobStatus status) internal pure returns (bool) {
        return status == IRoundJobRegistry.RoundJobStatus.Finalized || status == IRoundJobRegistry.RoundJobStatus.Cancelled
            || status == IRoundJobRegistry.RoundJobStatus.Failed;
    }

    /// @notice RoundJobRegistry holds exactly the escrow of its open jobs; Disputes exactly its open bonds.
    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 120
    function invariant_registryBalance_equalsOpenEscrow() public view {
        uint256 escrow;
        for (uint256 id = 1; id <= roundJobRegistry.jobCount(); ++id) {
            IRoundJobRegistry.RoundJob memory job = roundJobRegistry.getRoundJob(id);
            uint256 full = uint256(job.slots) * job.rounds * job.priceLimit;
            assertEq(roundJobRegistry.escrowOf(id), _terminal(job.status) ? 0 : full, "escrowOf");
            escrow += roundJobRegistry.escrowOf(id);
        }
        assertEq(token.balanceOf(address(roundJobRegistry)), escrow, "RoundJobRegistry holds open escrow");
        uint256 bonds;
        for (uint256 id = 1; id <= disputes.disputeCount(); ++id) {
            IDisputes.Dispute memory d = disputes.getDispute(id);
            if (d.status == IDisputes.DisputeStatus.Open) bonds += d.bond;
        }
        assertEq(token.balanceOf(address(disputes)), bonds, "Disputes holds open bonds");
    }

    /// @notice Each actor's locked stake is exactly its open obligations: minStake per held bid (Bidding) or
    /// active slot (running), aggregatorStake per aggregate posted and not yet advanced or voided.
    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 120
    function invariant_lockedStake_isOpenObligations() public view {
        uint256 actors = handler.actorCount();
        uint256[] memory owed = new uint256[](actors);
        for (uint256 id = 1; id <= roundJobRegistry.jobCount(); ++id) {
            IRoundJobRegistry.RoundJob memory job = roundJobRegistry.getRoundJob(id);
            if (_terminal(job.status)) continue;
            IRoundJobRegistry.SlotView[] memory slots = roundJobRegistry.slotsOf(id);
            bool bidding = job.status == IRoundJobRegistry.RoundJobStatus.Bidding;
            for (uint256 s; s < slots.length; ++s) {
                bool holds = bidding ? s < job.bidCount : slots[s].active;
                if (holds) owed[_indexOf(slots[s].provider)] += job.minStake;
            }
            // The aggregator is set exactly while an aggregate is posted, and its stake is locked meanwhile.
            if (job.aggregator != address(0)) {
                assertTrue(
                    job.status == IRoundJobRegistry.RoundJobStatus.Aggregated
                        || job.status == IRoundJobRegistry.RoundJobStatus.Disputed,
                    "an aggregator only with a posted aggregate"
                );
                owed[_indexOf(job.aggregator)] += roundJobRegistry.aggregatorStake();
            } else {
                assertTrue(job.status != IRoundJobRegistry.RoundJobStatus.Aggregated, "an aggregated round names its aggregator");
            }
        }
        for (uint256 i; i < actors; ++i) {
            assertEq(stakeManager.stakeOf(handler.actors(i)).locked, owed[i], "locked == open obligations");
        }
    }

    /// @notice A job pays out at most once, exactly its escrow when it ends and nothing while it lives.
    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 120
    function invariant_jobs_payOutAtMostOnce() public view {
        for (uint256 id = 1; id <= roundJobRegistry.jobCount(); ++id) {
            IRoundJobRegistry.RoundJob memory job = roundJobRegistry.getRoundJob(id);
            uint256 escrow = uint256(job.slots) * job.rounds * job.priceLimit;
            assertLe(handler.ghostTerminalEvents(id), 1, "terminal status reached twice");
            if (_terminal(job.status)) {
                assertEq(handler.ghostTerminalEvents(id), 1, "terminal without payout event");
                assertEq(handler.ghostPaidOut(id), escrow, "terminal job paid out its whole escrow");
            } else {
                assertEq(handler.ghostPaidOut(id), 0, "live job paid out");
            }
        }
    }

    /// @notice Stake never leaks: StakeManager holds what every staker (actors, validators, storage providers) has.
    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 120
    function invariant_stakeManager_holdsAllStake() public view {
        uint256 total;
        for (uint256 i; i < handler.actorCount(); ++i) {
            total += _stakeTotal(handler.actors(i));
        }
        for (uint256 i; i < validatorKeys.length; ++i) {
            total += _stakeTotal(vm.addr(validatorKeys[i]));
        }
        for (uint256 i; i < storageProviders.length; ++i) {
            total += _stakeTotal(storageProviders[i]);
        }
        assertEq(token.balanceOf(address(stakeManager)), total, "StakeManager holds all stake");
    }

    function _stakeTotal(address account) internal view returns (uint256) {
        IStakeManager.Stake memory s = stakeManager.stakeOf(account);
        return uint256(s.available) + s.locked + s.unbonding;
    }

    function _indexOf(address actor) internal view returns (uint256) {
        for (uint256 i; i < handler.actorCount(); ++i) {
            if (handler.actors(i) == actor) return i;
        }
        revert("not an actor");
    }
}
