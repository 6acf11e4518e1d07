// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {CommonBase} from "forge-std/Base.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {VRFCoordinatorV2_5Mock} from "@chainlink/contracts/src/v0.8/vrf/mocks/VRFCoordinatorV2_5Mock.sol";
import {VRFV2PlusClient} from "@chainlink/contracts/src/v0.8/vrf/dev/libraries/VRFV2PlusClient.sol";
import {StakeManager} from "../../contracts/staking/StakeManager.sol";
import {ValidatorCommittee} from "../../contracts/disputes/ValidatorCommittee.sol";
import {VrfConsumer} from "../../contracts/randomness/VrfConsumer.sol";
import {IValidatorCommittee} from "../../contracts/interfaces/IValidatorCommittee.sol";
import {CommitteeDraw} from "../../contracts/libraries/CommitteeDraw.sol";
import {VeritrainToken} from "../../contracts/token/VeritrainToken.sol";

/// @notice The committee draw as IValidatorCommittee specifies it, written the plain way: the whole
/// list of positions in memory, shuffled step by step. The contract must pick exactly the same members.
library ReferenceDraw {
    function draw(IValidatorCommittee.Validator[] memory entries, uint256 seed, uint256 range, uint256 requestedAt, uint256 size)
        internal
        pure
        returns (address[] memory members)
    {
        return firstSteps(entries, seed, range, requestedAt, size, range);
    }

    /// @notice The members the draw's first `steps` steps pick.
    function firstSteps(
        IValidatorCommittee.Validator[] memory entries,
        uint256 seed,
        uint256 range,
        uint256 requestedAt,
        uint256 size,
        uint256 steps
    ) internal pure returns (address[] memory members) {
        uint256[] memory order = new uint256[](range);
        for (uint256 i; i < range; ++i) {
            order[i] = i;
        }
        address[] memory picked = new address[](size);
        uint256 count;
        for (uint256 i; i < steps && count < size; ++i) {
            uint256 j = i + uint256(keccak256(abi.encode(seed, i))) % (range - i);
            (order[i], order[j]) = (order[j], order[i]);
            IValidatorCommittee.Validator memory e = entries[order[i]];
            if (e.account != address(0) && e.joinedAt <= requestedAt && (e.leftAt == 0 || e.leftAt > requestedAt)) {
                picked[count++] = e.account;
            }
        }
        members = new address[](count);
        for (uint256 i; i < count; ++i) {
            members[i] = picked[i];
        }
    }
}

/// @notice A VRF coordinator whose request needs a lot of gas (2M): a caller can then give the committee enough
/// gas to finish after the coordinator ran out (1/64 of it is kept back), unless the committee refuses that.
contract GasHungryCoordinator {
    uint256 public constant REQUEST_GAS = 2_000_000;

    function requestRandomWords(VRFV2PlusClient.RandomWordsRequest calldata) external view returns (uint256) {
        uint256 start = gasleft();
        while (start - gasleft() < REQUEST_GAS) {}
        return 1;
    }
}

/// @notice Holds a validator list in storage so {CommitteeDraw-draw} can be called on it directly.
contract CommitteeDrawHarness {
    IValidatorCommittee.Validator[] internal _entries;

    function push(IValidatorCommittee.Validator calldata entry) external {
        _entries.push(entry);
    }

    function draw(uint256 seed, uint256 range, uint256 requestedAt, uint256 size)
        external
        view
        returns (address[] memory members, bool finished)
    {
        return CommitteeDraw.draw(_entries, seed, range, requestedAt, size);
    }
}

