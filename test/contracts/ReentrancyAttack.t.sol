// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "forge-std/Vm.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IJobRegistry} from "../../contracts/interfaces/IJobRegistry.sol";
import {IDisputes} from "../../contracts/interfaces/IDisputes.sol";
import {IStakeManager} from "../../contracts/interfaces/IStakeManager.sol";
import {IDatasetRegistry} from "../../contracts/interfaces/IDatasetRegistry.sol";
import {IStorageProofs} from "../../contracts/interfaces/IStorageProofs.sol";
import {ProtocolBase} from "./utils/ProtocolBase.sol";
import {ReentrantAttacker, ReentrantToken} from "./utils/ReentrantToken.sol";

/// @notice The protocol deployed over a token that calls its receivers back. Every payout path is
/// re-entered by the paid account trying to be paid twice; each attempt must fail with
/// ReentrancyGuardReentrantCall and leave balances exactly as after a single payout.
contract ReentrancyAttackTest is ProtocolBase {
    uint96 internal constant REWARD = 1_000e18;
    uint96 internal constant MIN_STAKE = 500e18;
    uint96 internal constant PRICE = 600e18;

    ReentrantToken internal evilToken;
    ReentrantAttacker internal attacker;
    address internal consumer = makeAddr("consumer");
    address internal provider = makeAddr("provider");
    address internal challenger = makeAddr("challenger");

    function setUp() public {
        evilToken = new ReentrantToken(address(this), 1e30);
        _deployProtocol(IERC20(address(evilToken)), 3, 2);
        _addValidators(3);
        attacker = new ReentrantAttacker(evilToken);
        _fund(consumer, 10_000e18);
        _fund(provider, 10_000e18);
        _fund(challenger, 10_000e18);
        _fund(address(attacker), 10_000e18);
    }

    function _as(address target, bytes memory data) internal returns (bytes memory) {
        return attacker.execute(target, data);
    }

    function _assertReentryBlocked() internal view {
        assertTrue(attacker.attempted(), "reentry attempted");
        assertFalse(attacker.reentrySucceeded(), "reentry succeeded");
        assertEq(
            attacker.reentryResult(),
            abi.encodeWithSelector(ReentrancyGuard.ReentrancyGuardReentrantCall.selector),
            "reentry error"
        );
    }

    /// @dev Posts a job as `poster` and returns its id.
    function _post(address poster) internal returns (uint256 jobId) {
        bytes memory call = abi.encodeCall(IJobRegistry.post, (_order(REWARD, MIN_STAKE)));
        if (poster == address(attacker)) return abi.decode(_as(address(jobRegistry), call), (uint256));
        vm.prank(poster);
        return jobRegistry.post(_order(REWARD, MIN_STAKE));
    }

    /// @dev Drives job `jobId` with `bidder` to Submitted.
    function _assignAndSubmit(uint256 jobId, address bidder) internal {
        if (bidder == address(attacker)) {
            _as(address(stakeManager), abi.encodeCall(IStakeManager.stake, (MIN_STAKE)));
            _as(address(jobRegistry), abi.encodeCall(IJobRegistry.bid, (jobId, PRICE)));
        } else {
            vm.startPrank(bidder);
            stakeManager.stake(MIN_STAKE);
            jobRegistry.bid(jobId, PRICE);
            vm.stopPrank();
        }
        vm.warp(block.timestamp + 1 hours);
        jobRegistry.settleAuction(jobId);
        bytes memory submit = abi.encodeCall(IJobRegistry.submitResult, (jobId, keccak256("w"), keccak256("t"), 9900));
        if (bidder == address(attacker)) {
            _as(address(jobRegistry), submit);
        } else {
            vm.prank(bidder);
            (bool ok,) = address(jobRegistry).call(submit);
            assertTrue(ok, "submit");
        }
    }

    /// @notice A provider re-entering finalize while being paid cannot be paid twice.
    function test_finalize_reentrantProvider_reverts() public {
        uint256 jobId = _post(consumer);
        _assignAndSubmit(jobId, address(attacker));
        vm.warp(block.timestamp + 2 hours);
        uint256 before = evilToken.balanceOf(address(attacker));
        uint256 consumerBefore = evilToken.balanceOf(consumer);
        attacker.arm(address(jobRegistry), abi.encodeCall(IJobRegistry.finalize, (jobId)));

        jobRegistry.finalize(jobId);

        _assertReentryBlocked();
        assertEq(evilToken.balanceOf(address(attacker)), before + PRICE, "paid once");
        assertEq(evilToken.balanceOf(consumer), consumerBefore + REWARD - PRICE, "refund once");
        assertEq(evilToken.balanceOf(address(jobRegistry)), 0, "escrow emptied exactly");
        assertEq(stakeManager.stakeOf(address(attacker)).available, MIN_STAKE, "stake unlocked once");
        assertEq(stakeManager.stakeOf(address(attacker)).locked, 0);
        assertEq(uint8(jobRegistry.getJob(jobId).status), uint8(IJobRegistry.JobStatus.Finalized));
    }

    /// @notice Finalizing through performUpkeep shares the guard: re-entering finalize still fails.
    function test_performUpkeep_reentrantProvider_reverts() public {
        uint256 jobId = _post(consumer);
        _assignAndSubmit(jobId, address(attacker));
        vm.warp(block.timestamp + 2 hours);
        (bool needed, bytes memory performData) = jobRegistry.checkUpkeep("");
        assertTrue(needed);
        uint256 before = evilToken.balanceOf(address(attacker));
        attacker.arm(address(jobRegistry), abi.encodeCall(IJobRegistry.finalize, (jobId)));

        jobRegistry.performUpkeep(performData);

        _assertReentryBlocked();
        assertEq(evilToken.balanceOf(address(attacker)), before + PRICE, "paid once");
        assertEq(evilToken.balanceOf(address(jobRegistry)), 0, "escrow emptied exactly");
    }

    /// @notice A consumer re-entering cancel while refunded cannot be refunded twice.
    function test_cancel_reentrantConsumer_reverts() public {
        uint256 otherJob = _post(consumer);
        uint256 before = evilToken.balanceOf(address(attacker));
        uint256 jobId = _post(address(attacker));
        attacker.arm(address(jobRegistry), abi.encodeCall(IJobRegistry.cancel, (jobId)));

        _as(address(jobRegistry), abi.encodeCall(IJobRegistry.cancel, (jobId)));

        _assertReentryBlocked();
        assertEq(evilToken.balanceOf(address(attacker)), before, "refunded exactly once");
        assertEq(evilToken.balanceOf(address(jobRegistry)), REWARD, "the other job's escrow is intact");
        assertEq(uint8(jobRegistry.getJob(otherJob).status), uint8(IJobRegistry.JobStatus.Bidding));
    }

    /// @notice A consumer re-entering settleAuction while refunded for a bid-less job cannot be refunded twice.
    function test_settleAuction_noBidReentrantConsumer_reverts() public {
        _post(consumer);
        uint256 before = evilToken.balanceOf(address(attacker));
        uint256 jobId = _post(address(attacker));
        vm.warp(block.timestamp + 1 hours);
        attacker.arm(address(jobRegistry), abi.encodeCall(IJobRegistry.settleAuction, (jobId)));

        jobRegistry.settleAuction(jobId);

        _assertReentryBlocked();
        assertEq(evilToken.balanceOf(address(attacker)), before, "refunded exactly once");
        assertEq(evilToken.balanceOf(address(jobRegistry)), REWARD, "the other job's escrow is intact");
        assertEq(uint8(jobRegistry.getJob(jobId).status), uint8(IJobRegistry.JobStatus.Failed));
    }

    /// @notice A staker re-entering withdraw while paid cannot withdraw twice (others' stake stays).
    function test_withdraw_reentrantStaker_reverts() public {
        vm.prank(provider);
        stakeManager.stake(MIN_STAKE);
        uint256 before = evilToken.balanceOf(address(attacker));
        _as(address(stakeManager), abi.encodeCall(IStakeManager.stake, (MIN_STAKE)));
        _as(address(stakeManager), abi.encodeCall(IStakeManager.startUnbonding, (MIN_STAKE)));
        vm.warp(block.timestamp + UNBONDING_DELAY);
        attacker.arm(address(stakeManager), abi.encodeCall(IStakeManager.withdraw, ()));

        _as(address(stakeManager), abi.encodeCall(IStakeManager.withdraw, ()));

        _assertReentryBlocked();
        assertEq(evilToken.balanceOf(address(attacker)), before, "withdrawn exactly once");
        assertEq(
            evilToken.balanceOf(address(stakeManager)),
            MIN_STAKE + 3 * uint256(VALIDATOR_STAKE) + DATASET_PROVIDERS * uint256(PROVIDER_STAKE),
            "other stake intact"
        );
    }

    /// @notice A consumer paid its slash share during expire cannot re-enter the registry (cancel)
    /// mid-slash; after the expiry it cancels once and gets exactly its escrow back.
    function test_expire_reentrantSlashBeneficiary_reverts() public {
        uint256 jobId = _post(address(attacker));
        uint256 afterPost = evilToken.balanceOf(address(attacker));
        _assignAndSubmitless(jobId);
        vm.warp(block.timestamp + 1 days);
        attacker.arm(address(jobRegistry), abi.encodeCall(IJobRegistry.cancel, (jobId)));

        jobRegistry.expire(jobId);

        _assertReentryBlocked();
        uint256 share = uint256(MIN_STAKE) * SHARE_BPS / 10_000;
        assertEq(evilToken.balanceOf(address(attacker)), afterPost + share, "slash share paid once");
        assertEq(evilToken.balanceOf(treasury), MIN_STAKE - share, "treasury share");
        assertEq(evilToken.balanceOf(address(jobRegistry)), REWARD, "escrow still held");
        _as(address(jobRegistry), abi.encodeCall(IJobRegistry.cancel, (jobId)));
        assertEq(evilToken.balanceOf(address(attacker)), afterPost + share + REWARD, "escrow refunded once");
        assertEq(evilToken.balanceOf(address(jobRegistry)), 0);
    }

    /// @dev Honest provider wins job `jobId` and then misses its execution deadline.
    function _assignAndSubmitless(uint256 jobId) internal {
        vm.startPrank(provider);
        stakeManager.stake(MIN_STAKE);
        jobRegistry.bid(jobId, PRICE);
        vm.stopPrank();
        vm.warp(block.timestamp + 1 hours);
        jobRegistry.settleAuction(jobId);
    }

    /// @dev The attacker challenges job `jobId`; the committee is drawn. Returns the dispute id.
    function _attackerChallenges(uint256 jobId) internal returns (uint256 disputeId) {
        vm.recordLogs();
        disputeId = abi.decode(
            _as(address(disputes), abi.encodeCall(IDisputes.challenge, (jobId, 3, keccak256("claimed")))), (uint256)
        );
        Vm.Log[] memory logs = vm.getRecordedLogs();
        vrf.fulfillRandomWords(_requestIdFromLogs(logs, disputeId), address(committee));
    }

    /// @notice A challenger re-entering Disputes.expire while its bond returns cannot get it twice.
    function test_disputeExpire_reentrantChallenger_reverts() public {
        uint256 jobId = _post(consumer);
        _assignAndSubmit(jobId, provider);
        uint256 before = evilToken.balanceOf(address(attacker));
        uint256 disputeId = _attackerChallenges(jobId);
        vm.warp(block.timestamp + VERDICT_PERIOD);
        attacker.arm(address(disputes), abi.encodeCall(IDisputes.expire, (disputeId)));

        disputes.expire(disputeId);

        _assertReentryBlocked();
        assertEq(evilToken.balanceOf(address(attacker)), before, "bond returned exactly once");
        assertEq(evilToken.balanceOf(address(disputes)), 0, "no bond left or overdrawn");
        assertEq(uint8(jobRegistry.getJob(jobId).status), uint8(IJobRegistry.JobStatus.Submitted));
    }

    /// @notice A challenger re-entering Disputes.expire while its bond returns from a dispute that never got
    /// a committee cannot get it twice; the consumer is refunded once and the provider's stake unlocks once.
    function test_disputeExpireNoCommittee_reentrantChallenger_reverts() public {
        uint256 jobId = _post(consumer);
        _assignAndSubmit(jobId, provider);
        uint256 before = evilToken.balanceOf(address(attacker));
        uint256 consumerBefore = evilToken.balanceOf(consumer);
        uint256 disputeId = abi.decode(
            _as(address(disputes), abi.encodeCall(IDisputes.challenge, (jobId, 3, keccak256("claimed")))), (uint256)
        );
        vm.warp(block.timestamp + VERDICT_PERIOD);
        attacker.arm(address(disputes), abi.encodeCall(IDisputes.expire, (disputeId)));

        disputes.expire(disputeId);

        _assertReentryBlocked();
        assertEq(evilToken.balanceOf(address(attacker)), before, "bond returned exactly once");
        assertEq(evilToken.balanceOf(consumer), consumerBefore + REWARD, "consumer refunded once");
        assertEq(evilToken.balanceOf(address(disputes)), 0, "no bond left or overdrawn");
        assertEq(evilToken.balanceOf(address(jobRegistry)), 0, "no escrow left");
        assertEq(stakeManager.stakeOf(provider).locked, 0, "provider's stake unlocked, not slashed");
        assertEq(uint8(disputes.getDispute(disputeId).status), uint8(IDisputes.DisputeStatus.NoCommittee));
    }

    /// @notice A winning challenger re-entering settle while paid its slash share cannot settle twice:
    /// it ends with exactly its bond back plus the beneficiary share, the consumer with a full refund.
    function test_settle_reentrantChallenger_reverts() public {
        uint256 jobId = _post(consumer);
        _assignAndSubmit(jobId, provider);
        uint256 before = evilToken.balanceOf(address(attacker));
        uint256 consumerBefore = evilToken.balanceOf(consumer);
        uint256 disputeId = _attackerChallenges(jobId);
        bytes[] memory signatures = _signVerdict(disputeId, true, 0x3);
        attacker.arm(address(disputes), abi.encodeCall(IDisputes.settle, (disputeId, true, 0x3, signatures)));

        disputes.settle(disputeId, true, 0x3, signatures);

        _assertReentryBlocked();
        uint256 share = uint256(MIN_STAKE) * SHARE_BPS / 10_000;
        assertEq(evilToken.balanceOf(address(attacker)), before + share, "bond back plus share, once");
        assertEq(evilToken.balanceOf(consumer), consumerBefore + REWARD, "consumer refunded once");
        assertEq(evilToken.balanceOf(treasury), MIN_STAKE - share, "treasury share");
        assertEq(evilToken.balanceOf(address(disputes)), 0);
        assertEq(evilToken.balanceOf(address(jobRegistry)), 0);
        assertEq(uint8(disputes.getDispute(disputeId).status), uint8(IDisputes.DisputeStatus.ProviderWrong));
    }

    /// @notice A dataset owner paid its share of each missed-proof slash cannot re-enter closeRound
    /// mid-close: every missing proof is slashed exactly once.
    function test_closeRound_reentrantDatasetOwner_reverts() public {
        bytes32[] memory roots = new bytes32[](2);
        roots[0] = bytes32(uint256(1));
        roots[1] = bytes32(uint256(2));
        IDatasetRegistry.Registration memory r = IDatasetRegistry.Registration({
            manifestDigest: keccak256("attacker's manifest"),
            datasetRoot: bytes32(uint256(3)),
            columnRoots: roots,
            k: 1,
            n: 2,
            shardSize: 1024,
            stripeCount: 1,
            byteLength: 1000,
            payment: 1e18,
            term: 30 days,
            verifierVersion: 1
        });
        _as(address(evilToken), abi.encodeCall(evilToken.approve, (address(datasetRegistry), r.payment)));
        vm.recordLogs();
        uint256 datasetId = abi.decode(_as(address(datasetRegistry), abi.encodeCall(IDatasetRegistry.register, (r))), (uint256));
        _fulfillLogged(address(datasetRegistry), IDatasetRegistry.PlacementRequested.selector);
        datasetRegistry.applyPlacement(datasetId, 2);
        address[] memory holders = datasetRegistry.holders(datasetId);
        for (uint256 column; column < 2; ++column) {
            vm.prank(holders[column]);
            datasetRegistry.acceptColumn(datasetId, column);
        }
        IStorageProofs.Round memory round = _openProofRound(datasetId);
        vm.warp(round.deadline);
        uint256 before = evilToken.balanceOf(address(attacker));
        uint256 treasuryBefore = evilToken.balanceOf(treasury);
        attacker.arm(address(storageProofs), abi.encodeCall(IStorageProofs.closeRound, (datasetId)));

        storageProofs.closeRound(datasetId);

        _assertReentryBlocked();
        uint256 share = uint256(FAULT_PENALTY) * SHARE_BPS / 10_000;
        assertEq(evilToken.balanceOf(address(attacker)), before + 2 * share, "one share per missed column");
        assertEq(evilToken.balanceOf(treasury), treasuryBefore + 2 * (FAULT_PENALTY - share), "treasury shares");
        for (uint256 column; column < 2; ++column) {
            assertEq(stakeManager.stakeOf(holders[column]).locked, PROVIDER_STAKE - FAULT_PENALTY, "slashed once");
        }
        assertEq(uint8(storageProofs.currentRound(datasetId).status), uint8(IStorageProofs.RoundStatus.Closed));
    }
}
