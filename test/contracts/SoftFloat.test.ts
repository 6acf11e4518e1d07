import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getContract, parseAbi, type Address } from "viem";
import { networkHelpers, viem } from "./fixture.ts";
import { NAN32, NAN64, SOFT_FLOAT_OPS, softFloatCases, type SoftFloatOp } from "../harness/softFloatCases.ts";

/** ABI of test/contracts/utils/SoftFloatHarness.sol (Hardhat types only contracts/ sources). */
const HARNESS_ABI = parseAbi([
  "function run(uint8 op, uint64[] a, uint64[] b) pure returns (uint64[])",
  "function gasUsed(uint8 op, uint64[] a, uint64[] b) view returns (uint256[])",
  "function evaluate(uint8 op, uint64 a, uint64 b) pure returns (uint64)",
  "error SoftFloatNotConvertible(uint64 a)",
]);

/** The seed of the CI cases; bench/dispute.ts draws a million from other seeds. */
const SEED = 0x5f10a7n;
/** Seeded cases per operation (the first ones are the edge values, crossed for binary operations). */
const CASES_PER_OP = 5_000;

/** Gas bounds per operation (the worst case of a batch, inside the library), a margin above what was measured. */
const GAS_BOUND: Readonly<Record<SoftFloatOp, number>> = {
  add: 3_000,
  sub: 3_000,
  mul: 3_000,
  div: 3_000,
  sqrt: 3_000,
  lt: 1_000,
  le: 1_000,
  eq: 1_000,
  toF32: 2_000,
  toF64: 2_000,
  floor: 1_000,
  fromInt: 2_000,
  toInt: 1_500,
  expF64: 40_000,
  logF64: 40_000,
  cosF64: 30_000,
  sigmoidF64: 40_000,
  tanhF64: 40_000,
};

const code = (op: SoftFloatOp) => SOFT_FLOAT_OPS.indexOf(op);
const hex = (word: bigint) => `0x${word.toString(16).padStart(16, "0")}`;

async function deployHarness() {
  const { address }: { address: Address } = await viem.deployContract("SoftFloatHarness");
  return { harness: getContract({ address, abi: HARNESS_ABI, client: { public: await viem.getPublicClient() } }) };
}