/// @notice Deploys a standalone committee whose requester is the deploying test contract.
abstract contract CommitteeSetup is Test {
    uint96 internal constant VALIDATOR_STAKE = 10e18;
    uint32 internal constant EXIT_DELAY = 2 days;

    VeritrainToken internal token;
    StakeManager internal stakeManager;
    VRFCoordinatorV2_5Mock internal vrf;
    ValidatorCommittee internal committee;
    uint256 internal subId;

    function _deploy(uint8 size, uint8 threshold) internal {
        token = new VeritrainToken(address(this), 1e30);
        stakeManager = new StakeManager(token, makeAddr("treasury"), 1 days, 5000, address(this));
        vrf = new VRFCoordinatorV2_5Mock(0, 0, 1e18);
        subId = vrf.createSubscription();
        vrf.fundSubscription(subId, 100 ether);
        committee = new ValidatorCommittee(
            address(vrf),
            makeAddr("governance"),
            stakeManager,
            IValidatorCommittee.Config({
                keyHash: bytes32(0),
                subscriptionId: subId,
                callbackGasLimit: 2_500_000,
                requestConfirmations: 3,
                size: size,
                threshold: threshold,
                validatorStake: VALIDATOR_STAKE
            }),
            EXIT_DELAY,
            address(this)
        );
        vrf.addConsumer(subId, address(committee));
        stakeManager.grantRole(stakeManager.MODULE_ROLE(), address(committee));
        committee.grantRole(committee.REQUESTER_ROLE(), address(this));
    }

    function _account(uint256 i) internal pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encode("validator", i)))));
    }

    /// @dev Funds `account` with the validator stake, stakes it and joins.
    function _join(address account) internal {
        token.transfer(account, VALIDATOR_STAKE);
        vm.startPrank(account);
        token.approve(address(stakeManager), VALIDATOR_STAKE);
        stakeManager.stake(VALIDATOR_STAKE);
        committee.join();
        vm.stopPrank();
    }

    function _fulfill(uint256 requestId, uint256 seed) internal {
        uint256[] memory words = new uint256[](1);
        words[0] = seed;
        vrf.fulfillRandomWordsWithOverride(requestId, address(committee), words);
    }

    function _eligible(IValidatorCommittee.Validator memory e, uint256 at) internal pure returns (bool) {
        return e.account != address(0) && e.joinedAt <= at && (e.leftAt == 0 || e.leftAt > at);
    }

    /// @dev Finishes dispute `disputeId`'s draw if the VRF callback left it unfinished, 7 steps per call.
    function _finishDraw(uint256 disputeId) internal {
        while (committee.requestOf(disputeId).status == IValidatorCommittee.CommitteeStatus.Drawing) {
            committee.continueDraw(disputeId, 7);
        }
    }
}

