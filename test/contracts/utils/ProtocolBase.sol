// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {Vm} from "forge-std/Vm.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {VRFCoordinatorV2_5Mock} from "@chainlink/contracts/src/v0.8/vrf/mocks/VRFCoordinatorV2_5Mock.sol";
import {StakeManager} from "../../../contracts/staking/StakeManager.sol";
import {JobRegistry} from "../../../contracts/jobs/JobRegistry.sol";
import {RoundJobRegistry} from "../../../contracts/jobs/RoundJobRegistry.sol";
import {ValidatorCommittee} from "../../../contracts/disputes/ValidatorCommittee.sol";
import {Disputes} from "../../../contracts/disputes/Disputes.sol";
import {RefereeDeployer} from "../../../contracts/disputes/RefereeDeployer.sol";
import {DatasetRegistry} from "../../../contracts/datasets/DatasetRegistry.sol";
import {StorageProofs} from "../../../contracts/proofs/StorageProofs.sol";
import {IDatasetRegistry} from "../../../contracts/interfaces/IDatasetRegistry.sol";
import {IStorageProofs} from "../../../contracts/interfaces/IStorageProofs.sol";
import {SnarkField} from "../../../contracts/libraries/SnarkField.sol";
import {VrfRequest} from "../../../contracts/libraries/VrfRequest.sol";
import {VerifierDouble} from "./VerifierDouble.sol";
import {HashChainMachine} from "./HashChainMachine.sol";
import {IValidatorCommittee} from "../../../contracts/interfaces/IValidatorCommittee.sol";
import {IJobRegistry} from "../../../contracts/interfaces/IJobRegistry.sol";
import {IRoundJobRegistry} from "../../../contracts/interfaces/IRoundJobRegistry.sol";

