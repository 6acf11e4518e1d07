// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {CommonBase} from "forge-std/Base.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {Vm} from "forge-std/Vm.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {VRFCoordinatorV2_5Mock} from "@chainlink/contracts/src/v0.8/vrf/mocks/VRFCoordinatorV2_5Mock.sol";
import {StakeManager} from "../../contracts/staking/StakeManager.sol";
import {JobRegistry} from "../../contracts/jobs/JobRegistry.sol";
import {ValidatorCommittee} from "../../contracts/disputes/ValidatorCommittee.sol";
import {Disputes} from "../../contracts/disputes/Disputes.sol";
import {DatasetRegistry} from "../../contracts/datasets/DatasetRegistry.sol";
import {StorageProofs} from "../../contracts/proofs/StorageProofs.sol";
import {IDatasetRegistry} from "../../contracts/interfaces/IDatasetRegistry.sol";
import {IStorageProofs} from "../../contracts/interfaces/IStorageProofs.sol";
import {IJobRegistry} from "../../contracts/interfaces/IJobRegistry.sol";
import {IBisectionGame} from "../../contracts/interfaces/IBisectionGame.sol";
import {IDisputes} from "../../contracts/interfaces/IDisputes.sol";
import {IStakeManager} from "../../contracts/interfaces/IStakeManager.sol";
import {IValidatorCommittee} from "../../contracts/interfaces/IValidatorCommittee.sol";
import {VeritrainToken} from "../../contracts/token/VeritrainToken.sol";
import {ProtocolBase} from "./utils/ProtocolBase.sol";
import {VerifierDouble} from "./utils/VerifierDouble.sol";

/// @notice Drives storage-proof audit rounds of dataset 1 for ProtocolInvariants: acceptances,
/// rounds opened by hand or by upkeep, valid and invalid proofs, missed proofs at close, and
/// redraws of faulty columns. Slashes show up as StakeManager events, booked by {ProtocolHandler}.
abstract contract StorageAuditActions is CommonBase, StdUtils {
    uint256 internal constant DATASET = 1;

    DatasetRegistry internal immutable datasetRegistry;
    StorageProofs internal immutable storageProofs;
    VerifierDouble internal immutable verifier;
    VRFCoordinatorV2_5Mock internal immutable vrfMock;

    constructor(DatasetRegistry datasetRegistry_, StorageProofs storageProofs_, VerifierDouble verifier_, VRFCoordinatorV2_5Mock vrf_) {
        datasetRegistry = datasetRegistry_;
        storageProofs = storageProofs_;
        verifier = verifier_;
        vrfMock = vrf_;
    }

    function acceptColumn(uint256 column) external {
        address[] memory holders = datasetRegistry.holders(DATASET);
        column %= holders.length;
        if (holders[column] == address(0) || datasetRegistry.accepted(DATASET)[column]) return;
        vm.recordLogs();
        vm.prank(holders[column]);
        // Refused once the holder's acceptance period is over (the column is then redrawn).
        try datasetRegistry.acceptColumn(DATASET, column) {
            _afterStorageAction("acceptColumn");
        } catch {
            vm.getRecordedLogs();
        }
    }

    function openProofRound(uint256 seed) external {
        if (!datasetRegistry.isActive(DATASET)) return;
        IStorageProofs.Round memory round = storageProofs.currentRound(DATASET);
        if (round.status == IStorageProofs.RoundStatus.Requested || round.status == IStorageProofs.RoundStatus.Open) return;
        uint256 readyAt = storageProofs.nextRoundAt(DATASET);
        if (block.timestamp < readyAt) vm.warp(readyAt);
        vm.recordLogs();
        storageProofs.openRound(DATASET);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256[] memory words = new uint256[](1);
        words[0] = seed;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(storageProofs) && logs[i].topics[0] == IStorageProofs.RoundRequested.selector) {
                vrfMock.fulfillRandomWordsWithOverride(abi.decode(logs[i].data, (uint256)), address(storageProofs), words);
            }
        }
        _afterStorageAction("openProofRound");
    }

    /// @dev `verdict` % 3: 0 valid, 1 invalid, 2 the verifier reverts.
    function submitProof(uint256 column, uint8 verdict) external {
        IStorageProofs.Round memory round = storageProofs.currentRound(DATASET);
        if (round.status != IStorageProofs.RoundStatus.Open || block.timestamp >= round.deadline) return;
        column %= datasetRegistry.holders(DATASET).length;
        uint256 settled = round.proved | ~round.audited;
        if (settled & (1 << column) != 0) return;
        (address holder,) = datasetRegistry.columnOf(DATASET, column);
        verifier.setMode(VerifierDouble.Mode(verdict % 3));
        uint256[8] memory proof;
        IStorageProofs.ProofTerms memory terms = storageProofs.proofTerms(DATASET, column, holder);
        vm.recordLogs();
        vm.prank(holder);
        try storageProofs.submitProof(DATASET, round.number, column, proof, terms) {
            _afterStorageAction("submitProof");
        } catch {
            // Rejected earlier in this round (AlreadyProved), or a redrawn column its new holder has
            // not accepted (WrongTerms): nothing happened.
            vm.getRecordedLogs();
        }
    }

    function closeProofRound() external {
        IStorageProofs.Round memory round = storageProofs.currentRound(DATASET);
        if (round.status != IStorageProofs.RoundStatus.Open) return;
        if (block.timestamp < round.deadline) vm.warp(round.deadline);
        vm.recordLogs();
        storageProofs.closeRound(DATASET);
        _afterStorageAction("closeProofRound");
    }

    function performStorageUpkeep() external {
        (bool needed, bytes memory performData) = storageProofs.checkUpkeep("");
        if (!needed) return;
        vm.recordLogs();
        storageProofs.performUpkeep(performData);
        _afterStorageAction("performStorageUpkeep");
    }

    function reassignColumn(uint256 column, uint256 seed) external {
        if (!datasetRegistry.isActive(DATASET)) return;
        column %= datasetRegistry.holders(DATASET).length;
        vm.recordLogs();
        try datasetRegistry.reassign(DATASET, column) {
            Vm.Log[] memory logs = vm.getRecordedLogs();
            uint256[] memory words = new uint256[](1);
            words[0] = seed;
            for (uint256 i; i < logs.length; ++i) {
                if (logs[i].emitter == address(datasetRegistry) && logs[i].topics[0] == IDatasetRegistry.PlacementRequested.selector) {
                    vm.recordLogs();
                    vrfMock.fulfillRandomWordsWithOverride(uint256(logs[i].topics[2]), address(datasetRegistry), words);
                }
            }
            _afterStorageAction("reassignColumn");
        } catch {
            vm.getRecordedLogs();
        }
    }

    /// @dev Books the logs recorded since the action started.
    function _afterStorageAction(bytes32 action) internal virtual;
}