/// @notice Fuzzes the VRF-driven committee draw against the reference draw, with validators leaving
/// before the request, joining and leaving after it and entries released (their slots emptied, then refilled
/// by late joiners) before the answer.
contract ValidatorCommitteeFuzzTest is CommitteeSetup {
    uint256 internal constant MAX_VALIDATORS = 24;

    /// @notice For any seed, set and changes after the request (within exitDelay), the committee is the
    /// reference draw over the set at the request: distinct validators eligible then, no one who joined
    /// after or left before, and min(size, eligible) of them, finished by continueDraw when the callback
    /// did not.
    function testFuzz_fulfillRandomWords_drawsFromTheSetAtTheRequest_succeeds(
        uint256 seed,
        uint8 size,
        uint256 count,
        uint256 exitsBefore,
        uint256 joinsAfter,
        uint256 exitsAfter
    ) public {
        size = uint8(bound(size, 1, 9));
        count = bound(count, 0, MAX_VALIDATORS);
        exitsBefore = bound(exitsBefore, 0, count);
        joinsAfter = bound(joinsAfter, 0, 8);
        exitsAfter = bound(exitsAfter, 0, count - exitsBefore);
        _deploy(size, 1);
        for (uint256 i; i < count; ++i) {
            _join(_account(i));
        }
        vm.warp(block.timestamp + 1);
        for (uint256 i; i < exitsBefore; ++i) {
            vm.prank(_account(i));
            committee.exit();
        }
        vm.warp(block.timestamp + 1);
        uint256 requestId = committee.requestCommittee(7);
        uint256 requestedAt = block.timestamp;
        IValidatorCommittee.Validator[] memory atRequest = committee.validators();

        vm.warp(block.timestamp + 1);
        for (uint256 i; i < joinsAfter; ++i) {
            _join(_account(MAX_VALIDATORS + i));
        }
        for (uint256 i = exitsBefore; i < exitsBefore + exitsAfter; ++i) {
            vm.prank(_account(i));
            committee.exit();
        }
        // The validators that left before the request can be released before the answer (their slots emptied),
        // and later joiners refill them: the draw must still see the set at the request.
        vm.warp(requestedAt - 1 + EXIT_DELAY);
        for (uint256 i; i < exitsBefore; ++i) {
            committee.release(_account(i));
        }
        for (uint256 i; i < joinsAfter; ++i) {
            _join(_account(2 * MAX_VALIDATORS + i));
        }
        IValidatorCommittee.Validator[] memory atAnswer = committee.validators();
        _fulfill(requestId, seed);
        _finishDraw(7);
        _assertDraw(seed, size, requestedAt, atRequest, atAnswer);
    }

    /// @dev Dispute 7's committee is the reference draw over `atAnswer`, and holds distinct validators eligible
    /// in `atRequest`; all of them (up to size) when every position was visited.
    function _assertDraw(
        uint256 seed,
        uint256 size,
        uint256 requestedAt,
        IValidatorCommittee.Validator[] memory atRequest,
        IValidatorCommittee.Validator[] memory atAnswer
    ) internal view {
        address[] memory members = committee.committeeOf(7);
        IValidatorCommittee.CommitteeRequest memory request = committee.requestOf(7);
        assertEq(members, ReferenceDraw.draw(atAnswer, seed, request.range, requestedAt, size), "reference draw");
        assertEq(request.range, atRequest.length, "range is the list at the request");
        assertEq(request.members, members.length, "members recorded");
        uint256 eligible;
        for (uint256 k; k < atRequest.length; ++k) {
            if (_eligible(atRequest[k], requestedAt)) ++eligible;
        }
        for (uint256 i; i < members.length; ++i) {
            bool found;
            for (uint256 k; k < atRequest.length; ++k) {
                if (atRequest[k].account == members[i] && _eligible(atRequest[k], requestedAt)) found = true;
            }
            assertTrue(found, "member was an eligible validator at the request");
            for (uint256 k = i + 1; k < members.length; ++k) {
                assertTrue(members[i] != members[k], "member drawn twice");
            }
        }
        assertEq(members.length, eligible < size ? eligible : size, "as many as the seats and the eligible allow");
    }

    /// @notice The vectors of test/keepers/chain/committeeDraw.test.ts (the TypeScript twin): validator
    /// i = address(0x1000 + i) joined at 100 + i, every fourth (i % 4 == 3) left at 105.
    function test_draw_matchesVectors() public {
        CommitteeDrawHarness harness = new CommitteeDrawHarness();
        for (uint256 i; i < 20; ++i) {
            harness.push(
                IValidatorCommittee.Validator({
                    account: address(uint160(0x1000 + i)),
                    joinedAt: uint40(100 + i),
                    leftAt: i % 4 == 3 ? 105 : 0
                })
            );
        }
        uint256[5] memory fiveSeats = [uint256(5), 9, 1, 10, 4];
        (address[] memory drawn, bool finished) = harness.draw(42, 18, 110, 5);
        assertTrue(finished, "seed 42, 5 seats: finished");
        assertEq(drawn.length, 5, "seed 42, 5 seats");
        for (uint256 k; k < 5; ++k) {
            assertEq(drawn[k], address(uint160(0x1000 + fiveSeats[k])), "seed 42, 5 seats");
        }
        uint256[9] memory nineSeats = [uint256(14), 16, 5, 8, 0, 6, 9, 13, 17];
        (drawn, finished) = harness.draw(7, 20, 200, 9);
        assertTrue(finished, "seed 7, 9 seats: finished");
        assertEq(drawn.length, 9, "seed 7, 9 seats");
        for (uint256 k; k < 9; ++k) {
            assertEq(drawn[k], address(uint160(0x1000 + nineSeats[k])), "seed 7, 9 seats");
        }
        (drawn, finished) = harness.draw(1, 18, 101, 1);
        assertEq(drawn.length, 0, "4 steps find neither of the two eligible");
        assertFalse(finished, "seed 1, 1 seat: left to continueDraw");
        (drawn, finished) = harness.draw(2, 18, 101, 1);
        assertEq(drawn.length, 1, "seed 2, 1 seat");
        assertEq(drawn[0], address(0x1000), "seed 2, 1 seat");
        assertTrue(finished, "seed 2, 1 seat: finished");
    }

    /// @notice The mock's default randomness with a large list: still the reference draw, a full committee
    /// when every listed validator is eligible.
    function testFuzz_fulfillRandomWords_mockRandomness_fullCommittee_succeeds(uint8 size, uint256 count) public {
        size = uint8(bound(size, 1, 9));
        count = bound(count, size, 60);
        _deploy(size, 1);
        for (uint256 i; i < count; ++i) {
            _join(_account(i));
        }
        uint256 requestId = committee.requestCommittee(1);
        vm.warp(block.timestamp + 1);
        vrf.fulfillRandomWords(requestId, address(committee));
        _finishDraw(1);
        address[] memory members = committee.committeeOf(1);
        assertEq(members.length, size, "committee size");
        assertTrue(committee.committeeFormedBefore(1, block.timestamp + 1), "formed");
        assertFalse(committee.committeeFormedBefore(1, block.timestamp), "drawn at, not before, now");
    }

    /// @notice A request for fewer eligible validators than `threshold` succeeds and draws them all; such a
    /// committee does not count as formed.
    function testFuzz_requestCommittee_tooFewValidators_drawsWhatThereIs_succeeds(uint8 size, uint256 count, uint256 seed)
        public
    {
        size = uint8(bound(size, 2, 9));
        count = bound(count, 0, size - 1);
        _deploy(size, size);
        for (uint256 i; i < count; ++i) {
            _join(_account(i));
        }
        uint256 requestId = committee.requestCommittee(1);
        _fulfill(requestId, seed);
        assertEq(committee.committeeOf(1).length, count, "every validator drawn");
        assertFalse(committee.committeeFormedBefore(1, type(uint256).max), "below threshold: not formed");
    }

    /// @notice A request starved of gas reverts: it never records a refusal the coordinator did not make.
    function testFuzz_requestCommittee_anyGas_neverFakesARefusal_succeeds(uint256 gasLimit) public {
        _deploy(3, 2);
        for (uint256 i; i < 3; ++i) {
            _join(_account(i));
        }
        gasLimit = bound(gasLimit, 5_000, 400_000);
        try committee.requestCommittee{gas: gasLimit}(1) {
            assertEq(uint8(committee.requestOf(1).status), uint8(IValidatorCommittee.CommitteeStatus.Requested), "requested");
        } catch {
            assertEq(uint8(committee.requestOf(1).status), uint8(IValidatorCommittee.CommitteeStatus.None), "nothing recorded");
        }
    }

    /// @notice With a coordinator that needs 2M gas, every gas limit around it, in 1,000-gas steps: a request
    /// either reverts (VrfConsumerRequestOutOfGas when the coordinator ran out) or is made; none records a
    /// refusal, though 1/64 of the gas would be enough to record one.
    function test_requestCommittee_gasSweep_neverFakesARefusal_succeeds() public {
        _deploy(3, 2);
        GasHungryCoordinator hungry = new GasHungryCoordinator();
        ValidatorCommittee standalone = new ValidatorCommittee(
            address(hungry), makeAddr("governance"), stakeManager, committee.config(), EXIT_DELAY, address(this)
        );
        standalone.grantRole(standalone.REQUESTER_ROLE(), address(this));
        uint256 guarded;
        uint256 made;
        for (uint256 gasLimit = 1_950_000; gasLimit <= 2_150_000; gasLimit += 1_000) {
            try standalone.requestCommittee{gas: gasLimit}(gasLimit) {
                ++made;
                assertEq(uint8(standalone.requestOf(gasLimit).status), uint8(IValidatorCommittee.CommitteeStatus.Requested));
            } catch (bytes memory reason) {
                if (bytes4(reason) == VrfConsumer.VrfConsumerRequestOutOfGas.selector) ++guarded;
                assertEq(uint8(standalone.requestOf(gasLimit).status), uint8(IValidatorCommittee.CommitteeStatus.None));
            }
        }
        assertGt(guarded, 0, "some limits starve the coordinator");
        assertGt(made, 0, "enough gas makes the request");
    }

    /// @notice Exit keeps the stake locked for exitDelay; release before reverts with the time, after unlocks.
    function testFuzz_release_onlyAfterExitDelay(uint256 wait) public {
        _deploy(3, 2);
        address v = _account(0);
        _join(v);
        vm.prank(v);
        committee.exit();
        uint256 releasableAt = block.timestamp + EXIT_DELAY;
        assertEq(stakeManager.stakeOf(v).locked, VALIDATOR_STAKE, "still locked after exit");
        wait = bound(wait, 0, 2 * uint256(EXIT_DELAY));
        vm.warp(block.timestamp + wait);
        if (block.timestamp < releasableAt) {
            vm.expectRevert(
                abi.encodeWithSelector(IValidatorCommittee.ValidatorCommitteeExitDelayNotOver.selector, v, releasableAt)
            );
            committee.release(v);
            assertEq(stakeManager.stakeOf(v).locked, VALIDATOR_STAKE, "locked until the delay");
        } else {
            committee.release(v);
            assertEq(stakeManager.stakeOf(v).locked, 0, "unlocked");
            assertEq(committee.validators().length, 1, "the slot stays");
            assertEq(committee.validators()[0].account, address(0), "emptied");
        }
    }
}

