/**
 * NF4 block-wise quantisation (docs/training.md §6b): a hand-checked block, bit-for-bit agreement with
 * bitsandbytes' CUDA algorithm transcribed below from its source, and round-trip properties.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { dequantizeNf4, NF4_THRESHOLDS, NF4_VALUES, quantizeNf4 } from "../../../keepers/src/training/nf4.ts";
import { PRNG_DOMAIN, SplitMix64 } from "../../../keepers/src/training/prng.ts";

/**
 * bitsandbytes-foundation/bitsandbytes csrc/kernels.cu (commit c037a306e97ced3c452570132f66aac4e2964056),
 * `dQuantizeNF4`, transcribed: its decision tree with its decimal constants, in binary32.
 */
function bnbQuantizeNf4(x: number): number {
  const f = Math.fround;
  if (x > f(0.03979014977812767)) {
    if (x > f(0.3893125355243683)) {
      if (x > f(0.6427869200706482)) return x > f(0.8614784181118011) ? 0b1111 : 0b1110;
      return x > f(0.5016634166240692) ? 0b1101 : 0b1100;
    }
    if (x > f(0.2035212516784668)) return x > f(0.2920137718319893) ? 0b1011 : 0b1010;
    return x > f(0.1202552504837513) ? 0b1001 : 0b1000;
  }
  if (x > f(-0.33967943489551544)) {
    if (x > f(-0.13791173323988914)) return x > f(-0.045525018125772476) ? 0b0111 : 0b0110;
    return x > f(-0.23460740596055984) ? 0b0101 : 0b0100;
  }
  if (x > f(-0.6106329262256622)) return x > f(-0.4599952697753906) ? 0b0011 : 0b0010;
  return x > f(-0.8480964004993439) ? 0b0001 : 0b0000;
}

/** The same file's `dDequantizeNF4` constants, code 0 … 15. */
const BNB_NF4 = [
  -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635, -0.18477343022823334,
  -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
  0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
];

/**
 * The same file's `kQuantizeBlockwise` (NF4, blocksize 64) on binary32 input, transcribed: absmax = max |x| per
 * block, `local_abs_max = 1.0f/local_abs_max`, codes of `vals[j]*local_abs_max`, element 2j in the high nibble.
 */
function bnbQuantizeBlockwise(values: Float32Array): { codes: Uint8Array; absmax: Float32Array } {
  const blocks = Math.ceil(values.length / 64);
  const absmax = new Float32Array(blocks);
  const codes = new Uint8Array(Math.ceil(values.length / 2));
  for (let b = 0; b < blocks; b++) {
    const block = values.subarray(64 * b, 64 * b + 64);
    absmax[b] = block.reduce((max, x) => Math.max(max, Math.abs(x)), 0);
    const reciprocal = Math.fround(1 / absmax[b]!);
    block.forEach((x, j) => {
      const i = 64 * b + j;
      const q = bnbQuantizeNf4(Math.fround(x * reciprocal));
      codes[i >> 1] = i % 2 === 0 ? q << 4 : codes[i >> 1]! | q;
    });
  }
  return { codes, absmax };
}

/** `n` binary32 values of a normal-ish distribution times `scale`, from a keyed stream. */
function randomWeights(n: number, seed: bigint, scale = 0.1): Float32Array {
  const rng = SplitMix64.keyed({ seed, domain: PRNG_DOMAIN.init, index: 0n });
  return Float32Array.from({ length: n }, () => scale * (rng.nextUnit() + rng.nextUnit() + rng.nextUnit() - 1.5));
}

const nextUp = (x: number) => {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, x);
  const bits = view.getInt32(0);
  view.setInt32(0, x >= 0 ? bits + 1 : bits - 1);
  return view.getFloat32(0);
};
const nextDown = (x: number) => -nextUp(-x);