/// @notice Drives random, mostly valid sequences of protocol actions for ProtocolInvariants, and keeps
/// ghost books built from the events each action emitted: what every actor and the treasury should
/// hold, what was staked, withdrawn and slashed, and what each job paid out.
contract ProtocolHandler is StorageAuditActions {
    uint256 internal constant ACTORS = 5;
    uint256 public constant ACTOR_FUNDS = 100_000e18;

    IERC20 internal immutable token;
    StakeManager internal immutable stakeManager;
    JobRegistry internal immutable jobRegistry;
    ValidatorCommittee internal immutable committee;
    Disputes internal immutable disputes;
    IBisectionGame internal immutable game;
    VRFCoordinatorV2_5Mock internal immutable vrf;
    address internal immutable treasury;
    /// @notice The stand-in machine's (HashChainMachine) program of the jobs that may be disputed by a game.
    uint64 internal constant GAME_LAST_CHECKPOINT = 3;
    bytes32 internal constant GAME_PROGRAM = keccak256(abi.encode(GAME_LAST_CHECKPOINT));
    uint16 internal immutable shareBps;

    address[] public actors;
    mapping(address validator => uint256 key) internal _keyOf;

    /// @notice Token balance each actor (and the treasury) should hold according to the events.
    mapping(address account => uint256) public expectedBalance;
    uint256 public ghostStakedIn;
    uint256 public ghostWithdrawn;
    uint256 public ghostSlashed;
    uint256 public ghostToBeneficiaries;
    uint256 public ghostToTreasury;
    /// @notice The treasury's parts of lost challenge bonds (BondForfeited).
    uint256 public ghostBondsToTreasury;
    /// @notice StakeSlashed and BondForfeited events whose split differs from beneficiaryShareBps / rest.
    uint256 public ghostBadSplits;
    /// @notice Escrow a job paid out (payments + refunds) and how many terminal events it emitted.
    mapping(uint256 jobId => uint256) public ghostPaidOut;
    mapping(uint256 jobId => uint256) public ghostJobTerminalEvents;
    /// @notice How many settle/expire events each dispute emitted.
    mapping(uint256 disputeId => uint256) public ghostDisputeTerminalEvents;
    mapping(uint256 disputeId => uint256) internal _requestOf;
    mapping(uint256 disputeId => bool) internal _pendingDraw;
    address[] internal _validators;
    /// @notice Committee members not eligible at their dispute's request (joined after it, or left at or before it).
    uint256 public ghostIneligibleMembers;
    /// @notice Successful calls per action, to see the campaign reaches deep states.
    mapping(bytes32 action => uint256) public calls;
    /// @notice Per module and account: stake locked, unlocked and slashed (StakeManager events).
    mapping(address module => mapping(address account => uint256)) public ghostLockedBy;
    mapping(address module => mapping(address account => uint256)) public ghostUnlockedBy;
    mapping(address module => mapping(address account => uint256)) public ghostSlashedBy;
    /// @notice Storage payments escrowed (registrations) and paid out (settlements, cancellations).
    uint256 public ghostStorageIn;
    uint256 public ghostStorageOut;
    /// @notice Settlements that paid a storage provider other than `perColumn` per accepted, sound column it holds.
    uint256 public ghostWrongStoragePayouts;
    /// @notice The storage providers and validators of the deployment (read at {syncFunding}).
    address[] public storageAccounts;
    address[] public validatorAccounts;
    /// @dev The whole-placement VRF request of each dataset the handler registered.
    mapping(uint256 datasetId => uint256 requestId) internal _placementRequestOf;

    constructor(
        StakeManager stakeManager_,
        JobRegistry jobRegistry_,
        ValidatorCommittee committee_,
        Disputes disputes_,
        VRFCoordinatorV2_5Mock vrf_,
        uint256[] memory validatorKeys,
        DatasetRegistry datasetRegistry_,
        StorageProofs storageProofs_,
        VerifierDouble verifier_
    ) StorageAuditActions(datasetRegistry_, storageProofs_, verifier_, vrf_) {
        stakeManager = stakeManager_;
        jobRegistry = jobRegistry_;
        committee = committee_;
        disputes = disputes_;
        game = disputes_.game();
        vrf = vrf_;
        token = IERC20(stakeManager_.stakeToken());
        treasury = stakeManager_.treasury();
        shareBps = stakeManager_.beneficiaryShareBps();
        for (uint256 i; i < validatorKeys.length; ++i) {
            _keyOf[vm.addr(validatorKeys[i])] = validatorKeys[i];
            _validators.push(vm.addr(validatorKeys[i]));
        }
        for (uint256 i; i < ACTORS; ++i) {
            actors.push(address(uint160(uint256(keccak256(abi.encode("actor", i))))));
        }
        expectedBalance[treasury] = token.balanceOf(treasury);
    }

    bool internal _synced;

    /// @notice Called once by the test after it funded the actors; later (fuzzed) calls revert.
    function syncFunding() external {
        require(!_synced, "synced");
        _synced = true;
        // Locks made by the deployment, before any action was booked.
        address[] memory providers = datasetRegistry.providers();
        for (uint256 i; i < providers.length; ++i) {
            storageAccounts.push(providers[i]);
            ghostLockedBy[address(datasetRegistry)][providers[i]] = datasetRegistry.lockedStakeOf(providers[i]);
        }
        IValidatorCommittee.Validator[] memory validators = committee.validators();
        for (uint256 i; i < validators.length; ++i) {
            address validator = validators[i].account;
            validatorAccounts.push(validator);
            ghostLockedBy[address(committee)][validator] = stakeManager.stakeOf(validator).locked;
        }
        ghostStorageIn = token.balanceOf(address(datasetRegistry));
        for (uint256 i; i < ACTORS; ++i) {
            address a = actors[i];
            expectedBalance[a] = token.balanceOf(a);
            vm.startPrank(a);
            token.approve(address(stakeManager), type(uint256).max);
            token.approve(address(jobRegistry), type(uint256).max);
            token.approve(address(disputes), type(uint256).max);
            vm.stopPrank();
        }
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function storageAccountCount() external view returns (uint256) {
        return storageAccounts.length;
    }

    function validatorAccountCount() external view returns (uint256) {
        return validatorAccounts.length;
    }

    /*//////////////////////////////////////////////////////////////
                            STORAGE ECONOMICS
    //////////////////////////////////////////////////////////////*/

    /// @dev An actor registers a 1 + 1 dataset; `answer`: the VRF answers its placement at once.
    function registerDataset(uint256 actorSeed, uint96 payment, uint32 term, bool answer) external {
        address owner = _actor(actorSeed);
        if (datasetRegistry.providers().length < 2) return;
        payment = uint96(bound(payment, 1, 1_000e18));
        if (token.balanceOf(owner) < payment) return;
        bytes32[] memory roots = new bytes32[](2);
        roots[0] = bytes32(uint256(11));
        roots[1] = bytes32(uint256(12));
        IDatasetRegistry.Registration memory r = IDatasetRegistry.Registration({
            manifestDigest: keccak256("economics manifest"),
            datasetRoot: bytes32(uint256(13)),
            columnRoots: roots,
            k: 1,
            n: 2,
            shardSize: 1024,
            stripeCount: 1,
            byteLength: 1000,
            payment: payment,
            term: uint32(bound(term, 1 hours, 3 days)),
            verifierVersion: 1
        });
        vm.recordLogs();
        vm.startPrank(owner);
        token.approve(address(datasetRegistry), payment);
        uint256 datasetId = datasetRegistry.register(r);
        vm.stopPrank();
        _done("registerDataset");
        if (answer) _answerPlacement(datasetId);
    }

    function answerPlacement(uint256 datasetSeed) external {
        (uint256 datasetId, bool found) = _storageDataset(datasetSeed, IDatasetRegistry.DatasetStatus.Placing);
        if (found && !datasetRegistry.placementOf(datasetId).seeded) _answerPlacement(datasetId);
    }

    function applyPlacement(uint256 datasetSeed) external {
        (uint256 datasetId, bool found) = _storageDataset(datasetSeed, IDatasetRegistry.DatasetStatus.Placing);
        if (!found || !datasetRegistry.placementOf(datasetId).seeded) return;
        vm.recordLogs();
        datasetRegistry.applyPlacement(datasetId, 1);
        _done("applyPlacement");
    }

    function cancelPlacement(uint256 datasetSeed) external {
        (uint256 datasetId, bool found) = _storageDataset(datasetSeed, IDatasetRegistry.DatasetStatus.Placing);
        if (!found) return;
        uint256 deadline = datasetRegistry.placementOf(datasetId).deadline;
        if (block.timestamp < deadline) vm.warp(deadline);
        vm.recordLogs();
        datasetRegistry.cancelPlacement(datasetId);
        _done("cancelPlacement");
    }

    function acceptAnyColumn(uint256 datasetSeed, uint256 column) external {
        (uint256 datasetId, bool found) = _storageDataset(datasetSeed, IDatasetRegistry.DatasetStatus.Active);
        if (!found) return;
        column %= 2;
        (address holder,) = datasetRegistry.columnOf(datasetId, column);
        if (holder == address(0)) return;
        vm.recordLogs();
        vm.prank(holder);
        try datasetRegistry.acceptColumn(datasetId, column) {
            _done("acceptAnyColumn");
        } catch {
            vm.getRecordedLogs();
        }
    }

    function reassignAnyColumn(uint256 datasetSeed, uint256 column, uint256 word) external {
        (uint256 datasetId, bool found) = _storageDataset(datasetSeed, IDatasetRegistry.DatasetStatus.Active);
        if (!found) return;
        vm.recordLogs();
        try datasetRegistry.reassign(datasetId, column % 2) {
            Vm.Log[] memory logs = vm.getRecordedLogs();
            _book(logs);
            uint256[] memory words = new uint256[](1);
            words[0] = word;
            for (uint256 i; i < logs.length; ++i) {
                if (logs[i].emitter == address(datasetRegistry) && logs[i].topics[0] == IDatasetRegistry.PlacementRequested.selector) {
                    vm.recordLogs();
                    vrf.fulfillRandomWordsWithOverride(uint256(logs[i].topics[2]), address(datasetRegistry), words);
                    _done("reassignAnyColumn");
                }
            }
        } catch {
            vm.getRecordedLogs();
        }
    }

    function exitStorageProvider(uint256 seed) external {
        address provider = storageAccounts[seed % storageAccounts.length];
        vm.recordLogs();
        vm.prank(provider);
        try datasetRegistry.exit() {
            _done("exitStorageProvider");
        } catch {
            vm.getRecordedLogs();
        }
    }

    function joinStorageProvider(uint256 seed) external {
        address provider = storageAccounts[seed % storageAccounts.length];
        vm.recordLogs();
        vm.prank(provider);
        try datasetRegistry.join("/ip4/127.0.0.1/tcp/4001") {
            _done("joinStorageProvider");
        } catch {
            vm.getRecordedLogs();
        }
    }

    /// @dev Settles a dataset the handler registered and checks who was paid: `perColumn` for each column a
    /// storage provider holds, accepted and sound; nothing for an unaccepted, faulty or replaced holder.
    function settleDataset(uint256 datasetSeed) external {
        (uint256 datasetId, bool found) = _storageDataset(datasetSeed, IDatasetRegistry.DatasetStatus.Active);
        if (!found) return;
        IDatasetRegistry.Dataset memory d = datasetRegistry.getDataset(datasetId);
        if (block.timestamp < d.endsAt) vm.warp(d.endsAt);
        uint256 n = storageAccounts.length;
        uint256[] memory due = new uint256[](n);
        uint256[] memory balances = new uint256[](n);
        for (uint256 column; column < d.n; ++column) {
            IDatasetRegistry.ColumnState memory c = datasetRegistry.columnState(datasetId, column);
            if (c.holder == address(0) || c.acceptedAt == 0 || c.faulty) continue;
            for (uint256 i; i < n; ++i) if (storageAccounts[i] == c.holder) due[i] += d.payment / d.n;
        }
        for (uint256 i; i < n; ++i) balances[i] = token.balanceOf(storageAccounts[i]);
        vm.recordLogs();
        datasetRegistry.settle(datasetId);
        _done("settleDataset");
        for (uint256 i; i < n; ++i) {
            if (token.balanceOf(storageAccounts[i]) - balances[i] != due[i]) ++ghostWrongStoragePayouts;
        }
    }

    function _answerPlacement(uint256 datasetId) internal {
        vm.recordLogs();
        vrf.fulfillRandomWords(_placementRequestOf[datasetId], address(datasetRegistry));
        _done("answerPlacement");
    }

    /// @dev A dataset the handler registered (never dataset 1, whose audits run all campaign) in `status`.
    function _storageDataset(uint256 seed, IDatasetRegistry.DatasetStatus status) internal view returns (uint256 datasetId, bool found) {
        uint256 count = datasetRegistry.datasetCount();
        if (count < 2) return (0, false);
        for (uint256 k; k < count - 1; ++k) {
            datasetId = (seed + k) % (count - 1) + 2;
            if (datasetRegistry.getDataset(datasetId).status == status) return (datasetId, true);
        }
        return (0, false);
    }

    /*//////////////////////////////////////////////////////////////
                                 STAKING
    //////////////////////////////////////////////////////////////*/

    function stake(uint256 actorSeed, uint256 amount) external {
        address a = _actor(actorSeed);
        uint256 balance = token.balanceOf(a);
        if (balance == 0) return;
        amount = bound(amount, 1, balance);
        vm.recordLogs();
        vm.prank(a);
        stakeManager.stake(amount);
        _done("stake");
    }

    function startUnbonding(uint256 actorSeed, uint256 amount) external {
        address a = _actor(actorSeed);
        uint256 available = stakeManager.stakeOf(a).available;
        if (available == 0) return;
        amount = bound(amount, 1, available);
        vm.recordLogs();
        vm.prank(a);
        stakeManager.startUnbonding(amount);
        _done("startUnbonding");
    }

    function withdraw(uint256 actorSeed, bool waitForDelay) external {
        address a = _actor(actorSeed);
        IStakeManager.Stake memory s = stakeManager.stakeOf(a);
        if (s.unbonding == 0) return;
        if (block.timestamp < s.unbondingReadyAt) {
            if (!waitForDelay) return;
            vm.warp(s.unbondingReadyAt);
        }
        vm.recordLogs();
        vm.prank(a);
        stakeManager.withdraw();
        _done("withdraw");
    }

    /*//////////////////////////////////////////////////////////////
                                   JOBS
    //////////////////////////////////////////////////////////////*/

    function post(uint256 actorSeed, uint96 reward, uint96 minStake, uint32 biddingPeriod, uint32 executionPeriod, uint32 window)
        external
    {
        address a = _actor(actorSeed);
        uint256 balance = token.balanceOf(a);
        if (balance == 0) return;
        IJobRegistry.Order memory order = IJobRegistry.Order({
            datasetId: 1, // ProtocolBase.DATASET_ID, placed in setUp
            specDigest: keccak256(abi.encode(reward, minStake)),
            reward: uint96(bound(reward, 1, balance < 5_000e18 ? balance : 5_000e18)),
            minStake: uint96(bound(minStake, 1, 3_000e18)),
            biddingPeriod: uint32(bound(biddingPeriod, 1, 1 days)),
            executionPeriod: uint32(bound(executionPeriod, 1 days, 3 days)),
            challengeWindow: uint32(bound(window, 1 days, 3 days)),
            // Every other job commits the stand-in machine's program, so disputes may become games.
            program: reward % 2 == 0 ? GAME_PROGRAM : bytes32(0)
        });
        vm.recordLogs();
        vm.prank(a);
        jobRegistry.post(order);
        _done("post");
    }

    function bid(uint256 jobSeed, uint256 actorSeed, uint96 price) external {
        (uint256 jobId, IJobRegistry.Job memory job) = _job(jobSeed, IJobRegistry.JobStatus.Bidding);
        if (job.status != IJobRegistry.JobStatus.Bidding || block.timestamp >= job.deadline) return;
        uint256 limit = job.provider == address(0) ? job.reward : job.price - 1;
        if (limit == 0) return;
        price = uint96(bound(price, 1, limit));
        address a = _actor(actorSeed);
        vm.recordLogs();
        if (a != job.provider) {
            uint256 available = stakeManager.stakeOf(a).available;
            if (available < job.minStake) {
                uint256 topUp = job.minStake - available;
                if (token.balanceOf(a) < topUp) return;
                vm.prank(a);
                stakeManager.stake(topUp);
            }
        }
        vm.prank(a);
        jobRegistry.bid(jobId, price);
        _done("bid");
    }

    /// @dev With `thenSubmit`, the winner submits right away (as a diligent provider would), so
    /// the campaign reaches challenge windows and disputes more often.
    function settleAuction(uint256 jobSeed, bool thenSubmit) external {
        (uint256 jobId, IJobRegistry.Job memory job) = _job(jobSeed, IJobRegistry.JobStatus.Bidding);
        if (job.status != IJobRegistry.JobStatus.Bidding) return;
        if (block.timestamp < job.deadline) vm.warp(job.deadline);
        vm.recordLogs();
        jobRegistry.settleAuction(jobId);
        if (thenSubmit && job.provider != address(0)) {
            vm.prank(job.provider);
            jobRegistry.submitResult(jobId, keccak256(abi.encode("w", jobId)), _traceRoot(jobId), 9000);
        }
        _done("settleAuction");
    }

    function cancel(uint256 jobSeed) external {
        (uint256 jobId, IJobRegistry.Job memory job) = _job(jobSeed, IJobRegistry.JobStatus.Bidding);
        if (job.status != IJobRegistry.JobStatus.Bidding) return;
        vm.recordLogs();
        vm.prank(job.consumer);
        jobRegistry.cancel(jobId);
        _done("cancel");
    }

    function submitResult(uint256 jobSeed, uint32 metric) external {
        (uint256 jobId, IJobRegistry.Job memory job) = _job(jobSeed, IJobRegistry.JobStatus.Assigned);
        if (job.status != IJobRegistry.JobStatus.Assigned || block.timestamp >= job.deadline) return;
        vm.recordLogs();
        vm.prank(job.provider);
        jobRegistry.submitResult(jobId, keccak256(abi.encode("w", jobId)), _traceRoot(jobId), metric);
        _done("submitResult");
    }

    function expireJob(uint256 jobSeed) external {
        (uint256 jobId, IJobRegistry.Job memory job) = _job(jobSeed, IJobRegistry.JobStatus.Assigned);
        if (job.status != IJobRegistry.JobStatus.Assigned) return;
        if (block.timestamp < job.deadline) vm.warp(job.deadline);
        vm.recordLogs();
        jobRegistry.expire(jobId);
        _done("expireJob");
    }

    function finalize(uint256 jobSeed) external {
        (uint256 jobId, IJobRegistry.Job memory job) = _job(jobSeed, IJobRegistry.JobStatus.Submitted);
        if (job.status != IJobRegistry.JobStatus.Submitted) return;
        if (block.timestamp < job.deadline) vm.warp(job.deadline);
        vm.recordLogs();
        jobRegistry.finalize(jobId);
        _done("finalize");
    }

    /*//////////////////////////////////////////////////////////////
                                 DISPUTES
    //////////////////////////////////////////////////////////////*/

    /// @dev `follow` % 3 chains the next steps at once: 1 = the VRF answers, 2 = it answers and the
    /// committee settles (verdict from `seed`'s low bit). Without chaining, time warps by other
    /// actions make a verdict before the deadline rare in a short campaign.
    function challenge(uint256 jobSeed, uint256 actorSeed, uint64 checkpointIndex, uint8 follow, uint256 seed) external {
        _challenge(jobSeed, actorSeed, checkpointIndex, follow, seed);
    }

    /// @dev A dispute of a result as published (answered by publication on a job with a program, by the committee on
    /// any other), chained as {challenge}.
    function challengeResult(uint256 jobSeed, uint256 actorSeed, uint8 follow, uint256 seed) external {
        _challenge(jobSeed, actorSeed, disputes.RESULT_DISPUTE(), follow, seed);
    }

    function _challenge(uint256 jobSeed, uint256 actorSeed, uint64 checkpointIndex, uint8 follow, uint256 seed) internal {
        (uint256 jobId, IJobRegistry.Job memory job) = _job(jobSeed, IJobRegistry.JobStatus.Submitted);
        if (job.status != IJobRegistry.JobStatus.Submitted || block.timestamp >= job.deadline) return;
        address a = _actor(actorSeed);
        if (token.balanceOf(a) < disputes.challengeBond()) return;
        bool ofResult = checkpointIndex == disputes.RESULT_DISPUTE();
        vm.recordLogs();
        vm.prank(a);
        uint256 disputeId = ofResult
            ? disputes.challengeResult(jobId)
            : disputes.challenge(jobId, checkpointIndex, keccak256(abi.encode("claim", jobId)));
        // A result dispute of a job that commits a program is answered by publication: no committee is requested.
        _pendingDraw[disputeId] = !ofResult || job.program == bytes32(0);
        _done(ofResult ? bytes32("challengeResult") : bytes32("challenge"));
        if (follow % 3 >= 1) drawCommittee(disputeId - 1, seed);
        if (follow % 3 == 2) settleVerdict(disputeId - 1, seed & 1 == 1, seed >> 1);
    }

    function drawCommittee(uint256 disputeSeed, uint256 seed) public {
        (uint256 disputeId,) = _dispute(disputeSeed);
        if (!_pendingDraw[disputeId]) return;
        _pendingDraw[disputeId] = false;
        uint256[] memory words = new uint256[](1);
        words[0] = seed;
        vm.recordLogs();
        vrf.fulfillRandomWordsWithOverride(_requestOf[disputeId], address(committee), words);
        uint256 requestedAt = committee.requestOf(disputeId).requestedAt;
        address[] memory members = committee.committeeOf(disputeId);
        for (uint256 i; i < members.length; ++i) {
            IValidatorCommittee.Validator memory e = committee.validatorOf(members[i]);
            if (e.joinedAt > requestedAt || (e.leftAt != 0 && e.leftAt <= requestedAt)) ++ghostIneligibleMembers;
        }
        _done("drawCommittee");
    }

    function settleVerdict(uint256 disputeSeed, bool providerWrong, uint256 mask) public {
        (uint256 disputeId, IDisputes.Dispute memory d) = _dispute(disputeSeed);
        if (d.status != IDisputes.DisputeStatus.Open) return;
        uint256 forceDeadline = uint256(d.verdictDeadline) - disputes.verdictPeriod() + disputes.forcePeriod();
        bool gameable = d.registry == IDisputes.DisputeRegistry.Jobs && d.checkpointIndex != disputes.RESULT_DISPUTE()
            && jobRegistry.programOf(d.jobId) != bytes32(0);
        if (gameable && block.timestamp < forceDeadline) vm.warp(forceDeadline);
        if (block.timestamp >= d.verdictDeadline) return;
        address[] memory members = committee.committeeOf(disputeId);
        IValidatorCommittee.Config memory c = committee.config();
        if (members.length < c.threshold) return;
        uint256 bitmap = mask & ((1 << members.length) - 1);
        if (_popCount(bitmap) < c.threshold) bitmap = (1 << members.length) - 1;
        bytes[] memory signatures = _sign(disputeId, providerWrong, members, bitmap);
        vm.recordLogs();
        disputes.settle(disputeId, providerWrong, bitmap, signatures);
        _done("settleVerdict");
    }

    /// @dev A game over checkpoint 1 of a job that commits the stand-in machine's program.
    function challengeByGame(uint256 jobSeed, uint256 actorSeed) external {
        (uint256 jobId, IJobRegistry.Job memory job) = _job(jobSeed, IJobRegistry.JobStatus.Submitted);
        if (job.status != IJobRegistry.JobStatus.Submitted || job.program == bytes32(0) || block.timestamp >= job.deadline) return;
        address a = _actor(actorSeed);
        if (a == job.provider || token.balanceOf(a) < disputes.challengeBond()) return;
        vm.recordLogs();
        vm.prank(a);
        disputes.challengeByGame(jobId, 1, keccak256(abi.encode("claim", jobId)), _opening(jobId));
        _done("challengeByGame");
    }

    /// @dev Publishes job's result for an open availability dispute, in `batches` (1 or 2) trace batches, its last
    /// checkpoint's one chunk after: the dispute ends, the result standing. Anyone may publish; an actor does.
    function publishResult(uint256 disputeSeed, uint256 actorSeed, uint8 batches) external {
        (uint256 disputeId, IDisputes.Dispute memory d) = _dispute(disputeSeed);
        if (d.status != IDisputes.DisputeStatus.Open || d.registry != IDisputes.DisputeRegistry.Jobs) return;
        if (d.checkpointIndex != disputes.RESULT_DISPUTE() || jobRegistry.getJob(d.jobId).program == bytes32(0)) return;
        if (block.timestamp >= d.verdictDeadline) return;
        bytes32[4] memory hashes = _traceHashes(d.jobId);
        vm.recordLogs();
        vm.startPrank(_actor(actorSeed));
        if (batches % 2 == 0) {
            disputes.publishTrace(disputeId, _traceBatch(hashes, 0, 4), abi.encode(GAME_LAST_CHECKPOINT));
        } else {
            disputes.publishTrace(disputeId, _traceBatch(hashes, 0, 2), abi.encode(GAME_LAST_CHECKPOINT));
            disputes.publishTrace(disputeId, _traceBatch(hashes, 2, 2), abi.encode(GAME_LAST_CHECKPOINT));
        }
        disputes.publishChunk(disputeId, 0, _lastWords(d.jobId), new bytes32[](0));
        vm.stopPrank();
        _done("publishResult");
    }

    /// @dev The provider forces a game on an open committee dispute of checkpoint 1 (a game), or of one past the
    /// stand-in schedule's last (dismissed); other checkpoints have no leaf in the one-leaf trace.
    function forceGame(uint256 disputeSeed) external {
        (uint256 disputeId, IDisputes.Dispute memory d) = _dispute(disputeSeed);
        if (d.status != IDisputes.DisputeStatus.Open || d.registry != IDisputes.DisputeRegistry.Jobs) return;
        if (jobRegistry.getJob(d.jobId).program == bytes32(0)) return;
        if (d.checkpointIndex != 1 && d.checkpointIndex <= GAME_LAST_CHECKPOINT) return;
        if (d.checkpointIndex == disputes.RESULT_DISPUTE()) return; // the committee's alone (the unit tests' revert)
        if (block.timestamp >= uint256(d.verdictDeadline) - disputes.verdictPeriod() + disputes.forcePeriod()) return;
        vm.recordLogs();
        vm.prank(d.provider);
        disputes.forceGame(disputeId, _opening(d.jobId));
        _done("forceGame");
    }

    /// @dev Ends an open game on time (no one moves in this campaign, so no move bonds are posted): the side to move,
    /// the provider at a one-step segment's descent, loses.
    function timeoutGame(uint256 gameSeed) external {
        uint256 count = game.gameCount();
        if (count == 0) return;
        uint256 gameId = gameSeed % count + 1;
        IBisectionGame.Game memory g = game.getGame(gameId);
        if (g.phase == IBisectionGame.Phase.ProviderWon || g.phase == IBisectionGame.Phase.ChallengerWon) return;
        vm.warp(uint256(g.lastMoveAt) + g.providerClock);
        vm.recordLogs();
        game.timeout(gameId);
        _done("timeoutGame");
    }

    function expireDispute(uint256 disputeSeed) external {
        (uint256 disputeId, IDisputes.Dispute memory d) = _dispute(disputeSeed);
        if (d.status != IDisputes.DisputeStatus.Open) return;
        if (block.timestamp < d.verdictDeadline) vm.warp(d.verdictDeadline);
        vm.recordLogs();
        disputes.expire(disputeId);
        _done("expireDispute");
    }

    /*//////////////////////////////////////////////////////////////
                              KEEPERS, TIME
    //////////////////////////////////////////////////////////////*/

    function performJobUpkeep() external {
        (bool needed, bytes memory performData) = jobRegistry.checkUpkeep("");
        if (!needed) return;
        vm.recordLogs();
        jobRegistry.performUpkeep(performData);
        _done("performJobUpkeep");
    }

    function performDisputeUpkeep() external {
        (bool needed, bytes memory performData) = disputes.checkUpkeep("");
        if (!needed) return;
        vm.recordLogs();
        disputes.performUpkeep(performData);
        _done("performDisputeUpkeep");
    }

    /*//////////////////////////////////////////////////////////////
                                VALIDATORS
    //////////////////////////////////////////////////////////////*/

    /// @dev Moves validator `seed` one step along join → exit → release (waiting out exitDelay if `wait`) → join.
    function cycleValidator(uint256 seed, bool wait) external {
        address v = _validators[seed % _validators.length];
        IValidatorCommittee.Validator memory e = committee.validatorOf(v);
        vm.recordLogs();
        if (e.account == address(0)) {
            vm.prank(v);
            committee.join();
            _done("rejoinValidator");
        } else if (e.leftAt == 0) {
            vm.prank(v);
            committee.exit();
            _done("exitValidator");
        } else {
            uint256 releasableAt = uint256(e.leftAt) + committee.exitDelay();
            if (block.timestamp < releasableAt) {
                if (!wait) return;
                vm.warp(releasableAt);
            }
            committee.release(v);
            _done("releaseValidator");
        }
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 6 hours));
    }

    /*//////////////////////////////////////////////////////////////
                                 GHOSTS
    //////////////////////////////////////////////////////////////*/

    function _afterStorageAction(bytes32 action) internal override {
        _done(action);
    }

    /// @dev Books every token movement the events of the last action announce.
    function _done(bytes32 action) internal {
        ++calls[action];
        _book(vm.getRecordedLogs());
    }

    function _book(Vm.Log[] memory logs) internal {
        for (uint256 i; i < logs.length; ++i) {
            Vm.Log memory log = logs[i];
            bytes32 topic = log.topics.length == 0 ? bytes32(0) : log.topics[0];
            if (log.emitter == address(stakeManager)) _bookStake(log, topic);
            else if (log.emitter == address(datasetRegistry)) _bookStorage(log, topic);
            else if (log.emitter == address(jobRegistry)) _bookJob(log, topic);
            else if (log.emitter == address(disputes)) _bookDispute(log, topic);
            else if (log.emitter == address(committee) && topic == IValidatorCommittee.CommitteeRequested.selector) {
                _requestOf[uint256(log.topics[1])] = uint256(log.topics[2]);
            }
        }
    }

    function _bookStake(Vm.Log memory log, bytes32 topic) internal {
        if (topic == IStakeManager.Staked.selector) {
            uint256 amount = abi.decode(log.data, (uint256));
            expectedBalance[_addr(log.topics[1])] -= amount;
            ghostStakedIn += amount;
        } else if (topic == IStakeManager.Withdrawn.selector) {
            uint256 amount = abi.decode(log.data, (uint256));
            expectedBalance[_addr(log.topics[1])] += amount;
            ghostWithdrawn += amount;
        } else if (topic == IStakeManager.StakeLocked.selector) {
            ghostLockedBy[_addr(log.topics[2])][_addr(log.topics[1])] += abi.decode(log.data, (uint256));
        } else if (topic == IStakeManager.StakeUnlocked.selector) {
            ghostUnlockedBy[_addr(log.topics[2])][_addr(log.topics[1])] += abi.decode(log.data, (uint256));
        } else if (topic == IStakeManager.StakeSlashed.selector) {
            ghostSlashedBy[_addr(log.topics[2])][_addr(log.topics[1])] += abi.decode(log.data, (uint256));
            address beneficiary = _addr(log.topics[3]);
            (uint256 amount, uint256 toBeneficiary, uint256 toTreasury) =
                abi.decode(log.data, (uint256, uint256, uint256));
            uint256 share = beneficiary == address(0) ? 0 : amount * shareBps / 10_000;
            if (toBeneficiary != share || toBeneficiary + toTreasury != amount) ++ghostBadSplits;
            expectedBalance[beneficiary] += toBeneficiary;
            expectedBalance[treasury] += toTreasury;
            ghostSlashed += amount;
            ghostToBeneficiaries += toBeneficiary;
            ghostToTreasury += toTreasury;
        }
    }

    function _bookStorage(Vm.Log memory log, bytes32 topic) internal {
        uint256 datasetId = log.topics.length > 1 ? uint256(log.topics[1]) : 0;
        if (topic == IDatasetRegistry.DatasetRegistered.selector) {
            uint256 payment = abi.decode(log.data, (IDatasetRegistry.Registration)).payment;
            expectedBalance[_addr(log.topics[2])] -= payment;
            ghostStorageIn += payment;
        } else if (topic == IDatasetRegistry.PlacementRequested.selector) {
            (uint256 column) = abi.decode(log.data, (uint256));
            if (column == type(uint256).max) _placementRequestOf[datasetId] = uint256(log.topics[2]);
        } else if (topic == IDatasetRegistry.DatasetSettled.selector) {
            (, uint256 refund) = abi.decode(log.data, (uint256, uint256));
            IDatasetRegistry.Dataset memory d = datasetRegistry.getDataset(datasetId);
            expectedBalance[d.owner] += refund;
            ghostStorageOut += d.payment;
        } else if (topic == IDatasetRegistry.DatasetCancelled.selector) {
            uint256 refund = abi.decode(log.data, (uint256));
            expectedBalance[datasetRegistry.getDataset(datasetId).owner] += refund;
            ghostStorageOut += refund;
        }
    }

    function _bookJob(Vm.Log memory log, bytes32 topic) internal {
        uint256 jobId = log.topics.length > 1 ? uint256(log.topics[1]) : 0;
        if (topic == IJobRegistry.JobPosted.selector) {
            expectedBalance[_addr(log.topics[2])] -= jobRegistry.getJob(jobId).reward;
        } else if (topic == IJobRegistry.JobFinalized.selector) {
            (uint256 payment, uint256 refund) = abi.decode(log.data, (uint256, uint256));
            expectedBalance[_addr(log.topics[2])] += payment;
            expectedBalance[jobRegistry.getJob(jobId).consumer] += refund;
            ghostPaidOut[jobId] += payment + refund;
            ++ghostJobTerminalEvents[jobId];
        } else if (topic == IJobRegistry.JobCancelled.selector) {
            uint256 refund = abi.decode(log.data, (uint256));
            expectedBalance[jobRegistry.getJob(jobId).consumer] += refund;
            ghostPaidOut[jobId] += refund;
            ++ghostJobTerminalEvents[jobId];
        } else if (topic == IJobRegistry.JobFailed.selector) {
            (, uint256 refund) = abi.decode(log.data, (uint256, uint256));
            expectedBalance[jobRegistry.getJob(jobId).consumer] += refund;
            ghostPaidOut[jobId] += refund;
            ++ghostJobTerminalEvents[jobId];
        }
    }

    function _bookDispute(Vm.Log memory log, bytes32 topic) internal {
        uint256 disputeId = log.topics.length > 1 ? uint256(log.topics[1]) : 0;
        IDisputes.Dispute memory d = disputes.getDispute(disputeId);
        if (topic == IDisputes.DisputeOpened.selector) {
            expectedBalance[d.challenger] -= d.bond;
        } else if (topic == IDisputes.DisputeSettled.selector) {
            // A right challenger gets its bond back; a wrong one's is booked from BondForfeited.
            (bool providerWrong,) = abi.decode(log.data, (bool, uint256));
            if (providerWrong) expectedBalance[d.challenger] += d.bond;
            ++ghostDisputeTerminalEvents[disputeId];
        } else if (topic == IDisputes.DisputeExpired.selector || topic == IDisputes.DisputeNoCommittee.selector) {
            expectedBalance[d.challenger] += d.bond;
            ++ghostDisputeTerminalEvents[disputeId];
        } else if (topic == IDisputes.DisputeDecidedByGame.selector) {
            if (abi.decode(log.data, (bool))) expectedBalance[d.challenger] += d.bond;
            ++ghostDisputeTerminalEvents[disputeId];
        } else if (topic == IDisputes.DisputeDismissed.selector || topic == IDisputes.ResultPublished.selector) {
            ++ghostDisputeTerminalEvents[disputeId];
        } else if (topic == IDisputes.BondForfeited.selector) {
            // A lost bond, split as a slash is: the accused's share, the rest to the treasury.
            (uint256 toAccused, uint256 toTreasury) = abi.decode(log.data, (uint256, uint256));
            if (toAccused != uint256(d.bond) * shareBps / 10_000 || toAccused + toTreasury != d.bond) ++ghostBadSplits;
            expectedBalance[_addr(log.topics[2])] += toAccused;
            expectedBalance[treasury] += toTreasury;
            ghostBondsToTreasury += toTreasury;
        } else if (topic == IDisputes.ResultWithheld.selector) {
            expectedBalance[d.challenger] += d.bond;
            ++ghostDisputeTerminalEvents[disputeId];
        }
    }

    /*//////////////////////////////////////////////////////////////
                                 HELPERS
    //////////////////////////////////////////////////////////////*/

    /// @dev The trace a provider submits: a one-leaf tree whose root is leaf (1, checkpoint 1's hash).
    /// @dev Job `jobId`'s trace: checkpoints 0 … GAME_LAST_CHECKPOINT, the last one a depth-1 word tree over
    /// {_lastWords} (the stand-in machine's shape).
    function _traceHashes(uint256 jobId) internal pure returns (bytes32[4] memory hashes) {
        for (uint256 i; i < 3; ++i) hashes[i] = keccak256(abi.encode("c", jobId, i));
        bytes32[] memory words = _lastWords(jobId);
        hashes[3] = keccak256(abi.encodePacked(words[0], words[1]));
    }

    function _lastWords(uint256 jobId) internal pure returns (bytes32[] memory words) {
        words = new bytes32[](2);
        words[0] = keccak256(abi.encode("w", jobId));
    }

    function _leaf(bytes32[4] memory hashes, uint256 i) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(i, hashes[i]))));
    }

    /// @dev The OpenZeppelin StandardMerkleTree of the four leaves: (leaf 0, leaf 1) and (leaf 2, leaf 3) under the root.
    function _traceRoot(uint256 jobId) internal pure returns (bytes32) {
        bytes32[4] memory hashes = _traceHashes(jobId);
        return _pair(_pair(_leaf(hashes, 0), _leaf(hashes, 1)), _pair(_leaf(hashes, 2), _leaf(hashes, 3)));
    }

    function _pair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }

    /// @dev Checkpoints `from` … `from + count − 1` (a pair, or all four) with their multiproof.
    function _traceBatch(bytes32[4] memory hashes, uint64 from, uint256 count)
        internal
        pure
        returns (IDisputes.TraceBatch memory batch)
    {
        batch.from = from;
        batch.hashes = new bytes32[](count);
        for (uint256 i; i < count; ++i) batch.hashes[i] = hashes[from + i];
        batch.proof = new bytes32[](count == 4 ? 0 : 1);
        if (count == 2) batch.proof[0] = from == 0 ? _pair(_leaf(hashes, 2), _leaf(hashes, 3)) : _pair(_leaf(hashes, 0), _leaf(hashes, 1));
        // Each flag takes a hash's second input from the batch's hashes (true) or the proof (false): the leaves pair
        // up first, then meet the proof.
        batch.proofFlags = new bool[](count - 1 + batch.proof.length);
        for (uint256 i; i < count - 1; ++i) batch.proofFlags[i] = true;
    }

    /// @dev Checkpoint 1's segment: leaf 1, proven by leaf 0 and the (2, 3) pair.
    function _opening(uint256 jobId) internal pure returns (IDisputes.TraceOpening memory) {
        bytes32[4] memory hashes = _traceHashes(jobId);
        bytes32[] memory proof = new bytes32[](2);
        proof[0] = _leaf(hashes, 0);
        proof[1] = _pair(_leaf(hashes, 2), _leaf(hashes, 3));
        return IDisputes.TraceOpening({
            hashBefore: bytes32(0),
            proofBefore: new bytes32[](0),
            hashAfter: hashes[1],
            proofAfter: proof,
            program: abi.encode(GAME_LAST_CHECKPOINT)
        });
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    /// @dev The first job from a seeded offset that is in `status`, so actions rarely no-op.
    function _job(uint256 seed, IJobRegistry.JobStatus status)
        internal
        view
        returns (uint256 jobId, IJobRegistry.Job memory job)
    {
        uint256 count = jobRegistry.jobCount();
        for (uint256 k; k < count; ++k) {
            jobId = (seed + k) % count + 1;
            job = jobRegistry.getJob(jobId);
            if (job.status == status) return (jobId, job);
        }
    }

    /// @dev The first Open dispute from a seeded offset (status None if there is none).
    function _dispute(uint256 seed) internal view returns (uint256 disputeId, IDisputes.Dispute memory d) {
        uint256 count = disputes.disputeCount();
        for (uint256 k; k < count; ++k) {
            disputeId = (seed + k) % count + 1;
            d = disputes.getDispute(disputeId);
            if (d.status == IDisputes.DisputeStatus.Open) return (disputeId, d);
        }
        d.status = IDisputes.DisputeStatus.None;
    }

    function _sign(uint256 disputeId, bool providerWrong, address[] memory members, uint256 bitmap)
        internal
        view
        returns (bytes[] memory signatures)
    {
        bytes32 digest = disputes.verdictDigest(disputeId, providerWrong);
        signatures = new bytes[](_popCount(bitmap));
        uint256 next;
        for (uint256 i; i < members.length; ++i) {
            if (bitmap & (1 << i) == 0) continue;
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(_keyOf[members[i]], digest);
            signatures[next++] = abi.encodePacked(r, s, v);
        }
    }

    function _popCount(uint256 x) internal pure returns (uint256 count) {
        for (; x != 0; x &= x - 1) {
            ++count;
        }
    }

    function _addr(bytes32 topic) internal pure returns (address) {
        return address(uint160(uint256(topic)));
    }
}