/// @notice A list padded with validators that are not eligible (they exited before the request), so that the
/// VRF callback's 4·size steps do not finish the draw: {continueDraw} finishes it, the full committee.
contract ValidatorCommitteePaddedDrawTest is CommitteeSetup {
    uint256 internal constant ELIGIBLE = 9;
    uint256 internal constant PADDING = 60;
    uint256 internal constant DISPUTE = 3;

    uint256 internal requestId;
    uint256 internal requestedAt;

    /// @dev Nine validators, then PADDING that join and exit; the request one second later.
    function setUp() public {
        _deploy(9, 5);
        for (uint256 i; i < ELIGIBLE + PADDING; ++i) {
            _join(_account(i));
        }
        vm.warp(block.timestamp + 1);
        for (uint256 i = ELIGIBLE; i < ELIGIBLE + PADDING; ++i) {
            vm.prank(_account(i));
            committee.exit();
        }
        vm.warp(block.timestamp + 1);
        requestId = committee.requestCommittee(DISPUTE);
        requestedAt = block.timestamp;
    }

    /// @notice Whatever the seed, the callback leaves the draw unfinished or finishes it, and continueDraw in
    /// chunks of any size ends at the reference draw: the nine eligible validators.
    function testFuzz_continueDraw_paddedList_drawsTheFullCommittee(uint256 seed, uint256 chunk) public {
        chunk = bound(chunk, 1, 80);
        IValidatorCommittee.Validator[] memory entries = committee.validators();
        _fulfill(requestId, seed);
        vm.warp(block.timestamp + 1);
        while (committee.requestOf(DISPUTE).status == IValidatorCommittee.CommitteeStatus.Drawing) {
            committee.continueDraw(DISPUTE, chunk);
        }
        address[] memory members = committee.committeeOf(DISPUTE);
        assertEq(members, ReferenceDraw.draw(entries, seed, entries.length, requestedAt, 9), "reference draw");
        assertEq(members.length, ELIGIBLE, "every eligible validator");
        assertTrue(committee.committeeFormedBefore(DISPUTE, block.timestamp + 1), "formed");
    }

    /// @notice Seed 1 leaves the draw unfinished: until continueDraw finishes it the committee is not drawn
    /// (empty, not formed, no verdict counts); one step per call finishes it past the callback's 36 steps.
    function test_continueDraw_unfinished_isNotACommitteeUntilDrawn() public {
        vm.expectEmit(address(committee));
        emit IValidatorCommittee.CommitteeDrawUnfinished(DISPUTE, 1);
        _fulfill(requestId, 1);
        IValidatorCommittee.CommitteeRequest memory request = committee.requestOf(DISPUTE);
        assertEq(uint8(request.status), uint8(IValidatorCommittee.CommitteeStatus.Drawing), "drawing");
        assertEq(committee.committeeOf(DISPUTE).length, 0, "no committee yet");
        assertFalse(committee.committeeFormedBefore(DISPUTE, type(uint256).max), "not formed");
        vm.expectRevert(abi.encodeWithSelector(IValidatorCommittee.ValidatorCommitteeNotDrawn.selector, DISPUTE));
        committee.verifyVerdict(DISPUTE, bytes32(0), 0, new bytes[](0));

        vm.warp(block.timestamp + 1);
        committee.continueDraw(DISPUTE, 1);
        assertEq(committee.requestOf(DISPUTE).nextStep, 1, "one step run");
        assertEq(committee.committeeOf(DISPUTE).length, 0, "still no committee while drawing");
        uint256 steps = 1;
        while (committee.requestOf(DISPUTE).status == IValidatorCommittee.CommitteeStatus.Drawing) {
            committee.continueDraw(DISPUTE, 1);
            ++steps;
        }
        assertEq(committee.committeeOf(DISPUTE).length, ELIGIBLE, "drawn");
        assertEq(committee.requestOf(DISPUTE).nextStep, steps, "one step per call");
        assertGt(steps, 4 * 9, "more steps than the callback runs");
    }

    /// @notice Each call that does not finish emits CommitteeDrawContinued with the next step and the members so far.
    function test_continueDraw_emitsProgress() public {
        _fulfill(requestId, 1);
        vm.warp(block.timestamp + 1);
        IValidatorCommittee.Validator[] memory entries = committee.validators();
        uint256 pickedIn5 = ReferenceDraw.firstSteps(entries, 1, entries.length, requestedAt, 9, 5).length;
        vm.expectEmit(address(committee));
        emit IValidatorCommittee.CommitteeDrawContinued(DISPUTE, 5, pickedIn5);
        committee.continueDraw(DISPUTE, 5);
    }

    /// @notice continueDraw reverts for a draw that is not in progress: never requested, waiting for the VRF,
    /// already drawn.
    function test_continueDraw_notDrawing_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IValidatorCommittee.ValidatorCommitteeNotDrawing.selector, 99, IValidatorCommittee.CommitteeStatus.None
            )
        );
        committee.continueDraw(99, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IValidatorCommittee.ValidatorCommitteeNotDrawing.selector, DISPUTE, IValidatorCommittee.CommitteeStatus.Requested
            )
        );
        committee.continueDraw(DISPUTE, 1);
        _fulfill(requestId, 1);
        vm.warp(block.timestamp + 1);
        committee.continueDraw(DISPUTE, type(uint256).max);
        vm.expectRevert(
            abi.encodeWithSelector(
                IValidatorCommittee.ValidatorCommitteeNotDrawing.selector, DISPUTE, IValidatorCommittee.CommitteeStatus.Drawn
            )
        );
        committee.continueDraw(DISPUTE, 1);
    }

    /// @notice continueDraw runs only after the request's second and before requestedAt + exitDelay, and at
    /// least one step; a refused call changes nothing.
    function test_continueDraw_outsideWindowOrNoSteps_reverts() public {
        _fulfill(requestId, 1);
        bytes memory outside = abi.encodeWithSelector(
            IValidatorCommittee.ValidatorCommitteeOutsideDrawWindow.selector, DISPUTE, requestedAt, requestedAt + EXIT_DELAY
        );
        vm.expectRevert(outside);
        committee.continueDraw(DISPUTE, 1);
        vm.warp(requestedAt + 1);
        vm.expectRevert(abi.encodeWithSelector(IValidatorCommittee.ValidatorCommitteeNoSteps.selector, DISPUTE));
        committee.continueDraw(DISPUTE, 0);
        vm.warp(requestedAt + EXIT_DELAY);
        vm.expectRevert(outside);
        committee.continueDraw(DISPUTE, 1);
        assertEq(committee.requestOf(DISPUTE).nextStep, 0, "nothing run");
        assertEq(uint8(committee.requestOf(DISPUTE).status), uint8(IValidatorCommittee.CommitteeStatus.Drawing), "still drawing");
        vm.warp(requestedAt + EXIT_DELAY - 1);
        committee.continueDraw(DISPUTE, type(uint256).max);
        assertEq(committee.committeeOf(DISPUTE).length, ELIGIBLE, "the last second still counts");
    }

    /// @notice Releasing the padding while the draw is in progress empties slots but moves no entry, and
    /// validators joining meanwhile fill them without being eligible: the committee is the draw over the list
    /// of the request.
    function test_continueDraw_releasesAndJoinsMeanwhile_changeNothing() public {
        IValidatorCommittee.Validator[] memory entries = committee.validators();
        _fulfill(requestId, 1);
        vm.warp(requestedAt + 1);
        committee.continueDraw(DISPUTE, 10);
        vm.warp(requestedAt + EXIT_DELAY - 1);
        for (uint256 i = ELIGIBLE; i < ELIGIBLE + PADDING; ++i) {
            committee.release(_account(i));
        }
        for (uint256 i; i < PADDING; ++i) {
            _join(_account(1000 + i));
        }
        assertEq(committee.validators().length, ELIGIBLE + PADDING, "the joins refilled the emptied slots");
        committee.continueDraw(DISPUTE, type(uint256).max);
        assertEq(committee.committeeOf(DISPUTE), ReferenceDraw.draw(entries, 1, entries.length, requestedAt, 9));
    }
}