describe("NF4", () => {
  it("has bitsandbytes' 16 values and its decision tree's 15 thresholds, the binary32 midpoints", () => {
    assert.deepEqual(Array.from(NF4_VALUES), BNB_NF4.map(Math.fround));
    NF4_THRESHOLDS.forEach((t, j) => {
      assert.equal(bnbQuantizeNf4(t), j, `threshold ${j} (${t}) takes the lower code`);
      assert.equal(bnbQuantizeNf4(nextUp(t)), j + 1, `just above threshold ${j}`);
    });
  });

  it("quantises a hand-checked block: codes, packing and absmax", () => {
    // absmax 2, r = 0.5: u = 0.5 → 12 (0.4407 is nearer than 0.5626), −1 → 0, 0.25 → 10, 0 → 7, −0.05 → 6 (−0.0911), 1 → 15.
    const block = Float32Array.from([1, -2, 0.5, 0, -0.1, 2]);
    const q = quantizeNf4(block);
    assert.equal(q.size, 6);
    assert.deepEqual(Array.from(q.codes), [0xc0, 0xa7, 0x6f]);
    assert.deepEqual(Array.from(q.absmax), [2]);
    const back = dequantizeNf4(q, new Float32Array(6));
    assert.deepEqual(Array.from(back), [0.44070982933044434, -1, 0.24611230194568634, 0, -0.09105003625154495, 1].map((c) => Math.fround(Math.fround(c) * 2)));
  });

  it("agrees bit for bit with bitsandbytes' kQuantizeBlockwise on random tensors, a partial last block and every threshold's neighbours", () => {
    for (const [n, seed] of [[64, 1n], [1000, 2n], [4097, 3n]] as const) {
      const values = randomWeights(n, seed);
      const mine = quantizeNf4(values);
      const theirs = bnbQuantizeBlockwise(values);
      assert.deepEqual(mine.codes, theirs.codes, `codes of ${n} values`);
      assert.deepEqual(mine.absmax, theirs.absmax, `absmax of ${n} values`);
    }
    // Blocks whose absmax is 1: u = x exactly, so each threshold and its binary32 neighbours are hit.
    const probes = Array.from(NF4_THRESHOLDS).flatMap((t) => [nextDown(t), t, nextUp(t)]);
    const edges = Float32Array.from({ length: 64 * Math.ceil(probes.length / 63) }, (_, i) => (i % 64 === 0 ? 1 : probes[i - 1 - Math.floor(i / 64)] ?? 0));
    assert.deepEqual(quantizeNf4(edges).codes, bnbQuantizeBlockwise(edges).codes);
  });

  it("picks the nearest code of x / absmax", () => {
    const values = randomWeights(640, 4n);
    const q = quantizeNf4(values);
    values.forEach((x, i) => {
      const u = x / q.absmax[i >> 6]!;
      const code = i % 2 === 0 ? q.codes[i >> 1]! >> 4 : q.codes[i >> 1]! & 15;
      const distance = Math.abs(u - NF4_VALUES[code]!);
      NF4_VALUES.forEach((c) => assert.ok(distance <= Math.abs(u - c) + 1e-6, `element ${i}: code ${code} for u = ${u}`));
    });
  });

  it("round-trips: the dequantised tensor quantises to the same codes and absmax, errors stay within half a code gap, powers of two commute", () => {
    const values = randomWeights(1000, 5n);
    const q = quantizeNf4(values);
    const back = dequantizeNf4(q, new Float32Array(values.length));
    const again = quantizeNf4(back);
    assert.deepEqual(again.codes, q.codes);
    assert.deepEqual(again.absmax, q.absmax);
    const halfGap = Math.max(...Array.from(NF4_THRESHOLDS, (_, j) => (NF4_VALUES[j + 1]! - NF4_VALUES[j]!) / 2));
    values.forEach((x, i) => assert.ok(Math.abs(x - back[i]!) <= halfGap * q.absmax[i >> 6]! * (1 + 2 ** -20), `element ${i}`));
    const scaled = quantizeNf4(values.map((x) => x * 8));
    assert.deepEqual(scaled.codes, q.codes);
    assert.deepEqual(Array.from(scaled.absmax), Array.from(q.absmax, (m) => m * 8));
  });

  it("gives a block of zeros code 0 and −0, as bitsandbytes' 0·(1/0) = NaN does, and refuses non-finite values", () => {
    const q = quantizeNf4(new Float32Array(3));
    assert.deepEqual(Array.from(q.codes), [0, 0]);
    assert.deepEqual(bnbQuantizeBlockwise(new Float32Array(3)).codes, q.codes);
    assert.ok(dequantizeNf4(q, new Float32Array(3)).every((w) => Object.is(w, -0)));
    assert.throws(() => quantizeNf4(Float32Array.from([0.5, Number.NaN])), (error: unknown) =>
      error instanceof VeritrainError && error.code === "NF4_INPUT_INVALID" && /element 1 \(NaN\)/.test(error.message));
  });
});
