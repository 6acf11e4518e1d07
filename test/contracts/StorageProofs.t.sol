// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IDatasetRegistry} from "../../contracts/interfaces/IDatasetRegistry.sol";
import {IStorageProofs} from "../../contracts/interfaces/IStorageProofs.sol";
import {VeritrainToken} from "../../contracts/token/VeritrainToken.sol";
import {ProtocolBase} from "./utils/ProtocolBase.sol";

/// @notice closeRound's bounded, resumable work: a round with more missing proofs than
/// MAX_CLOSE_REPORTS closes over several calls, reporting each missing proof exactly once.
contract StorageProofsCloseTest is ProtocolBase {
    uint8 internal constant COLUMNS = 40;

    function setUp() public {
        _deployProtocol(IERC20(address(new VeritrainToken(address(this), 1e30))), 3, 2);
        for (uint256 i; i < COLUMNS; ++i) {
            address provider = makeAddr(string(abi.encode("wide provider", i)));
            token.transfer(provider, PROVIDER_STAKE);
            vm.startPrank(provider);
            token.approve(address(stakeManager), type(uint256).max);
            stakeManager.stake(PROVIDER_STAKE);
            datasetRegistry.join("/ip4/127.0.0.1/tcp/4001");
            vm.stopPrank();
        }
        // A draw counts providers that joined before its request's second.
        vm.warp(block.timestamp + 1);
    }

    function test_closeRound_moreMissingThanOneCallReports_closesOverCalls_succeeds() public {
        bytes32[] memory roots = new bytes32[](COLUMNS);
        for (uint256 i; i < COLUMNS; ++i) roots[i] = bytes32(i + 1);
        token.approve(address(datasetRegistry), 1e18);
        vm.recordLogs();
        uint256 datasetId = datasetRegistry.register(
            IDatasetRegistry.Registration({
                manifestDigest: keccak256("wide manifest"),
                datasetRoot: bytes32(uint256(99)),
                columnRoots: roots,
                k: 1,
                n: COLUMNS,
                shardSize: 1024,
                stripeCount: 1,
                byteLength: 1000,
                payment: 1e18,
                term: 30 days,
                verifierVersion: 1
            })
        );
        _fulfillLogged(address(datasetRegistry), IDatasetRegistry.PlacementRequested.selector);
        datasetRegistry.applyPlacement(datasetId, COLUMNS);
        address[] memory holders = datasetRegistry.holders(datasetId);
        for (uint256 column; column < COLUMNS; ++column) {
            vm.prank(holders[column]);
            datasetRegistry.acceptColumn(datasetId, column);
        }
        IStorageProofs.Round memory round = _openProofRound(datasetId);
        assertEq(round.audited, (uint256(1) << COLUMNS) - 1, "every column audited");
        // Column 3 is proved; the other 39 are missing.
        uint256[8] memory proof;
        IStorageProofs.ProofTerms memory terms = storageProofs.proofTerms(datasetId, 3, holders[3]);
        vm.prank(holders[3]);
        assertTrue(storageProofs.submitProof(datasetId, round.number, 3, proof, terms));
        vm.warp(round.deadline);

        storageProofs.closeRound(datasetId);
        assertEq(uint8(storageProofs.currentRound(datasetId).status), uint8(IStorageProofs.RoundStatus.Open), "32 reported, 7 left");
        (bool needed,) = storageProofs.checkUpkeep(abi.encode(datasetId, 1));
        assertTrue(needed, "the rest is due");
        storageProofs.closeRound(datasetId);
        IStorageProofs.Round memory closed = storageProofs.currentRound(datasetId);
        assertEq(uint8(closed.status), uint8(IStorageProofs.RoundStatus.Closed));
        assertEq(closed.proved, uint256(1) << 3, "only column 3 proved");
        for (uint256 column; column < COLUMNS; ++column) {
            uint256 locked = stakeManager.stakeOf(holders[column]).locked;
            assertEq(locked, column == 3 ? PROVIDER_STAKE : PROVIDER_STAKE - FAULT_PENALTY, "each missing proof slashed once");
        }
    }
}
