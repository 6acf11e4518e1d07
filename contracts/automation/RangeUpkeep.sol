// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {AutomationCompatibleInterface} from
    "@chainlink/contracts/src/v0.8/automation/interfaces/AutomationCompatibleInterface.sol";

/// @title RangeUpkeep
/// @notice Chainlink Automation–compatible upkeep over records numbered 1..n (jobs, disputes):
/// `checkUpkeep` scans a range of ids off-chain for due work, `performUpkeep` does it.
/// Any keeper can drive it the same way Chainlink Automation does.
abstract contract RangeUpkeep is AutomationCompatibleInterface, ReentrancyGuard {
    /// @notice Most ids one `checkUpkeep` call scans.
    uint256 public constant MAX_UPKEEP_SCAN = 500;
    /// @notice Most ids one `performUpkeep` call handles.
    uint256 public constant MAX_UPKEEP_BATCH = 20;

    /// @notice Finds up to MAX_UPKEEP_BATCH ids with due work among [from, from + count).
    /// @param checkData `abi.encode(uint256 from, uint256 count)`; empty scans from id 1.
    /// `count` is capped at MAX_UPKEEP_SCAN.
    /// @return upkeepNeeded Whether any work is due.
    /// @return performData `abi.encode(uint256[] ids)` for {performUpkeep}.
    function checkUpkeep(bytes calldata checkData)
        external
        view
        returns (bool upkeepNeeded, bytes memory performData)
    {
        (uint256 from, uint256 count) =
            checkData.length == 0 ? (1, MAX_UPKEEP_SCAN) : abi.decode(checkData, (uint256, uint256));
        if (from == 0) from = 1;
        if (count > MAX_UPKEEP_SCAN) count = MAX_UPKEEP_SCAN;
        uint256 last = _upkeepCount();
        uint256[] memory due = new uint256[](MAX_UPKEEP_BATCH);
        uint256 found;
        for (uint256 id = from; id < from + count && id <= last && found < MAX_UPKEEP_BATCH; ++id) {
            if (_upkeepDue(id)) due[found++] = id;
        }
        // Shrink the array to the ids found: found <= MAX_UPKEEP_BATCH, its allocated length.
        assembly ("memory-safe") {
            mstore(due, found)
        }
        return (found != 0, abi.encode(due));
    }

    /// @notice Does the due work of each id in `performData`. Ids with nothing due (for instance
    /// handled meanwhile by another keeper) are skipped, so racing keepers never revert each other.
    /// @param performData `abi.encode(uint256[] ids)`; ids past MAX_UPKEEP_BATCH are ignored.
    function performUpkeep(bytes calldata performData) external nonReentrant {
        uint256[] memory ids = abi.decode(performData, (uint256[]));
        uint256 n = ids.length < MAX_UPKEEP_BATCH ? ids.length : MAX_UPKEEP_BATCH;
        for (uint256 i; i < n; ++i) {
            if (_upkeepDue(ids[i])) _performUpkeep(ids[i]);
        }
    }

    /// @dev The highest id in use.
    function _upkeepCount() internal view virtual returns (uint256);

    /// @dev Whether record `id` has work due now.
    function _upkeepDue(uint256 id) internal view virtual returns (bool);

    /// @dev Does record `id`'s due work; called only when {_upkeepDue} is true.
    function _performUpkeep(uint256 id) internal virtual;
}