/// @notice Random joins, exits, releases, requests and answers for {ValidatorCommitteeInvariantsTest}; checks
/// every answer against the reference draw and counts violations.
contract CommitteeHandler is CommonBase, StdUtils {
    uint256 internal constant ACTORS = 12;

    ValidatorCommittee internal immutable committee;
    StakeManager internal immutable stakeManager;
    VRFCoordinatorV2_5Mock internal immutable vrf;
    uint32 internal immutable exitDelay;

    address[] public actors;
    uint256 public nextDispute = 1;
    uint256[] internal _pendingRequestIds;
    uint256[] internal _pendingDisputes;
    /// @notice Committees that differ from the reference draw, or hold someone not eligible at the request.
    uint256 public ghostBadDraws;
    uint256 public ghostDraws;

    constructor(ValidatorCommittee committee_, StakeManager stakeManager_, VRFCoordinatorV2_5Mock vrf_, address[] memory actors_) {
        committee = committee_;
        stakeManager = stakeManager_;
        vrf = vrf_;
        exitDelay = committee_.exitDelay();
        actors = actors_;
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function join(uint256 actorSeed) external {
        address a = actors[actorSeed % actors.length];
        if (committee.validatorOf(a).account != address(0)) return;
        vm.prank(a);
        committee.join();
    }

    function exit(uint256 actorSeed) external {
        address a = actors[actorSeed % actors.length];
        IValidatorCommittee.Validator memory e = committee.validatorOf(a);
        if (e.account == address(0) || e.leftAt != 0) return;
        vm.prank(a);
        committee.exit();
    }

    function release(uint256 actorSeed, bool wait) external {
        address a = actors[actorSeed % actors.length];
        IValidatorCommittee.Validator memory e = committee.validatorOf(a);
        if (e.leftAt == 0) return;
        if (block.timestamp < uint256(e.leftAt) + exitDelay) {
            if (!wait) return;
            vm.warp(uint256(e.leftAt) + exitDelay);
        }
        committee.release(a);
    }

    function request() external {
        uint256 disputeId = nextDispute++;
        _pendingDisputes.push(disputeId);
        _pendingRequestIds.push(committee.requestCommittee(disputeId));
    }

    /// @dev Answers a pending request if it is younger than exitDelay (the frozen-set guarantee's span).
    function answer(uint256 pendingSeed, uint256 seed) external {
        if (_pendingRequestIds.length == 0) return;
        uint256 k = pendingSeed % _pendingRequestIds.length;
        uint256 requestId = _pendingRequestIds[k];
        uint256 disputeId = _pendingDisputes[k];
        _pendingRequestIds[k] = _pendingRequestIds[_pendingRequestIds.length - 1];
        _pendingRequestIds.pop();
        _pendingDisputes[k] = _pendingDisputes[_pendingDisputes.length - 1];
        _pendingDisputes.pop();
        IValidatorCommittee.CommitteeRequest memory r = committee.requestOf(disputeId);
        if (block.timestamp >= uint256(r.requestedAt) + exitDelay) return;
        IValidatorCommittee.Validator[] memory entries = committee.validators();
        uint256 size = committee.config().size;
        uint256[] memory words = new uint256[](1);
        words[0] = seed;
        vrf.fulfillRandomWordsWithOverride(requestId, address(committee), words);
        if (committee.requestOf(disputeId).status == IValidatorCommittee.CommitteeStatus.Drawing) {
            if (block.timestamp == r.requestedAt) vm.warp(block.timestamp + 1);
            committee.continueDraw(disputeId, type(uint256).max);
        }
        ++ghostDraws;
        address[] memory members = committee.committeeOf(disputeId);
        address[] memory expected = ReferenceDraw.draw(entries, seed, r.range, r.requestedAt, size);
        if (keccak256(abi.encode(members)) != keccak256(abi.encode(expected))) ++ghostBadDraws;
        for (uint256 i; i < members.length; ++i) {
            IValidatorCommittee.Validator memory e = committee.validatorOf(members[i]);
            if (!(e.joinedAt <= r.requestedAt && (e.leftAt == 0 || e.leftAt > r.requestedAt))) ++ghostBadDraws;
        }
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 12 hours));
    }
}

