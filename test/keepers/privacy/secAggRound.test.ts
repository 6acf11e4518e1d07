import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { recomputeSum } from "../../../keepers/src/privacy/secAgg/aggregator.ts";
import { ringOrder } from "../../../keepers/src/privacy/secAgg/neighbourGraph.ts";
import { dequantiseSum, quantisation, quantise } from "../../../keepers/src/privacy/secAgg/quantisation.ts";
import { secAggConfig, type SecAggConfig } from "../../../keepers/src/privacy/secAgg/secAggConfig.ts";
import { SplitMix64 } from "../../../keepers/src/training/prng.ts";
import { CHI2_255_P1E6, chiSquareBytes, plainSum, runRound } from "./secAggHarness.ts";

const LENGTH = 257;
const roundSeed = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (i * 29 + n) & 0xff);

/** Seeded float updates in [−1.5, 1.5] (some get clipped at r = 1), quantised with the largest f for n. */
function quantisedInputs(n: number, length: number) {
  const q = quantisation({ clip: 1, fractionBits: 24, participants: n });
  const random = SplitMix64.keyed({ seed: BigInt(n), domain: 99n, index: 0n });
  const floats = Array.from({ length: n }, () => Float32Array.from({ length }, () => 3 * random.nextUnit() - 1.5));
  return { q, floats, inputs: floats.map((values) => quantise(values, q)) };
}

const refused = (promise: Promise<unknown>, code: string) => assert.rejects(promise, (e: unknown) => e instanceof VeritrainError && e.code === code);

/** The participants at ring positions 0 … d − 1: d dropouts in one neighbourhood, the worst case for the ring. */
const adjacent = (config: SecAggConfig, d: number) => ringOrder(config).slice(0, d);

describe("SecAgg+ round", () => {
  for (const n of [4, 16]) {
    const config = secAggConfig({ roundSeed: roundSeed(n), participants: n, vectorLength: LENGTH });
    const { q, floats, inputs } = quantisedInputs(n, LENGTH);
    const bound = Math.floor(n / 3);

    describe(`when n = ${n} (k = ${config.neighbourhood}, t = ${config.threshold})`, () => {
      for (const d of [...new Set([0, 1, bound])]) {
        it(`unmasks the exact sum of the quantised inputs with ${d} adjacent dropouts after masked input`, async () => {
          const dropped = adjacent(config, d);
          const { sum, survivors, dropped: late, transcript } = await runRound(config, inputs, { afterInput: dropped });
          assert.deepEqual(late, [], "a participant whose masked input is on the ledger counts as a survivor");
          assert.deepEqual(survivors, [...Array(n).keys()]);
          assert.deepEqual(sum, plainSum(inputs, survivors));
          assert.deepEqual(recomputeSum(transcript).sum, sum, "anyone recomputes the sum from the transcript");
        });
      }

      it(`unmasks the survivors' exact sum with ⌊n/3⌋ = ${bound} dropouts before masked input`, async () => {
        const dropped = adjacent(config, bound).sort((a, b) => a - b);
        const result = await runRound(config, inputs, { beforeInput: dropped });
        assert.deepEqual(result.dropped, dropped);
        assert.deepEqual(result.sum, plainSum(inputs, result.survivors));
        assert.equal(result.survivors.length, n - bound);
        assert.deepEqual(recomputeSum(result.transcript), { sum: result.sum, survivors: result.survivors, dropped, reveal: result.reveal }, "anyone recomputes the sum from the transcript");
      });

      it("dequantises the sum to Σ q / 2^f, within n · 2^−(f+1) of the clipped float sum", async () => {
        const { sum, survivors } = await runRound(config, inputs);
        const values = dequantiseSum(sum, survivors.length, q);
        for (let i = 0; i < LENGTH; i++) {
          let exact = 0;
          let clipped = 0;
          for (let u = 0; u < n; u++) {
            const word = inputs[u]![i]!;
            exact += word >= 2 ** 31 ? word - 2 ** 32 : word;
            clipped += Math.min(1, Math.max(-1, floats[u]![i]!));
          }
          assert.equal(values[i], exact / 2 ** 24);
          assert.ok(Math.abs(values[i]! - clipped) <= n * 2 ** -25);
        }
      });
    });
  }

  it("survives dropouts at every stage together: 2 before sharing, 2 before input, 1 after input (n = 16)", async () => {
    const config = secAggConfig({ roundSeed: roundSeed(17), participants: 16, vectorLength: LENGTH });
    const { inputs } = quantisedInputs(16, LENGTH);
    const [a, b, c, d, e] = adjacent(config, 5) as [number, number, number, number, number];
    const result = await runRound(config, inputs, { beforeShares: [a, b], beforeInput: [c, d], afterInput: [e] });
    assert.deepEqual(result.dropped, [c, d].sort((x, y) => x - y));
    assert.equal(result.survivors.length, 12);
    assert.deepEqual(result.sum, plainSum(inputs, result.survivors));
    assert.deepEqual(recomputeSum(result.transcript).sum, result.sum, "anyone recomputes the sum from the transcript");
  });

  it("refuses to unmask when fewer than t shares of a seed arrive (k − t + 1 adjacent dropouts after input)", async () => {
    for (const n of [4, 16]) {
      const config = secAggConfig({ roundSeed: roundSeed(n), participants: n, vectorLength: LENGTH });
      const dropouts = adjacent(config, config.neighbourhood - config.threshold + 1);
      await refused(runRound(config, quantisedInputs(n, LENGTH).inputs, { afterInput: dropouts }), "SECAGG_TOO_FEW_SHARES");
    }
  });

  it("stops before unmasking when a neighbourhood keeps fewer than t masked inputs", async () => {
    const config = secAggConfig({ roundSeed: roundSeed(16), participants: 16, vectorLength: LENGTH });
    await refused(runRound(config, quantisedInputs(16, LENGTH).inputs, { beforeInput: adjacent(config, 7) }), "SECAGG_TOO_FEW_PARTICIPANTS");
  });

  it("runs SecAgg+ on a sparse ring too: n = 16, k = 5, t = 3, 2 adjacent dropouts", async () => {
    const config = secAggConfig({ roundSeed: roundSeed(5), participants: 16, neighbourhood: 5, vectorLength: LENGTH });
    const { inputs } = quantisedInputs(16, LENGTH);
    const result = await runRound(config, inputs, { beforeInput: adjacent(config, 1), afterInput: adjacent(config, 2).slice(1) });
    assert.deepEqual(result.sum, plainSum(inputs, result.survivors));
    assert.deepEqual(recomputeSum(result.transcript).sum, result.sum);
    await refused(runRound(config, inputs, { afterInput: adjacent(config, 3) }), "SECAGG_TOO_FEW_SHARES");
  });
});