/// @notice Deploys and wires the protocol exactly like ignition/modules/protocol.ts (roles granted
/// to contracts, then every admin role renounced), with a local VRF v2.5 coordinator mock.
abstract contract ProtocolBase is Test {
    uint64 internal constant UNBONDING_DELAY = 7 days;
    uint16 internal constant SHARE_BPS = 5000;
    uint96 internal constant VALIDATOR_STAKE = 1_000e18;
    uint96 internal constant CHALLENGE_BOND = 100e18;
    uint32 internal constant VERDICT_PERIOD = 1 days;
    uint32 internal constant FORCE_PERIOD = 2 hours;
    uint64 internal constant CLOCK_BUDGET = 1 days;
    uint32 internal constant EXIT_DELAY = 2 days;
    uint32 internal constant MAX_CHALLENGE_WINDOW = 7 days;
    uint96 internal constant AGGREGATOR_STAKE = 200e18;
    uint16 internal constant MAX_ROUNDS = 64;
    uint32 internal constant SEED_TIMEOUT = 1 hours;
    /// @dev Enough to place the 40-column dataset of StorageProofs.t.sol in one VRF callback.
    uint32 internal constant CALLBACK_GAS_LIMIT = 5_000_000;
    uint96 internal constant PROVIDER_STAKE = 1_000e18;
    uint96 internal constant FAULT_PENALTY = 400e18;
    uint32 internal constant ROUND_INTERVAL = 2 hours;
    uint32 internal constant PROOF_WINDOW = 1 hours;
    uint32 internal constant REQUEST_TIMEOUT = 1 hours;
    uint32 internal constant PLACEMENT_TIMEOUT = 1 days;
    uint32 internal constant ACCEPTANCE_PERIOD = 1 days;
    uint32 internal constant REASSIGN_COOLDOWN = 1 hours;
    /// @dev The storage providers joined when the dataset every order names (2 columns) is placed.
    uint256 internal constant DATASET_PROVIDERS = 3;
    uint64 internal constant DATASET_ID = 1;

    address internal treasury = makeAddr("treasury");

    IERC20 internal token;
    StakeManager internal stakeManager;
    JobRegistry internal jobRegistry;
    RoundJobRegistry internal roundJobRegistry;
    ValidatorCommittee internal committee;
    Disputes internal disputes;
    DatasetRegistry internal datasetRegistry;
    StorageProofs internal storageProofs;
    VerifierDouble internal verifier;
    VRFCoordinatorV2_5Mock internal vrf;
    uint256 internal subId;

    address[] internal storageProviders;
    uint256[] internal validatorKeys;
    mapping(address validator => uint256 key) internal keyOf;

    /// @dev Deploys StakeManager, DatasetRegistry, StorageProofs (with a verifier double as version 1),
    /// JobRegistry, ValidatorCommittee and Disputes over `token_`, then places dataset DATASET_ID
    /// (1+1 shards) on two of DATASET_PROVIDERS providers.
    function _deployProtocol(IERC20 token_, uint8 size, uint8 threshold) internal {
        token = token_;
        vrf = new VRFCoordinatorV2_5Mock(0, 0, 1e18);
        subId = vrf.createSubscription();
        vrf.fundSubscription(subId, 100 ether);

        stakeManager = new StakeManager(token_, treasury, UNBONDING_DELAY, SHARE_BPS, address(this));
        VrfRequest.Params memory vrfParams = VrfRequest.Params(bytes32(0), subId, CALLBACK_GAS_LIMIT, 3);
        datasetRegistry = new DatasetRegistry(
            address(vrf),
            makeAddr("governance"),
            stakeManager,
            PROVIDER_STAKE,
            FAULT_PENALTY,
            IDatasetRegistry.Periods(PLACEMENT_TIMEOUT, ACCEPTANCE_PERIOD, REASSIGN_COOLDOWN),
            vrfParams,
            address(this)
        );
        storageProofs = new StorageProofs(
            address(vrf), makeAddr("governance"), datasetRegistry, vrfParams, ROUND_INTERVAL, PROOF_WINDOW, REQUEST_TIMEOUT, address(this), address(this)
        );
        verifier = new VerifierDouble();
        storageProofs.addVerifier(address(verifier), keccak256("verifying key"));
        jobRegistry = new JobRegistry(stakeManager, datasetRegistry, MAX_CHALLENGE_WINDOW, address(this));
        roundJobRegistry = new RoundJobRegistry(
            stakeManager,
            datasetRegistry,
            MAX_CHALLENGE_WINDOW,
            AGGREGATOR_STAKE,
            MAX_ROUNDS,
            address(vrf),
            makeAddr("governance"),
            vrfParams,
            SEED_TIMEOUT,
            address(this)
        );
        committee = new ValidatorCommittee(
            address(vrf), makeAddr("governance"),
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
            EXIT_DELAY,
            address(this)
        );
        disputes = new Disputes(
            jobRegistry,
            roundJobRegistry,
            committee,
            CHALLENGE_BOND,
            VERDICT_PERIOD,
            new HashChainMachine(2, 1),
            CLOCK_BUDGET,
            FORCE_PERIOD,
            new RefereeDeployer()
        );
        vrf.addConsumer(subId, address(committee));
        vrf.addConsumer(subId, address(datasetRegistry));
        vrf.addConsumer(subId, address(storageProofs));
        vrf.addConsumer(subId, address(roundJobRegistry));

        stakeManager.grantRole(stakeManager.MODULE_ROLE(), address(jobRegistry));
        stakeManager.grantRole(stakeManager.MODULE_ROLE(), address(roundJobRegistry));
        stakeManager.grantRole(stakeManager.MODULE_ROLE(), address(committee));
        stakeManager.grantRole(stakeManager.MODULE_ROLE(), address(datasetRegistry));
        jobRegistry.grantRole(jobRegistry.DISPUTES_ROLE(), address(disputes));
        roundJobRegistry.grantRole(roundJobRegistry.DISPUTES_ROLE(), address(disputes));
        committee.grantRole(committee.REQUESTER_ROLE(), address(disputes));
        datasetRegistry.grantRole(datasetRegistry.FAULT_REPORTER_ROLE(), address(storageProofs));
        datasetRegistry.setAcceptanceListener(storageProofs);
        bytes32 adminRole = stakeManager.DEFAULT_ADMIN_ROLE();
        stakeManager.renounceRole(adminRole, address(this));
        jobRegistry.renounceRole(adminRole, address(this));
        roundJobRegistry.renounceRole(adminRole, address(this));
        committee.renounceRole(adminRole, address(this));
        datasetRegistry.renounceRole(adminRole, address(this));
        storageProofs.renounceRole(adminRole, address(this));
        _placeDataset();
    }

    /// @dev Registers and places the dataset every order names, paid and stored by fresh accounts.
    function _placeDataset() private {
        for (uint256 i; i < DATASET_PROVIDERS; ++i) {
            address provider = makeAddr(string(abi.encode("storage provider", i)));
            storageProviders.push(provider);
            token.transfer(provider, PROVIDER_STAKE);
            vm.startPrank(provider);
            token.approve(address(stakeManager), type(uint256).max);
            stakeManager.stake(PROVIDER_STAKE);
            datasetRegistry.join("/ip4/127.0.0.1/tcp/4001");
            vm.stopPrank();
        }
        // A draw counts providers that joined before its request's second.
        vm.warp(block.timestamp + 1);
        bytes32[] memory roots = new bytes32[](2);
        roots[0] = bytes32(uint256(keccak256("column 0")) % SnarkField.R);
        roots[1] = bytes32(uint256(keccak256("column 1")) % SnarkField.R);
        token.approve(address(datasetRegistry), 1e18);
        vm.recordLogs();
        datasetRegistry.register(
            IDatasetRegistry.Registration({
                manifestDigest: keccak256("manifest"),
                datasetRoot: bytes32(uint256(keccak256("dataset root")) % SnarkField.R),
                columnRoots: roots,
                k: 1,
                n: 2,
                shardSize: 1024,
                stripeCount: 1,
                byteLength: 1000,
                payment: 1e18,
                term: 3650 days,
                verifierVersion: 1
            })
        );
        _fulfillLogged(address(datasetRegistry), IDatasetRegistry.PlacementRequested.selector);
        datasetRegistry.applyPlacement(DATASET_ID, 2);
    }

    /// @dev Answers every VRF request `consumer` announced (request id in topic 2 of event `topic`)
    /// since the last `vm.recordLogs()`.
    function _fulfillLogged(address consumer, bytes32 topic) internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == consumer && logs[i].topics[0] == topic) {
                vrf.fulfillRandomWords(uint256(logs[i].topics[2]), consumer);
            }
        }
    }

    /// @dev Settles distributed job `jobId`'s auction and answers its seed request: round 0 starts.
    function _settleRoundJob(uint256 jobId) internal {
        vm.recordLogs();
        roundJobRegistry.settleAuction(jobId);
        _fulfillLogged(address(roundJobRegistry), IRoundJobRegistry.SeedRequested.selector);
    }

    /// @dev Opens dataset `datasetId`'s next storage-proof round and answers its VRF request.
    function _openProofRound(uint256 datasetId) internal returns (IStorageProofs.Round memory) {
        vm.recordLogs();
        storageProofs.openRound(datasetId);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(storageProofs) && logs[i].topics[0] == IStorageProofs.RoundRequested.selector) {
                vrf.fulfillRandomWords(abi.decode(logs[i].data, (uint256)), address(storageProofs));
            }
        }
        return storageProofs.currentRound(datasetId);
    }

    /// @dev Gives `account` `amount` tokens (from this contract's supply) and approves the protocol.
    function _fund(address account, uint256 amount) internal {
        if (amount != 0) token.transfer(account, amount);
        vm.startPrank(account);
        token.approve(address(stakeManager), type(uint256).max);
        token.approve(address(jobRegistry), type(uint256).max);
        token.approve(address(roundJobRegistry), type(uint256).max);
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
            datasetId: DATASET_ID,
            specDigest: keccak256("job spec"),
            reward: reward,
            minStake: minStake,
            biddingPeriod: 1 hours,
            executionPeriod: 1 days,
            challengeWindow: 2 hours,
            program: bytes32(0)
        });
    }
}
