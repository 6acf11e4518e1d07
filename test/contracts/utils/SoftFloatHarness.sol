// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {SoftFloat} from "../../../contracts/libraries/SoftFloat.sol";

/// @notice Exposes SoftFloat to tests in batches (thousands of cases per eth_call), and measures its gas.
/// @dev Operation codes (test/harness/softFloatCases.ts mirrors them): 0 add, 1 sub, 2 mul, 3 div, 4 sqrt, 5 lt,
/// 6 le, 7 eq, 8 toF32, 9 toF64, 10 floor, 11 fromInt, 12 toInt, 13 expF64, 14 logF64, 15 cosF64, 16 sigmoidF64,
/// 17 tanhF64. Every operand and result is a uint64 word: binary64 bits; binary32 bits in the low 32 bits (toF32's
/// result, toF64's operand); an int64 in two's complement (fromInt's operand, toInt's result); 0 or 1 for a
/// comparison. Unary operations ignore `b`, which may then be empty.
contract SoftFloatHarness {
    /// @notice Thrown for an operation code above 17.
    error SoftFloatHarnessUnknownOp(uint8 op);

    /// @notice `op` applied to (a[i], b[i]) for every i.
    function run(uint8 op, uint64[] calldata a, uint64[] calldata b) external pure returns (uint64[] memory results) {
        results = new uint64[](a.length);
        for (uint256 i; i < a.length; ++i) {
            results[i] = evaluate(op, a[i], b.length == 0 ? 0 : b[i]);
        }
    }

    /// @notice The gas each case of the batch uses in {evaluate} (the call and the loop excluded; the dispatch on
    /// `op` included).
    function gasUsed(uint8 op, uint64[] calldata a, uint64[] calldata b) external view returns (uint256[] memory gas) {
        gas = new uint256[](a.length);
        for (uint256 i; i < a.length; ++i) {
            uint64 x = a[i];
            uint64 y = b.length == 0 ? 0 : b[i];
            uint256 before = gasleft();
            evaluate(op, x, y);
            gas[i] = before - gasleft();
        }
    }

    /// @notice `op` applied to one case.
    function evaluate(uint8 op, uint64 a, uint64 b) public pure returns (uint64) {
        if (op == 0) return SoftFloat.add(a, b);
        if (op == 1) return SoftFloat.sub(a, b);
        if (op == 2) return SoftFloat.mul(a, b);
        if (op == 3) return SoftFloat.div(a, b);
        if (op == 4) return SoftFloat.sqrt(a);
        if (op == 5) return SoftFloat.lt(a, b) ? 1 : 0;
        if (op == 6) return SoftFloat.le(a, b) ? 1 : 0;
        if (op == 7) return SoftFloat.eq(a, b) ? 1 : 0;
        if (op == 8) return SoftFloat.toF32(a);
        if (op == 9) return SoftFloat.toF64(uint32(a));
        if (op == 10) return SoftFloat.floor(a);
        if (op == 11) return SoftFloat.fromInt(int64(a));
        if (op == 12) return uint64(int64(SoftFloat.toInt(a)));
        if (op == 13) return SoftFloat.expF64(a);
        if (op == 14) return SoftFloat.logF64(a);
        if (op == 15) return SoftFloat.cosF64(a);
        if (op == 16) return SoftFloat.sigmoidF64(a);
        if (op == 17) return SoftFloat.tanhF64(a);
        revert SoftFloatHarnessUnknownOp(op);
    }
}