describe("SoftFloat", () => {
  describe("when given the seeded cases, every operation agrees with JavaScript bit for bit", () => {
    for (const op of SOFT_FLOAT_OPS) {
      it(`${op}: ${CASES_PER_OP.toLocaleString("en")} cases`, async () => {
        const { harness } = await networkHelpers.loadFixture(deployHarness);
        for (const { code, a, b, expected } of softFloatCases({ seed: SEED, op, count: CASES_PER_OP })) {
          const results = await harness.read.run([code, a, b]);
          for (const [i, result] of results.entries()) {
            if (result !== expected[i]) {
              assert.fail(`${op}(${hex(a[i]!)}${b.length > 0 ? `, ${hex(b[i]!)}` : ""}) = ${hex(result)}, JavaScript gives ${hex(expected[i]!)}`);
            }
          }
        }
      });
    }
  });

  describe("when given hand-written vectors", () => {
    const check = async (op: SoftFloatOp, vectors: readonly (readonly [bigint, bigint, bigint])[]) => {
      const { harness } = await networkHelpers.loadFixture(deployHarness);
      const results = await harness.read.run([code(op), vectors.map(([a]) => a), vectors.map(([, b]) => b)]);
      assert.deepEqual(results.map(hex), vectors.map(([, , expected]) => hex(expected)), op);
    };

    it("exp32 = toF32(expF64(x)) gives the vectors of docs/training.md §7", async () => {
      const { harness } = await networkHelpers.loadFixture(deployHarness);
      // 1, −0.1, −87.5, −103
      const x = [0x3ff0000000000000n, 0xbfb999999999999an, 0xc055e00000000000n, 0xc059c00000000000n];
      const exp = await harness.read.run([code("expF64"), x, []]);
      assert.deepEqual(exp.map(hex), [0x4005bf0a8b14576an, 0x3fecf46d99d52b3an, 0x380b2caeeaab824an, 0x36a525be4e4e601dn].map(hex));
      const exp32 = await harness.read.run([code("toF32"), [...exp], []]);
      assert.deepEqual(exp32, [0x402df854n, 0x3f67a36dn, 0x006cb2bcn, 0x00000001n]);
    });

    it("sigmoidF64 and tanhF64 give the vectors of docs/training.md §7, and saturate or keep ±0", async () => {
      const { harness } = await networkHelpers.loadFixture(deployHarness);
      // 1, −5, 1e−5 (as binary64): the §7 vectors are the binary32 bits of fround(f(x)).
      const x = [0x3ff0000000000000n, 0xc014000000000000n, 0x3ee4f8b588e368f1n];
      const rounded = async (op: "sigmoidF64" | "tanhF64") => harness.read.run([code("toF32"), [...(await harness.read.run([code(op), x, []]))], []]);
      assert.deepEqual(await rounded("sigmoidF64"), [0x3f3b26a8n, 0x3bdb4fb4n, 0x3f00002an]);
      assert.deepEqual(await rounded("tanhF64"), [0x3f42f7d6n, 0xbf7ffa0dn, 0x3727c5acn]);
      await check("sigmoidF64", [
        [0xc059000000000000n, 0n, 0x0000000000000000n], // σ(−100) = +0: e^100 is +∞ past 89
        [0x405a400000000000n, 0n, 0x3ff0000000000000n], // σ(105) = 1: e^−105 is +0 below −104
      ]);
      await check("tanhF64", [
        [0x8000000000000000n, 0n, 0x8000000000000000n], // tanh(−0) = −0
        [0xc046800000000000n, 0n, 0xbff0000000000000n], // tanh(−45) = −1: e^90 is +∞
        [0x7ff8000000000001n, 0n, NAN64], // a NaN payload is not kept
      ]);
    });

    it("logF64 of 1, 2, 0.1, the least subnormal and the largest finite", async () => {
      await check("logF64", [
        [0x3ff0000000000000n, 0n, 0x0000000000000000n],
        [0x4000000000000000n, 0n, 0x3fe62e42fefa39efn],
        [0x3fb999999999999an, 0n, 0xc0026bb1bbb55515n],
        [0x0000000000000001n, 0n, 0xc0874385446d71c3n],
        [0x7fefffffffffffffn, 0n, 0x40862e42fefa39efn],
        [0x8000000000000000n, 0n, 0xfff0000000000000n], // log(−0) = −∞
        [0xbff0000000000000n, 0n, NAN64], // log(−1) = NaN
      ]);
    });

    it("cosF64 gives the vectors of docs/training.md §7, and NaN outside [0, π]", async () => {
      await check("cosF64", [
        [0x3fb999999999999an, 0n, 0x3fefd712f9a817c0n], // 0.1
        [0x3ff0000000000000n, 0n, 0x3fe14a280fb5068cn], // 1
        [0x3ff921fb54442d18n, 0n, 0x3c91a62633145c07n], // π/2
        [0x4000000000000000n, 0n, 0xbfdaa22657537205n], // 2
        [0x400921fb54442d18n, 0n, 0xbff0000000000000n], // π
        [0x0000000000000000n, 0n, 0x3ff0000000000000n], // +0
        [0x8000000000000000n, 0n, 0x3ff0000000000000n], // −0 is in [0, π]
        [0x400921fb54442d19n, 0n, NAN64], // the binary64 after π
        [0x8000000000000001n, 0n, NAN64], // the least negative subnormal
        [NAN64, 0n, NAN64],
      ]);
    });

    it("add and sub round ties to even and sign zeros as IEEE 754", async () => {
      await check("add", [
        [0x3ff0000000000000n, 0x3ca0000000000000n, 0x3ff0000000000000n], // 1 + 2^-53: a tie, to even 1
        [0x3ff0000000000001n, 0x3ca0000000000000n, 0x3ff0000000000002n], // (1 + 2^-52) + 2^-53: to even, up
        [0x0000000000000000n, 0x8000000000000000n, 0x0000000000000000n], // +0 + −0 = +0
        [0x8000000000000000n, 0x8000000000000000n, 0x8000000000000000n], // −0 + −0 = −0
        [0x0010000000000000n, 0x800fffffffffffffn, 0x0000000000000001n], // least normal − largest subnormal
        [0x7ff0000000000000n, 0xfff0000000000000n, NAN64], // ∞ − ∞
        [0xfff0000000000001n, 0x3ff0000000000000n, NAN64], // a NaN payload is not kept
      ]);
      await check("sub", [[0x4014000000000000n, 0x4014000000000000n, 0x0000000000000000n]]); // 5 − 5 = +0
    });

    it("mul, div and sqrt round into the subnormals, overflow to ∞, and give NaN for 0·∞, 0/0, √−1", async () => {
      await check("mul", [
        [0x0000000000000001n, 0x3fe0000000000000n, 0x0000000000000000n], // 2^-1074 · 0.5: a tie, to even 0
        [0x0000000000000003n, 0x3fe0000000000000n, 0x0000000000000002n], // 3·2^-1074 · 0.5: a tie, to even 2
        [0x0010000000000001n, 0x3fefffffffffffffn, 0x0010000000000000n], // rounds up to the least normal
        [0x7fefffffffffffffn, 0x4000000000000000n, 0x7ff0000000000000n], // max · 2 = ∞
        [0x8000000000000000n, 0x4014000000000000n, 0x8000000000000000n], // −0 · 5 = −0
        [0x0000000000000000n, 0x7ff0000000000000n, NAN64], // 0 · ∞
      ]);
      await check("div", [
        [0x3ff0000000000000n, 0x4008000000000000n, 0x3fd5555555555555n], // 1/3
        [0x3ff0000000000000n, 0x8000000000000000n, 0xfff0000000000000n], // 1/−0 = −∞
        [0x0000000000000000n, 0x0000000000000000n, NAN64], // 0/0
      ]);
      await check("sqrt", [
        [0x4000000000000000n, 0n, 0x3ff6a09e667f3bcdn], // √2
        [0x8000000000000000n, 0n, 0x8000000000000000n], // √−0 = −0
        [0xbff0000000000000n, 0n, NAN64], // √−1
      ]);
    });

    it("toF32 rounds once, to even, at the binary32 overflow and underflow boundaries", async () => {
      await check("toF32", [
        [0x47effffff0000000n, 0n, 0x7f800000n], // 3.4028235677973366e38, the tie above the largest binary32: ∞
        [0x47efffffefffffffn, 0n, 0x7f7fffffn], // just below it: the largest binary32
        [0x3690000000000000n, 0n, 0x00000000n], // 2^-150, half the least subnormal: to even 0
        [0x3690000000000001n, 0n, 0x00000001n], // just above: the least subnormal
        [0x36a8000000000000n, 0n, 0x00000002n], // 1.5·2^-149: a tie, to even 2·2^-149
        [0xfff8000000000001n, 0n, NAN32],
      ]);
    });

    it("floor, the comparisons and the integer conversions follow JavaScript", async () => {
      await check("floor", [
        [0xbfe0000000000000n, 0n, 0xbff0000000000000n], // ⌊−0.5⌋ = −1
        [0x8000000000000000n, 0n, 0x8000000000000000n], // ⌊−0⌋ = −0
        [0x3fe0000000000000n, 0n, 0x0000000000000000n], // ⌊0.5⌋ = +0
        [0xc004000000000000n, 0n, 0xc008000000000000n], // ⌊−2.5⌋ = −3
      ]);
      await check("lt", [[NAN64, 0x3ff0000000000000n, 0n], [0x8000000000000000n, 0n, 0n], [0xbff0000000000000n, 0n, 1n]]);
      await check("le", [[0x8000000000000000n, 0n, 1n], [0x3ff0000000000000n, NAN64, 0n]]);
      await check("eq", [[0x8000000000000000n, 0n, 1n], [NAN64, NAN64, 0n]]);
      await check("fromInt", [[(1n << 53n) + 1n, 0n, 0x4340000000000000n], [BigInt.asUintN(64, -3n), 0n, 0xc008000000000000n]]);
      await check("toInt", [[0xc004000000000000n, 0n, BigInt.asUintN(64, -2n)], [0x3fefffffffffffffn, 0n, 0n]]);
    });

    it("toInt reverts with SoftFloatNotConvertible for NaN, ±∞ and 2^255", async () => {
      const { harness } = await networkHelpers.loadFixture(deployHarness);
      for (const a of [NAN64, 0xfff0000000000000n, 0x4fe0000000000000n]) {
        await assert.rejects(harness.read.evaluate([code("toInt"), a, 0n]), new RegExp(`SoftFloatNotConvertible\\(${a}\\)`));
      }
    });
  });

  describe("when measuring gas", () => {
    it("keeps every operation under its bound (the worst of 500 seeded cases)", async () => {
      const { harness } = await networkHelpers.loadFixture(deployHarness);
      for (const op of SOFT_FLOAT_OPS) {
        let worst = 0n;
        for (const { a, b } of softFloatCases({ seed: SEED + 1n, op, count: 500 })) {
          for (const gas of await harness.read.gasUsed([code(op), a, b])) if (gas > worst) worst = gas;
        }
        assert.ok(worst <= GAS_BOUND[op], `${op}: ${worst} gas > ${GAS_BOUND[op]}`);
      }
    });
  });
});