/// @notice Stake accounting and the frozen-set draw under random sequences of validator actions.
contract ValidatorCommitteeInvariantsTest is CommitteeSetup {
    CommitteeHandler internal handler;

    /// @dev Two seats: the callback runs 8 steps, fewer than the 12 actors can list, so some draws are continued.
    function setUp() public {
        _deploy(2, 2);
        address[] memory actors = new address[](12);
        for (uint256 i; i < actors.length; ++i) {
            actors[i] = _account(i);
            token.transfer(actors[i], VALIDATOR_STAKE);
            vm.startPrank(actors[i]);
            token.approve(address(stakeManager), VALIDATOR_STAKE);
            stakeManager.stake(VALIDATOR_STAKE);
            vm.stopPrank();
        }
        handler = new CommitteeHandler(committee, stakeManager, vrf, actors);
        committee.grantRole(committee.REQUESTER_ROLE(), address(handler));
        targetContract(address(handler));
    }

    /// @notice The stake the committee holds locked is validatorStake × the validators not yet released
    /// (active or leaving), account by account.
    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 60
    function invariant_lockedStake_equalsStakeTimesUnreleasedValidators() public view {
        uint256 locked;
        for (uint256 i; i < handler.actorCount(); ++i) {
            address a = handler.actors(i);
            uint256 own = stakeManager.stakeOf(a).locked;
            locked += own;
            bool listed = committee.validatorOf(a).account == a;
            assertEq(own, listed ? VALIDATOR_STAKE : 0, "an account's locked stake follows its entry");
        }
        IValidatorCommittee.Validator[] memory entries = committee.validators();
        uint256 listed;
        for (uint256 i; i < entries.length; ++i) {
            if (entries[i].account != address(0)) ++listed;
        }
        assertEq(locked, uint256(VALIDATOR_STAKE) * listed, "locked == stake x unreleased");
    }

    /// @notice Every committee answered within exitDelay is the reference draw over the set at its request.
    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 60
    function invariant_committees_drawnFromTheSetAtTheRequest() public view {
        assertEq(handler.ghostBadDraws(), 0, "bad draws");
    }
}
