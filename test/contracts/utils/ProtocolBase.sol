// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {Vm} from "forge-std/Vm.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {VRFCoordinatorV2_5Mock} from "@chainlink/contracts/src/v0.8/vrf/mocks/VRFCoordinatorV2_5Mock.sol";
import {StakeManager} from "../../../contracts/staking/StakeManager.sol";
import {JobRegistry} from "../../../contracts/jobs/JobRegistry.sol";
import {ValidatorCommittee} from "../../../contracts/disputes/ValidatorCommittee.sol";
import {Disputes} from "../../../contracts/disputes/Disputes.sol";
import {IValidatorCommittee} from "../../../contracts/interfaces/IValidatorCommittee.sol";
import {IJobRegistry} from "../../../contracts/interfaces/IJobRegistry.sol";

/// @notice Deploys and wires the protocol exactly like ignition/modules/protocol.ts (roles granted
/// to contracts, then every admin role renounced), with a local VRF v2.5 coordinator mock.
abstract contract ProtocolBase is Test {
    uint64 internal constant UNBONDING_DELAY = 7 days;
    uint16 internal constant SHARE_BPS = 5000;
    uint96 internal constant VALIDATOR_STAKE = 1_000e18;
    uint96 internal constant CHALLENGE_BOND = 100e18;
    uint32 internal constant VERDICT_PERIOD = 1 days;
    uint32 internal constant CALLBACK_GAS_LIMIT = 2_500_000;

    address internal treasury = makeAddr("treasury");

    IERC20 internal token;
    StakeManager internal stakeManager;
    JobRegistry internal jobRegistry;
    ValidatorCommittee internal committee;
    Disputes internal disputes;
    VRFCoordinatorV2_5Mock internal vrf;
    uint256 internal subId;

    uint256[] internal validatorKeys;
    mapping(address validator => uint256 key) internal keyOf;

    /// @dev Deploys StakeManager, JobRegistry, ValidatorCommittee and Disputes over `token_`.
    function _deployProtocol(IERC20 token_, uint8 size, uint8 threshold) internal {
        token = token_;
        vrf = new VRFCoordinatorV2_5Mock(0, 0, 1e18);
        subId = vrf.createSubscription();
        vrf.fundSubscription(subId, 100 ether);

        stakeManager = new StakeManager(token_, treasury, UNBONDING_DELAY, SHARE_BPS, address(this));
        jobRegistry = new JobRegistry(stakeManager, address(this));
        committee = new ValidatorCommittee(
            address(vrf),
            stakeManager,
            IValidatorCommittee.Config({
                keyHash: bytes32(0),
                subscriptionId: subId,
                callbackGasLimit: CALLBACK_GAS_LIMIT,
                requestConfirmations: 3,
                size: size,
                threshold: threshold,
                validatorStake: VALIDATOR_STAKE
            }),
            address(this)
        );
        disputes = new Disputes(jobRegistry, committee, CHALLENGE_BOND, VERDICT_PERIOD);
        vrf.addConsumer(subId, address(committee));

        stakeManager.grantRole(stakeManager.MODULE_ROLE(), address(jobRegistry));
        stakeManager.grantRole(stakeManager.MODULE_ROLE(), address(committee));
        jobRegistry.grantRole(jobRegistry.DISPUTES_ROLE(), address(disputes));
        committee.grantRole(committee.REQUESTER_ROLE(), address(disputes));
        bytes32 adminRole = stakeManager.DEFAULT_ADMIN_ROLE();
        stakeManager.renounceRole(adminRole, address(this));
        jobRegistry.renounceRole(adminRole, address(this));
        committee.renounceRole(adminRole, address(this));
    }

    /// @dev Gives `account` `amount` tokens (from this contract's supply) and approves the protocol.
    function _fund(address account, uint256 amount) internal {
        if (amount != 0) token.transfer(account, amount);
        vm.startPrank(account);
        token.approve(address(stakeManager), type(uint256).max);
        token.approve(address(jobRegistry), type(uint256).max);
        token.approve(address(disputes), type(uint256).max);
        vm.stopPrank();
    }

    /// @dev Creates `count` validators with known keys; each stakes and joins the committee.
    function _addValidators(uint256 count) internal {
        for (uint256 i; i < count; ++i) {
            uint256 key = uint256(keccak256(abi.encode("validator", validatorKeys.length)));
            address validator = vm.addr(key);
            validatorKeys.push(key);
            keyOf[validator] = key;
            _fund(validator, VALIDATOR_STAKE);
            vm.startPrank(validator);
            stakeManager.stake(VALIDATOR_STAKE);
            committee.join();
            vm.stopPrank();
        }
    }

    /// @dev The VRF request id of dispute `disputeId`'s committee, read from recorded logs.
    function _requestIdFromLogs(Vm.Log[] memory logs, uint256 disputeId) internal view returns (uint256) {
        bytes32 topic = keccak256("CommitteeRequested(uint256,uint256)");
        for (uint256 i; i < logs.length; ++i) {
            if (
                logs[i].emitter == address(committee) && logs[i].topics[0] == topic
                    && uint256(logs[i].topics[1]) == disputeId
            ) return uint256(logs[i].topics[2]);
        }
        revert("no CommitteeRequested log");
    }

    /// @dev Signatures of dispute `disputeId`'s verdict by the committee members whose bit is set.
    function _signVerdict(uint256 disputeId, bool providerWrong, uint256 bitmap)
        internal
        view
        returns (bytes[] memory signatures)
    {
        address[] memory members = committee.committeeOf(disputeId);
        bytes32 digest = disputes.verdictDigest(disputeId, providerWrong);
        uint256 count;
        for (uint256 i; i < members.length; ++i) {
            if (bitmap & (1 << i) != 0) ++count;
        }
        signatures = new bytes[](count);
        uint256 next;
        for (uint256 i; i < members.length; ++i) {
            if (bitmap & (1 << i) == 0) continue;
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(keyOf[members[i]], digest);
            signatures[next++] = abi.encodePacked(r, s, v);
        }
    }

    /// @dev A valid order with the given economics.
    function _order(uint96 reward, uint96 minStake) internal pure returns (IJobRegistry.Order memory) {
        return IJobRegistry.Order({
            datasetId: 7,
            specDigest: keccak256("job spec"),
            reward: reward,
            minStake: minStake,
            biddingPeriod: 1 hours,
            executionPeriod: 1 days,
            challengeWindow: 2 hours
        });
    }
}