/// @notice Protocol-wide invariants over random sequences of staking, auctions, results, disputes
/// (VRF committee draws, signed verdicts, expiries with and without a committee), validators exiting,
/// released and rejoining, storage-proof rounds whose faults slash storage
/// providers, keeper upkeeps and time warps.
contract ProtocolInvariantsTest is ProtocolBase {
    uint256 internal constant VALIDATORS = 4;

    ProtocolHandler internal handler;

    function setUp() public {
        _deployProtocol(IERC20(address(new VeritrainToken(address(this), 1e30))), 3, 2);
        _addValidators(VALIDATORS);
        handler = new ProtocolHandler(
            stakeManager, jobRegistry, committee, disputes, vrf, validatorKeys, datasetRegistry, storageProofs, verifier
        );
        for (uint256 i; i < handler.actorCount(); ++i) {
            token.transfer(handler.actors(i), handler.ACTOR_FUNDS());
        }
        handler.syncFunding();
        targetContract(address(handler));
    }

    function _terminal(IJobRegistry.JobStatus status) internal pure returns (bool) {
        return status == IJobRegistry.JobStatus.Finalized || status == IJobRegistry.JobStatus.Cancelled
            || status == IJobRegistry.JobStatus.Failed;
    }

    function _stakeTotal(address account) internal view returns (uint256) {
        IStakeManager.Stake memory s = stakeManager.stakeOf(account);
        return uint256(s.available) + s.locked + s.unbonding;
    }

    function _allStake() internal view returns (uint256 total) {
        for (uint256 i; i < handler.actorCount(); ++i) {
            total += _stakeTotal(handler.actors(i));
        }
        // Every validator ever joined, listed or released.
        for (uint256 i; i < validatorKeys.length; ++i) {
            total += _stakeTotal(vm.addr(validatorKeys[i]));
        }
        // Every storage provider ever joined, in the set or removed after a slash.
        for (uint256 i; i < storageProviders.length; ++i) {
            total += _stakeTotal(storageProviders[i]);
        }
    }

    function _openEscrow() internal view returns (uint256 total) {
        for (uint256 id = 1; id <= jobRegistry.jobCount(); ++id) {
            IJobRegistry.Job memory job = jobRegistry.getJob(id);
            if (!_terminal(job.status)) total += job.reward;
        }
    }

    function _openBonds() internal view returns (uint256 total) {
        for (uint256 id = 1; id <= disputes.disputeCount(); ++id) {
            IDisputes.Dispute memory d = disputes.getDispute(id);
            if (d.status == IDisputes.DisputeStatus.Open || d.status == IDisputes.DisputeStatus.InGame) total += d.bond;
        }
    }

    function _unsettledStoragePayments() internal view returns (uint256 total) {
        for (uint256 id = 1; id <= datasetRegistry.datasetCount(); ++id) {
            IDatasetRegistry.Dataset memory d = datasetRegistry.getDataset(id);
            if (d.status == IDatasetRegistry.DatasetStatus.Placing || d.status == IDatasetRegistry.DatasetStatus.Active) total += d.payment;
        }
    }

    /// @notice The game actions the campaign draws keep every book: a game a challenger opens and the provider loses on
    /// time (slashed, refunded), and a committee dispute its provider forces into a game that the provider wins.
    function test_gameDisputes_keepTheBooks() public {
        handler.stake(1, 3_000e18);
        handler.stake(3, 3_000e18);
        handler.post(0, 1_000e18, 500e18, 1 hours, 1 days, 1 days);
        handler.bid(0, 1, 600e18);
        handler.settleAuction(0, true);
        handler.challengeByGame(0, 2);
        assertEq(uint8(disputes.getDispute(1).status), uint8(IDisputes.DisputeStatus.InGame));
        invariant_protocolBalance_equalsEscrowBondsAndStake();
        handler.timeoutGame(0);
        assertEq(uint8(disputes.getDispute(1).status), uint8(IDisputes.DisputeStatus.ProviderWrong));
        assertEq(uint8(jobRegistry.getJob(1).status), uint8(IJobRegistry.JobStatus.Failed));

        handler.post(4, 2_000e18, 500e18, 1 hours, 1 days, 1 days);
        handler.bid(1, 3, 700e18);
        handler.settleAuction(1, true);
        handler.challenge(1, 2, 1, 0, 0);
        handler.forceGame(1);
        assertEq(uint8(disputes.getDispute(2).status), uint8(IDisputes.DisputeStatus.InGame));
        handler.timeoutGame(1);
        assertEq(uint8(disputes.getDispute(2).status), uint8(IDisputes.DisputeStatus.ProviderWrong), "the silent provider lost");
        assertEq(disputes.game().gameCount(), 2);
        invariant_protocolBalance_equalsEscrowBondsAndStake();
        invariant_payouts_matchEventsAndSlashes();
        invariant_jobs_payOutAtMostOnce();
        invariant_stake_accountedPerAccount();
    }

    /// @notice A dispute of a result as published, on a job that commits no program: the provider cannot force it, its
    /// committee settles it with no force period to wait out, and every book holds.
    function test_resultDisputes_withoutProgram_areTheCommittees() public {
        handler.stake(1, 3_000e18);
        handler.post(0, 1_000e18 + 1, 500e18, 1 hours, 1 days, 1 days); // an odd reward: no program
        handler.bid(0, 1, 600e18);
        handler.settleAuction(0, true);
        uint256 challengedAt = block.timestamp;
        handler.challengeResult(0, 2, 1, 0); // the committee drawn
        assertEq(disputes.getDispute(1).checkpointIndex, disputes.RESULT_DISPUTE());
        handler.forceGame(0);
        assertEq(uint8(disputes.getDispute(1).status), uint8(IDisputes.DisputeStatus.Open), "not forced");
        handler.publishResult(0, 3, 0);
        assertEq(uint8(disputes.getDispute(1).status), uint8(IDisputes.DisputeStatus.Open), "nothing to publish");
        handler.settleVerdict(0, true, 0);
        assertEq(block.timestamp, challengedAt, "no force period waited out");
        assertEq(uint8(disputes.getDispute(1).status), uint8(IDisputes.DisputeStatus.ProviderWrong));
        assertEq(uint8(jobRegistry.getJob(1).status), uint8(IJobRegistry.JobStatus.Failed));
        invariant_protocolBalance_equalsEscrowBondsAndStake();
        invariant_payouts_matchEventsAndSlashes();
        invariant_jobs_payOutAtMostOnce();
        invariant_stake_accountedPerAccount();
    }

    /// @notice A dispute of a result as published, on a job that commits a program, draws no committee: published in
    /// time, the result stands and the bond is the provider's; the next one, left unanswered, fails the provider at
    /// its deadline. Every book holds.
    function test_resultDisputes_withProgram_areAnsweredByPublication() public {
        handler.stake(1, 3_000e18);
        handler.post(0, 1_000e18, 500e18, 1 hours, 1 days, 1 days); // an even reward: the stand-in program
        handler.bid(0, 1, 600e18);
        handler.settleAuction(0, true);
        handler.challengeResult(0, 2, 1, 0); // no committee requested: the draw does nothing
        assertEq(uint8(disputes.getDispute(1).status), uint8(IDisputes.DisputeStatus.Open));
        handler.publishResult(0, 3, 1); // by a third party, in two trace batches
        assertEq(uint8(disputes.getDispute(1).status), uint8(IDisputes.DisputeStatus.ChallengerWrong));
        assertEq(uint8(jobRegistry.getJob(1).status), uint8(IJobRegistry.JobStatus.Submitted), "the window resumes");
        assertEq(disputes.publishedIn(1), 1);

        handler.post(1, 1_000e18, 500e18, 1 hours, 1 days, 1 days);
        handler.bid(1, 1, 600e18);
        handler.settleAuction(1, true);
        handler.challengeResult(1, 2, 0, 0);
        assertEq(disputes.getDispute(2).jobId, 2);
        handler.expireDispute(1);
        assertEq(uint8(disputes.getDispute(2).status), uint8(IDisputes.DisputeStatus.ProviderWrong), "silence loses");
        assertEq(uint8(jobRegistry.getJob(2).status), uint8(IJobRegistry.JobStatus.Failed));
        invariant_protocolBalance_equalsEscrowBondsAndStake();
        invariant_payouts_matchEventsAndSlashes();
        invariant_jobs_payOutAtMostOnce();
        invariant_stake_accountedPerAccount();
    }

    /// @notice The protocol holds exactly open escrow + open bonds + all stake + unsettled storage payments,
    /// contract by contract.
    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 100
    function invariant_protocolBalance_equalsEscrowBondsAndStake() public view {
        uint256 escrow = _openEscrow();
        uint256 bonds = _openBonds();
        uint256 stakes = _allStake();
        uint256 storagePayments = _unsettledStoragePayments();
        assertEq(token.balanceOf(address(jobRegistry)), escrow, "JobRegistry holds open escrow");
        assertEq(token.balanceOf(address(disputes)), bonds, "Disputes holds open bonds");
        assertEq(token.balanceOf(address(stakeManager)), stakes, "StakeManager holds all stake");
        assertEq(token.balanceOf(address(datasetRegistry)), storagePayments, "DatasetRegistry holds the unsettled storage payments");
        assertEq(
            token.balanceOf(address(jobRegistry)) + token.balanceOf(address(disputes))
                + token.balanceOf(address(stakeManager)) + token.balanceOf(address(datasetRegistry)),
            escrow + bonds + stakes + storagePayments,
            "protocol balance"
        );
    }

    /// @notice Storage payments out never exceed payments in (DatasetRegistry holds the difference), and a
    /// settlement pays only holders that accepted their column and stayed sound.
    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 100
    function invariant_storagePayments_outAtMostIn() public view {
        assertLe(handler.ghostStorageOut(), handler.ghostStorageIn(), "payments out <= payments in");
        assertEq(token.balanceOf(address(datasetRegistry)), handler.ghostStorageIn() - handler.ghostStorageOut(), "in - out held");
        assertEq(handler.ghostWrongStoragePayouts(), 0, "a faulty, unaccepted or replaced holder was paid");
    }

    /// @notice Every module slashes and unlocks only stake it locked: per module and account, slashed +
    /// unlocked <= locked, and an account's locked stake is exactly what its modules still hold.
    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 100
    function invariant_slashes_boundedByModuleLocks() public view {
        address[3] memory modules = [address(jobRegistry), address(committee), address(datasetRegistry)];
        uint256 accounts = handler.actorCount() + handler.validatorAccountCount() + handler.storageAccountCount();
        for (uint256 i; i < accounts; ++i) {
            address account = i < handler.actorCount()
                ? handler.actors(i)
                : i < handler.actorCount() + handler.validatorAccountCount()
                    ? handler.validatorAccounts(i - handler.actorCount())
                    : handler.storageAccounts(i - handler.actorCount() - handler.validatorAccountCount());
            uint256 held;
            for (uint256 m; m < modules.length; ++m) {
                uint256 locked = handler.ghostLockedBy(modules[m], account);
                uint256 released = handler.ghostSlashedBy(modules[m], account) + handler.ghostUnlockedBy(modules[m], account);
                assertLe(released, locked, "a module slashed or unlocked stake it did not lock");
                held += locked - released;
            }
            assertEq(stakeManager.stakeOf(account).locked, held, "locked = what the modules hold");
        }
    }

    /// @notice Stake never goes negative or leaks: the sum of per-account stakes is what was staked,
    /// minus what was withdrawn and slashed; each provider's locked stake is exactly the minStake
    /// of the jobs it leads or holds; each validator's is validatorStake from join to release, and
    /// every committee member was eligible at its dispute's request.
    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 100
    function invariant_stake_accountedPerAccount() public view {
        assertEq(
            _allStake(),
            VALIDATORS * uint256(VALIDATOR_STAKE) + DATASET_PROVIDERS * uint256(PROVIDER_STAKE) + handler.ghostStakedIn()
                - handler.ghostWithdrawn()
                - handler.ghostSlashed(),
            "stake books"
        );
        // Validators lock stake only through the committee: validatorStake from join to release.
        for (uint256 i; i < validatorKeys.length; ++i) {
            address v = vm.addr(validatorKeys[i]);
            bool listed = committee.validatorOf(v).account == v;
            assertEq(stakeManager.stakeOf(v).locked, listed ? VALIDATOR_STAKE : 0, "validator stake locked until release");
        }
        assertEq(handler.ghostIneligibleMembers(), 0, "committee member not eligible at its request");
        for (uint256 i; i < handler.actorCount(); ++i) {
            address a = handler.actors(i);
            uint256 obligations;
            for (uint256 id = 1; id <= jobRegistry.jobCount(); ++id) {
                IJobRegistry.Job memory job = jobRegistry.getJob(id);
                if (job.provider == a && !_terminal(job.status)) obligations += job.minStake;
            }
            assertEq(stakeManager.stakeOf(a).locked, obligations, "locked == open obligations");
        }
        for (uint256 i; i < storageProviders.length; ++i) {
            address p = storageProviders[i];
            assertEq(stakeManager.stakeOf(p).locked, datasetRegistry.lockedStakeOf(p), "storage stake booked by the registry");
            assertLe(datasetRegistry.lockedStakeOf(p), PROVIDER_STAKE, "never more than providerStake");
        }
    }

    /// @notice A job pays out at most once and never more than its reward; a terminal job paid out
    /// exactly its reward, a live one nothing. Disputes end at most once, and have ended once they are neither open nor
    /// in a game.
    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 100
    function invariant_jobs_payOutAtMostOnce() public view {
        for (uint256 id = 1; id <= jobRegistry.jobCount(); ++id) {
            IJobRegistry.Job memory job = jobRegistry.getJob(id);
            uint256 paid = handler.ghostPaidOut(id);
            assertLe(handler.ghostJobTerminalEvents(id), 1, "terminal status reached twice");
            assertLe(paid, job.reward, "paid more than the reward");
            if (_terminal(job.status)) {
                assertEq(handler.ghostJobTerminalEvents(id), 1, "terminal without payout event");
                assertEq(paid, job.reward, "terminal job paid out its whole escrow");
            } else {
                assertEq(paid, 0, "live job paid out");
            }
        }
        for (uint256 id = 1; id <= disputes.disputeCount(); ++id) {
            uint256 ended = handler.ghostDisputeTerminalEvents(id);
            assertLe(ended, 1, "dispute ended twice");
            IDisputes.DisputeStatus status = disputes.getDispute(id).status;
            // A dispute in a game (InGame) is as live as an open one: it ends when the game does.
            bool live = status == IDisputes.DisputeStatus.Open || status == IDisputes.DisputeStatus.InGame;
            assertEq(ended == 1, !live, "dispute status");
        }
    }

    /// @notice Every account holds exactly what the events say it was paid; in particular the treasury
    /// and slash beneficiaries gain only what was slashed, split beneficiaryShareBps / rest, and the treasury the
    /// rest of each lost challenge bond (split the same way).
    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 100
    function invariant_payouts_matchEventsAndSlashes() public view {
        assertEq(handler.ghostBadSplits(), 0, "slash split");
        assertEq(handler.ghostToBeneficiaries() + handler.ghostToTreasury(), handler.ghostSlashed(), "slash parts");
        uint256 treasuryIn = handler.ghostToTreasury() + handler.ghostBondsToTreasury();
        assertEq(token.balanceOf(treasury), treasuryIn, "treasury gains only slashes and lost bonds' rests");
        assertEq(handler.expectedBalance(treasury), treasuryIn);
        for (uint256 i; i < handler.actorCount(); ++i) {
            address a = handler.actors(i);
            assertEq(token.balanceOf(a), handler.expectedBalance(a), "actor balance");
        }
    }
}
