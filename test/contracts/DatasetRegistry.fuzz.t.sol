// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {Vm} from "forge-std/Vm.sol";
import {VRFCoordinatorV2_5Mock} from "@chainlink/contracts/src/v0.8/vrf/mocks/VRFCoordinatorV2_5Mock.sol";
import {StakeManager} from "../../contracts/staking/StakeManager.sol";
import {DatasetRegistry} from "../../contracts/datasets/DatasetRegistry.sol";
import {IDatasetRegistry} from "../../contracts/interfaces/IDatasetRegistry.sol";
import {IStakeManager} from "../../contracts/interfaces/IStakeManager.sol";
import {VrfRequest} from "../../contracts/libraries/VrfRequest.sol";
import {VeritrainToken} from "../../contracts/token/VeritrainToken.sol";

/// @notice Fuzzed slash and release accounting of DatasetRegistry: a provider reported faulty on
/// several datasets loses min(faults x faultPenalty, providerStake), never stake another module
/// locked, and gets exactly the rest back when its last column goes.
contract DatasetRegistryFuzzTest is Test {
    uint256 internal constant OTHER_MODULE_LOCK = 7e18;
    uint16 internal constant SHARE_BPS = 5000;

    VeritrainToken internal token;
    StakeManager internal stakeManager;
    VRFCoordinatorV2_5Mock internal vrf;
    DatasetRegistry internal registry;
    address internal otherModule = makeAddr("other module");
    address internal owner = makeAddr("owner");
    address[2] internal providers = [makeAddr("provider 0"), makeAddr("provider 1")];

    function _deploy(uint96 providerStake, uint96 faultPenalty) internal {
        token = new VeritrainToken(address(this), 1e30);
        stakeManager = new StakeManager(token, makeAddr("treasury"), 1 days, SHARE_BPS, address(this));
        vrf = new VRFCoordinatorV2_5Mock(0, 0, 1e18);
        uint256 subId = vrf.createSubscription();
        vrf.fundSubscription(subId, 1_000_000 ether);
        registry = new DatasetRegistry(
            address(vrf),
            makeAddr("governance"),
            stakeManager,
            providerStake,
            faultPenalty,
            IDatasetRegistry.Periods(1 days, 1 days, 1 hours),
            VrfRequest.Params(bytes32(0), subId, 5_000_000, 3),
            address(this)
        );
        vrf.addConsumer(subId, address(registry));
        stakeManager.grantRole(stakeManager.MODULE_ROLE(), address(registry));
        stakeManager.grantRole(stakeManager.MODULE_ROLE(), otherModule);
        registry.grantRole(registry.FAULT_REPORTER_ROLE(), address(this));
        for (uint256 i; i < 2; ++i) {
            token.transfer(providers[i], uint256(providerStake) + OTHER_MODULE_LOCK);
            vm.startPrank(providers[i]);
            token.approve(address(stakeManager), type(uint256).max);
            stakeManager.stake(uint256(providerStake) + OTHER_MODULE_LOCK);
            registry.join("/ip4/127.0.0.1/tcp/4001");
            vm.stopPrank();
            // Stake another module locked beside the registry's: no slash or release may touch it.
            vm.prank(otherModule);
            stakeManager.lock(providers[i], OTHER_MODULE_LOCK);
        }
        // A draw counts providers that joined before its request's second.
        vm.warp(block.timestamp + 1);
        token.transfer(owner, 1e24);
        vm.prank(owner);
        token.approve(address(registry), type(uint256).max);
    }

    /// @dev Registers and places a 1+1 dataset on both providers.
    function _placeDataset() internal {
        bytes32[] memory roots = new bytes32[](2);
        roots[0] = bytes32(uint256(1));
        roots[1] = bytes32(uint256(2));
        vm.recordLogs();
        vm.prank(owner);
        registry.register(
            IDatasetRegistry.Registration({
                manifestDigest: keccak256("manifest"),
                datasetRoot: bytes32(uint256(3)),
                columnRoots: roots,
                k: 1,
                n: 2,
                shardSize: 1024,
                stripeCount: 1,
                byteLength: 1000,
                payment: 1e18,
                term: 1 days,
                verifierVersion: 0
            })
        );
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == IDatasetRegistry.PlacementRequested.selector) {
                vrf.fulfillRandomWords(uint256(logs[i].topics[2]), address(registry));
            }
        }
        registry.applyPlacement(registry.datasetCount(), 2);
    }

    /// @notice Over any stake, penalty and number of faults, the books balance to the wei.
    function testFuzz_reportFaulty_slashThenRelease_booksBalance_succeeds(
        uint96 providerStake,
        uint96 faultPenalty,
        uint8 faults,
        bool exitFirst
    ) public {
        providerStake = uint96(bound(providerStake, 1, 1e27));
        faultPenalty = uint96(bound(faultPenalty, 1, providerStake));
        faults = uint8(bound(faults, 1, 6));
        _deploy(providerStake, faultPenalty);
        address victim = providers[0];
        (uint256 slashedTotal, uint256 toTreasury) = _reportOnDatasets(victim, providerStake, faultPenalty, faults);
        bool stillProvider = registry.lockedStakeOf(victim) == providerStake;
        assertEq(_isProvider(victim), stillProvider, "removed once under-staked");
        if (exitFirst && stillProvider) {
            vm.prank(victim);
            registry.exit();
        }
        // Every dataset ends: each settlement releases the victim's column; the last one its stake.
        vm.warp(block.timestamp + 1 days);
        for (uint256 id = 1; id <= faults; ++id) {
            registry.settle(id);
        }
        IStakeManager.Stake memory s = stakeManager.stakeOf(victim);
        bool released = !_isProvider(victim);
        assertEq(registry.lockedStakeOf(victim), released ? 0 : providerStake, "books after release");
        assertEq(s.locked, OTHER_MODULE_LOCK + (released ? 0 : providerStake), "the other module's lock untouched");
        assertEq(s.available + s.locked, uint256(providerStake) + OTHER_MODULE_LOCK - slashedTotal, "stake minus slashes");
        assertEq(token.balanceOf(stakeManager.treasury()), toTreasury, "treasury got the rest of each slash");
    }

    /// @dev Places `faults` datasets and reports `victim`'s column of each, checking every slash.
    function _reportOnDatasets(address victim, uint256 providerStake, uint256 faultPenalty, uint256 faults)
        internal
        returns (uint256 slashedTotal, uint256 toTreasury)
    {
        // Placed while both providers are in the set: each holds a column of every dataset.
        for (uint256 i; i < faults; ++i) {
            _placeDataset();
        }
        for (uint256 datasetId = 1; datasetId <= faults; ++datasetId) {
            uint256 column = registry.holders(datasetId)[0] == victim ? 0 : 1;
            uint256 left = providerStake - slashedTotal;
            uint256 due = faultPenalty < left ? faultPenalty : left;
            (address holder, uint256 slashed) = registry.reportFaulty(datasetId, column);
            assertEq(holder, victim, "holder");
            assertEq(slashed, due, "slash capped by the stake still booked");
            slashedTotal += due;
            toTreasury += due - due * SHARE_BPS / 10_000;
            assertEq(registry.lockedStakeOf(victim), providerStake - slashedTotal, "books");
            assertEq(stakeManager.stakeOf(victim).locked, providerStake - slashedTotal + OTHER_MODULE_LOCK, "locked");
        }
    }

    function _isProvider(address account) internal view returns (bool) {
        address[] memory current = registry.providers();
        for (uint256 i; i < current.length; ++i) if (current[i] == account) return true;
        return false;
    }
}
