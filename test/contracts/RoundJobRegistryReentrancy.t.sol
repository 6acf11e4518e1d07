// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IRoundJobRegistry} from "../../contracts/interfaces/IRoundJobRegistry.sol";
import {IStakeManager} from "../../contracts/interfaces/IStakeManager.sol";
import {ProtocolBase} from "./utils/ProtocolBase.sol";
import {ReentrantAttacker, ReentrantToken} from "./utils/ReentrantToken.sol";

/// @notice RoundJobRegistry over a token that calls its receivers back: a paid slot, a refunded consumer
/// and a consumer paid a slash share each re-enter to be paid twice; every attempt fails with
/// ReentrancyGuardReentrantCall and balances end as after a single payout.
contract RoundJobRegistryReentrancyTest is ProtocolBase {
    uint96 internal constant PRICE_LIMIT = 100e18;
    uint96 internal constant MIN_STAKE = 300e18;

    ReentrantToken internal evilToken;
    ReentrantAttacker internal attacker;
    address internal consumer = makeAddr("consumer");
    address internal honest = makeAddr("honest provider");

    function setUp() public {
        evilToken = new ReentrantToken(address(this), 1e30);
        _deployProtocol(IERC20(address(evilToken)), 3, 2);
        attacker = new ReentrantAttacker(evilToken);
        _fund(consumer, 10_000e18);
        _fund(honest, 10_000e18);
        _fund(address(attacker), 10_000e18);
        vm.prank(honest);
        stakeManager.stake(1_000e18);
        attacker.execute(address(stakeManager), abi.encodeCall(IStakeManager.stake, (1_000e18)));
    }

    function _order() internal pure returns (IRoundJobRegistry.RoundOrder memory) {
        return IRoundJobRegistry.RoundOrder({
            datasetId: DATASET_ID,
            specDigest: keccak256("round spec"),
            priceLimit: PRICE_LIMIT,
            minStake: MIN_STAKE,
            slots: 2,
            rounds: 1,
            biddingPeriod: 1 hours,
            roundPeriod: 2 hours,
            aggregationPeriod: 1 hours,
            challengeWindow: 1 hours,
            continueOnFault: true,
            aggregation: bytes32(0)
        });
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

    /// @dev Job posted by `poster`, slot 0 the attacker (40), slot 1 the honest provider (60), round 0 training.
    function _running(address poster) internal returns (uint256 jobId) {
        if (poster == address(attacker)) {
            jobId = abi.decode(
                attacker.execute(address(roundJobRegistry), abi.encodeCall(IRoundJobRegistry.post, (_order()))), (uint256)
            );
        } else {
            vm.prank(poster);
            jobId = roundJobRegistry.post(_order());
        }
        attacker.execute(address(roundJobRegistry), abi.encodeCall(IRoundJobRegistry.bid, (jobId, 40e18)));
        vm.prank(honest);
        roundJobRegistry.bid(jobId, 60e18);
        vm.warp(block.timestamp + 1 hours);
        _settleRoundJob(jobId);
    }

    function test_advance_paidSlotReenters_reverts() public {
        uint256 jobId = _running(consumer);
        attacker.execute(address(roundJobRegistry), abi.encodeCall(IRoundJobRegistry.commitUpdate, (jobId, 0, keccak256("a"))));
        vm.prank(honest);
        roundJobRegistry.commitUpdate(jobId, 0, keccak256("h"));
        vm.prank(honest);
        roundJobRegistry.postAggregate(jobId, 0, keccak256("g"));
        vm.warp(block.timestamp + 1 hours);
        uint256 before = evilToken.balanceOf(address(attacker));
        attacker.arm(address(roundJobRegistry), abi.encodeCall(IRoundJobRegistry.advance, (jobId)));
        roundJobRegistry.advance(jobId);
        _assertReentryBlocked();
        assertEq(evilToken.balanceOf(address(attacker)), before + 40e18, "paid once");
        assertEq(evilToken.balanceOf(address(roundJobRegistry)), 0, "escrow paid out once");
    }

    function test_cancel_refundedConsumerReenters_reverts() public {
        uint256 jobId = abi.decode(
            attacker.execute(address(roundJobRegistry), abi.encodeCall(IRoundJobRegistry.post, (_order()))), (uint256)
        );
        uint256 before = evilToken.balanceOf(address(attacker));
        attacker.arm(address(roundJobRegistry), abi.encodeCall(IRoundJobRegistry.cancel, (jobId)));
        attacker.execute(address(roundJobRegistry), abi.encodeCall(IRoundJobRegistry.cancel, (jobId)));
        _assertReentryBlocked();
        assertEq(evilToken.balanceOf(address(attacker)), before + 2 * uint256(PRICE_LIMIT), "refunded once");
    }

    function test_closeRound_slashBeneficiaryReenters_reverts() public {
        uint256 jobId = _running(address(attacker));
        // The attacker (consumer and slot 0) commits; the honest slot misses the deadline and is slashed to it.
        attacker.execute(address(roundJobRegistry), abi.encodeCall(IRoundJobRegistry.commitUpdate, (jobId, 0, keccak256("a"))));
        vm.warp(block.timestamp + 2 hours);
        attacker.arm(address(roundJobRegistry), abi.encodeCall(IRoundJobRegistry.expireRound, (jobId)));
        roundJobRegistry.closeRound(jobId);
        _assertReentryBlocked();
        assertEq(uint8(roundJobRegistry.getRoundJob(jobId).status), uint8(IRoundJobRegistry.RoundJobStatus.Aggregating));
        assertEq(stakeManager.stakeOf(honest).locked, 0, "honest slot slashed");
    }
}