describe("what the server sees", () => {
  const n = 4;
  const length = 4096;
  const config = secAggConfig({ roundSeed: roundSeed(40), participants: n, vectorLength: length });
  const q = quantisation({ clip: 1, fractionBits: 20, participants: n });
  /** Highly structured inputs: small values, so most bytes are 0x00 or 0xff. */
  const inputs = Array.from({ length: n }, (_, u) => quantise(Float64Array.from({ length }, (_, i) => ((i % 7) - 3) * 1e-4 * (u + 1)), q));
  const bytesOf = (words: Uint32Array) => new Uint8Array(words.buffer, words.byteOffset, words.byteLength);

  it("a masked vector alone is indistinguishable from uniform (chi-square of its bytes) and unlike its input", async () => {
    const { transcript } = await runRound(config, inputs);
    for (const { from: u, words: masked } of transcript.maskedInputs) {
      assert.ok(chiSquareBytes(bytesOf(inputs[u]!)) > 10 * CHI2_255_P1E6, "the statistic tells the structured input from uniform");
      assert.ok(chiSquareBytes(bytesOf(masked)) < CHI2_255_P1E6, `masked vector of ${u} is not uniform`);
      const equal = masked.filter((word, i) => word === inputs[u]![i]).length;
      assert.ok(equal <= 2, `${equal} words of the masked vector equal the input`);
    }
  });

  it("masks cancel only in the full sum: the sum of all but one masked vector is still uniform", async () => {
    const { transcript, sum } = await runRound(config, inputs);
    const partial = plainSum(transcript.maskedInputs.map((message) => message.words), [0, 1, 2]);
    assert.ok(chiSquareBytes(bytesOf(partial)) < CHI2_255_P1E6);
    assert.notDeepEqual(partial, plainSum(inputs, [0, 1, 2]));
    assert.deepEqual(sum, plainSum(inputs, [0, 1, 2, 3]));
  });
});
