import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { bernoulliExp, bernoulliExpUnit } from "../../../keepers/src/privacy/bernoulliExp.ts";
import { bernoulliRational } from "../../../keepers/src/privacy/bernoulliRational.ts";
import { decimalRational } from "../../../keepers/src/privacy/decimalRational.ts";
import { discreteGaussianSampler } from "../../../keepers/src/privacy/discreteGaussian.ts";
import { discreteGaussianNoise } from "../../../keepers/src/privacy/discreteGaussianNoise.ts";
import { sampleDiscreteLaplace } from "../../../keepers/src/privacy/discreteLaplace.ts";
import { SplitMix64Words, type ChunkSource } from "../../../keepers/src/training/splitMix64Words.ts";
import { PRNG_DOMAIN, SplitMix64 } from "../../../keepers/src/training/prng.ts";

/**
 * Golden outputs of the authors' own sampler (discretegauss.py @ cb190d2, unmodified) driven by the
 * randomness rules of docs/dp-noise.md, written by discreteGaussianVectors.py.
 */
type Vectors = {
  streams: { seed: string; step: number; sigmaSquared: string; samples: number[]; chunksDrawn: number }[];
  replays: { sigmaSquared: string; samples: number[]; chunks: number[] }[];
  bernoulliExp: { gamma: string; outcomes: number[]; chunksDrawn: number }[];
};
const VECTORS = JSON.parse(readFileSync(new URL("./discreteGaussianVectors.json", import.meta.url), "utf8")) as Vectors;

const fraction = (text: string) => {
  const [numerator, denominator] = text.split("/").map(BigInt);
  return { numerator: numerator!, denominator: denominator! };
};

/** Replays recorded chunks; `nextBelow` is prng.ts's own, so the rejection rule is the engine's. */
class ReplaySource implements ChunkSource {
  drawn = 0;
  readonly #chunks: readonly number[];
  constructor(chunks: readonly number[]) {
    this.#chunks = chunks;
  }
  nextUint32(): number {
    assert.ok(this.drawn < this.#chunks.length, "the sampler drew more chunks than recorded");
    return this.#chunks[this.drawn++]!;
  }
  nextBelow = SplitMix64.prototype.nextBelow;
}

/** Counts the chunks a source hands out. */
class CountingSource implements ChunkSource {
  drawn = 0;
  readonly #inner: ChunkSource;
  constructor(inner: ChunkSource) {
    this.#inner = inner;
  }
  nextUint32(): number {
    this.drawn++;
    return this.#inner.nextUint32();
  }
  nextBelow = SplitMix64.prototype.nextBelow;
}

const noiseStream = (seed: bigint, step: number) => SplitMix64Words.keyed({ seed, domain: PRNG_DOMAIN.dpNoise, index: BigInt(step) });

const expectPrivacyError = (code: string, field: string) => (error: unknown) =>
  error instanceof VeritrainError && error.code === code && error.details.field === field;

describe("SplitMix64Words", () => {
  it("gives the reference SplitMix64 outputs from state 0 (high words of e220a8397b1dcdaf, 6e789e6aa1b965f4, 06c45d188009454f)", () => {
    const source = new SplitMix64Words(0n);
    assert.deepEqual([source.nextUint32(), source.nextUint32(), source.nextUint32()], [0xe220a839, 0x6e789e6a, 0x06c45d18]);
  });

  it("equals prng.ts's BigInt SplitMix64 on keyed streams, chunk for chunk and in nextBelow", () => {
    for (const seed of [0n, 1n, 20260101n, (1n << 64n) - 1n]) {
      for (const domain of [PRNG_DOMAIN.shuffle, PRNG_DOMAIN.dpNoise]) {
        const reference = SplitMix64.keyed({ seed, domain, index: 3n });
        const words = SplitMix64Words.keyed({ seed, domain, index: 3n });
        for (let i = 0; i < 20_000; i++) assert.equal(words.nextUint32(), reference.nextUint32(), `seed ${seed}, chunk ${i}`);
        for (const n of [1, 2, 3, 1000, 2 ** 31 + 1, 2 ** 32]) {
          for (let i = 0; i < 200; i++) assert.equal(words.nextBelow(n), reference.nextBelow(n), `seed ${seed}, nextBelow(${n})`);
        }
      }
    }
  });
});

describe("bernoulliRational: U < p digit by digit", () => {
  const run = (chunks: number[], numerator: bigint, denominator: bigint) => {
    const source = new ReplaySource(chunks);
    return [bernoulliRational(source, numerator, denominator), source.drawn];
  };

  it("decides on the first chunk that differs from p's base-2^32 digit (1/3 = 0.5555…h)", () => {
    assert.deepEqual(run([0x55555554], 1n, 3n), [true, 1]);
    assert.deepEqual(run([0x55555556], 1n, 3n), [false, 1]);
    assert.deepEqual(run([0x55555555, 0x55555555, 0x55555554], 1n, 3n), [true, 3]);
    assert.deepEqual(run([0x55555555, 0x55555556], 1n, 3n), [false, 2]);
  });

  it("gives 0 when p's expansion ends in a tie (1/2 = 0.8000_0000h) and draws nothing for p = 0 or 1", () => {
    assert.deepEqual(run([0x7fffffff], 1n, 2n), [true, 1]);
    assert.deepEqual(run([0x80000000], 1n, 2n), [false, 1]);
    assert.deepEqual(run([], 0n, 5n), [false, 0]);
    assert.deepEqual(run([], 5n, 5n), [true, 0]);
  });

  it("bernoulliExpUnit's fast first digit agrees with it on ties: exp1(1/3) with chunk 0x55555555 continues with 1/3", () => {
    // Trial k = 1 compares with 1/3: a tie, then 0x55555554 < 0x55555555 wins; trial k = 2 (1/6 =
    // 0x2AAAAAAA.AA…h) gets 0xFFFFFFFF and fails, so k = 2 ends it: even, result 0.
    const source = new ReplaySource([0x55555555, 0x55555554, 0xffffffff]);
    assert.equal(bernoulliExpUnit(source, 1, 3), false);
    assert.equal(source.drawn, 3);
  });
});

describe("golden vectors from the authors' discretegauss.py", () => {
  it("the first 16 samples and the chunks drawn of 20 (seed, step, σ²) streams", () => {
    for (const { seed, step, sigmaSquared, samples, chunksDrawn } of VECTORS.streams) {
      const sampler = discreteGaussianSampler(fraction(sigmaSquared));
      const source = new CountingSource(noiseStream(BigInt(seed), step));
      assert.deepEqual(Array.from({ length: 16 }, () => sampler.sample(source)), samples, `seed ${seed}, step ${step}, σ² ${sigmaSquared}`);
      assert.equal(source.drawn, chunksDrawn, `chunks drawn, σ² ${sigmaSquared}`);
    }
  });

  it("64 samples per σ² on recorded streams where half the Bernoulli comparisons tie (the BigInt continuations)", () => {
    for (const { sigmaSquared, samples, chunks } of VECTORS.replays) {
      const sampler = discreteGaussianSampler(fraction(sigmaSquared));
      const source = new ReplaySource(chunks);
      assert.deepEqual(Array.from({ length: 64 }, () => sampler.sample(source)), samples, `σ² ${sigmaSquared}`);
      assert.equal(source.drawn, chunks.length, `σ² ${sigmaSquared}: every recorded chunk is used`);
    }
  });

  it("Bernoulli(exp(−γ)) outcomes for γ = 0, 1/3, 1, 5/2, 4", () => {
    for (const { gamma, outcomes, chunksDrawn } of VECTORS.bernoulliExp) {
      const { numerator, denominator } = fraction(gamma);
      const source = new CountingSource(noiseStream(5n, 0));
      assert.deepEqual(outcomes.map(() => (bernoulliExp(source, numerator, denominator) ? 1 : 0)), outcomes, `γ ${gamma}`);
      assert.equal(source.drawn, chunksDrawn, `γ ${gamma}`);
    }
  });
});

/** Pearson's χ² of integer samples against pmf weights w(x) (normalised over |x| ≤ range). */
function chiSquare(samples: ArrayLike<number>, weight: (x: number) => number, range: number) {
  let total = 0;
  for (let x = -range; x <= range; x++) total += weight(x);
  const n = samples.length;
  const expected = (x: number) => (n * weight(x)) / total;
  // Bins: every x with an expected count ≥ 5, the two outermost holding their whole tails.
  let edge = 0;
  while (expected(edge + 1) >= 5) edge++;
  const observed = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const x = Math.max(-edge, Math.min(edge, samples[i]!));
    observed.set(x, (observed.get(x) ?? 0) + 1);
  }
  let statistic = 0;
  for (let x = -edge; x <= edge; x++) {
    let e = expected(x);
    if (Math.abs(x) === edge) for (let y = edge + 1; y <= range; y++) e += expected(y);
    statistic += ((observed.get(x) ?? 0) - e) ** 2 / e;
  }
  const df = 2 * edge;
  // Wilson–Hilferty: the χ²(df) quantile at 1 − 10^−4 (z = 3.719).
  const critical = df * (1 - 2 / (9 * df) + 3.719 * Math.sqrt(2 / (9 * df))) ** 3;
  return { statistic, critical, df };
}

function samplesOf(sigmaSquared: { numerator: bigint; denominator: bigint }, count: number, step: number): Float64Array {
  const sampler = discreteGaussianSampler(sigmaSquared);
  const source = noiseStream(424242n, step);
  return Float64Array.from({ length: count }, () => sampler.sample(source));
}

describe("statistics of N_ℤ(0, σ²) on 200,000 samples (fixed seed, so deterministic)", () => {
  const N = 200_000;
  // σ as a fraction p/q, so σ² = p²/q².
  const sigmas: [string, bigint, bigint][] = [["0.5", 1n, 2n], ["1", 1n, 1n], ["3", 3n, 1n], ["10", 10n, 1n], ["100", 100n, 1n]];
  for (const [label, p, q] of sigmas) {
    it(`σ = ${label}: mean, variance and pmf (χ²) match the exact distribution; σ·1.05 fails the same χ² test`, () => {
      const sigma2 = Number(p * p) / Number(q * q);
      const weight = (x: number) => Math.exp((-x * x) / (2 * sigma2));
      const range = Math.ceil(14 * Math.sqrt(sigma2)) + 3;
      // Exact moments of the discrete Gaussian (its variance is below σ² for small σ: 0.2130 at σ = 0.5).
      let z = 0, m2 = 0, m4 = 0;
      for (let x = -range; x <= range; x++) {
        z += weight(x);
        m2 += x * x * weight(x);
        m4 += x ** 4 * weight(x);
      }
      const variance = m2 / z;
      const fourth = m4 / z;
      const samples = samplesOf({ numerator: p * p, denominator: q * q }, N, Number(p));
      let sum = 0, squares = 0;
      for (const x of samples) {
        sum += x;
        squares += x * x;
      }
      const mean = sum / N;
      const meanBound = 4.5 * Math.sqrt(variance / N);
      assert.ok(Math.abs(mean) < meanBound, `mean ${mean}, bound ±${meanBound}`);
      const sampleVariance = squares / N - mean * mean;
      const varianceBound = 4.5 * Math.sqrt((fourth - variance * variance) / N);
      assert.ok(Math.abs(sampleVariance - variance) < varianceBound, `variance ${sampleVariance}, exact ${variance} ± ${varianceBound}`);
      const fit = chiSquare(samples, weight, range);
      assert.ok(fit.statistic < fit.critical, `χ² ${fit.statistic.toFixed(1)} ≥ ${fit.critical.toFixed(1)} (df ${fit.df})`);
      // The mutation check: a sampler whose σ is 5% too large (σ² · 441/400) must be caught.
      const wide = samplesOf({ numerator: p * p * 441n, denominator: q * q * 400n }, N, Number(p));
      const mutant = chiSquare(wide, weight, range);
      assert.ok(mutant.statistic > mutant.critical, `σ·1.05: χ² ${mutant.statistic.toFixed(1)} ≤ ${mutant.critical.toFixed(1)}`);
    });
  }
});

describe("Algorithms 1 and 2 on their own", () => {
  it("Bernoulli(exp(−γ)) frequencies match exp(−γ) within 4.5 standard errors (100,000 trials each, γ up to 4)", () => {
    const trials = 100_000;
    const source = noiseStream(77n, 0);
    for (const [numerator, denominator] of [[1n, 3n], [1n, 2n], [1n, 1n], [3n, 2n], [5n, 2n], [4n, 1n], [10n, 3n]] as const) {
      let successes = 0;
      for (let i = 0; i < trials; i++) if (bernoulliExp(source, numerator, denominator)) successes++;
      const p = Math.exp(-Number(numerator) / Number(denominator));
      const bound = 4.5 * Math.sqrt((p * (1 - p)) / trials);
      assert.ok(Math.abs(successes / trials - p) < bound, `γ = ${numerator}/${denominator}: ${successes / trials} vs ${p} ± ${bound}`);
    }
    assert.ok(Array.from({ length: 100 }, () => bernoulliExp(source, 0n, 1n)).every(Boolean), "γ = 0 always gives 1");
  });

  it("the discrete Laplace pmf ∝ exp(−|x|/t) for t = 1 and 5 (χ², 100,000 samples)", () => {
    for (const t of [1, 5]) {
      const source = noiseStream(78n, t);
      const samples = Float64Array.from({ length: 100_000 }, () => sampleDiscreteLaplace(source, t));
      const fit = chiSquare(samples, (x) => Math.exp(-Math.abs(x) / t), 60 * t);
      assert.ok(fit.statistic < fit.critical, `t = ${t}: χ² ${fit.statistic.toFixed(1)} ≥ ${fit.critical.toFixed(1)}`);
    }
  });

  it("refuses a geometric count of 2^21, where v·t + u could leave the safe integers (a rigged source)", () => {
    // Chunk 0 is the sign, chunk 1 gives u = 0 (accepted at once: exp(−0) = 1), then 0, FFFFFFFF
    // pairs make every Bernoulli(exp(−1)) succeed: 1/2 wins, 1/3 fails, k = 3 is odd.
    let index = 0;
    const rigged: ChunkSource = { nextUint32: () => (index++ < 2 || index % 2 === 1 ? 0 : 0xffffffff), nextBelow: SplitMix64.prototype.nextBelow };
    assert.throws(() => sampleDiscreteLaplace(rigged, 4), (error: unknown) => error instanceof VeritrainError && error.code === "PRIVACY_NOISE_RANGE");
  });
});

describe("discreteGaussianNoise: the DP-SGD noise vector", () => {
  const spec = { noiseMultiplier: "1.1", clipNorm: "1", fractionBits: 20 };

  it("turns the decimal strings into σ² = (σ·C·2^k)² exactly: 1.1 · 1 · 2^20 gives 121·2^38/25", () => {
    assert.deepEqual(discreteGaussianNoise(spec).sigmaSquared, { numerator: 121n << 38n, denominator: 25n });
    assert.deepEqual(discreteGaussianNoise({ noiseMultiplier: "5e-1", clipNorm: "0.2", fractionBits: 0 }).sigmaSquared, { numerator: 1n, denominator: 100n });
  });

  it("fills z_i·2^−20 in index order from the stream (seed, dpNoise, step): the golden samples of seed 20260101, step 7", () => {
    const golden = VECTORS.streams.find((s) => s.seed === "20260101" && s.sigmaSquared === "33260226740224/25")!;
    const noise = discreteGaussianNoise(spec).fill({ seed: 20260101n, step: 7, out: new Float64Array(16) });
    assert.deepEqual([...noise], golden.samples.map((z) => z / 2 ** 20));
  });

  it("recreates any step alone, and different steps and seeds give different noise", () => {
    const noise = discreteGaussianNoise(spec);
    const fill = (seed: bigint, step: number) => noise.fill({ seed, step, out: new Float64Array(1000) });
    const step5 = fill(3n, 5);
    assert.deepEqual(fill(3n, 5), step5);
    assert.notDeepEqual(fill(3n, 6), step5);
    assert.notDeepEqual(fill(4n, 5), step5);
  });

  it("is bit-identical in a worker thread for the same seed and step", async () => {
    const length = 20_000;
    const here = discreteGaussianNoise(spec).fill({ seed: 99n, step: 12, out: new Float64Array(length) });
    const worker = new Worker(new URL("./discreteGaussianNoiseWorker.ts", import.meta.url), { workerData: { spec, seed: 99n, step: 12, length } });
    const there = await new Promise<Float64Array>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    await worker.terminate();
    assert.deepEqual(new Uint8Array(there.buffer), new Uint8Array(here.buffer));
  });
});

describe("bad inputs are refused with PRIVACY_SPEC_INVALID", () => {
  it("σ² ≤ 0, above 2^62, or not a fraction of BigInts", () => {
    for (const sigmaSquared of [{ numerator: 0n, denominator: 1n }, { numerator: -4n, denominator: 1n }, { numerator: (1n << 62n) + 1n, denominator: 1n }]) {
      assert.throws(() => discreteGaussianSampler(sigmaSquared), expectPrivacyError("PRIVACY_SPEC_INVALID", "sigmaSquared"));
    }
    for (const sigmaSquared of [{ numerator: 1n, denominator: 0n }, { numerator: 1, denominator: 2 }, undefined]) {
      assert.throws(() => discreteGaussianSampler(sigmaSquared as never), expectPrivacyError("PRIVACY_SPEC_INVALID", "sigmaSquared"));
    }
    assert.equal(discreteGaussianSampler({ numerator: 1n << 62n, denominator: 1n }).laplaceScale, 2 ** 31 + 1);
  });

  it("non-decimal, negative, zero or huge-exponent σ and C, with a message that says what to write", () => {
    for (const noiseMultiplier of ["-1", "1.", ".5", "1e", "0x10", "1,5", " 1", "NaN", "0", "0.000", "1e65"]) {
      assert.throws(() => discreteGaussianNoise({ noiseMultiplier, clipNorm: "1", fractionBits: 20 }), expectPrivacyError("PRIVACY_SPEC_INVALID", "noiseMultiplier"), noiseMultiplier);
    }
    assert.throws(() => discreteGaussianNoise({ noiseMultiplier: "1", clipNorm: 1 as never, fractionBits: 20 }), /clipNorm must be a non-negative decimal string like "1.1"/);
    assert.throws(() => discreteGaussianNoise({ noiseMultiplier: "1", clipNorm: "0", fractionBits: 20 }), /clipNorm must be > 0/);
    assert.throws(() => discreteGaussianNoise({ noiseMultiplier: "1e40", clipNorm: "1", fractionBits: 0 }), /sigmaSquared must be at most 2\^62/);
  });

  it("a fixed-point k outside [0, 62], and a bad seed, step or output vector", () => {
    for (const fractionBits of [-1, 63, 1.5, Number.NaN]) {
      assert.throws(() => discreteGaussianNoise({ noiseMultiplier: "1", clipNorm: "1", fractionBits }), expectPrivacyError("PRIVACY_SPEC_INVALID", "fractionBits"));
    }
    const noise = discreteGaussianNoise({ noiseMultiplier: "1", clipNorm: "1", fractionBits: 4 });
    const out = new Float64Array(4);
    for (const seed of [-1n, 1n << 64n, 7]) assert.throws(() => noise.fill({ seed: seed as bigint, step: 0, out }), expectPrivacyError("PRIVACY_SPEC_INVALID", "seed"));
    for (const step of [-1, 1.5, 2 ** 53]) assert.throws(() => noise.fill({ seed: 1n, step, out }), expectPrivacyError("PRIVACY_SPEC_INVALID", "step"));
    assert.throws(() => noise.fill({ seed: 1n, step: 0, out: new Float32Array(4) as never }), expectPrivacyError("PRIVACY_SPEC_INVALID", "out"));
  });

  it("decimal strings are read exactly: 1.1 = 11/10, 1.25e1 = 25/2, 3e2 = 300", () => {
    assert.deepEqual(decimalRational("1.1", "x"), { numerator: 11n, denominator: 10n });
    assert.deepEqual(decimalRational("1.25e1", "x"), { numerator: 25n, denominator: 2n });
    assert.deepEqual(decimalRational("3e2", "x"), { numerator: 300n, denominator: 1n });
    assert.deepEqual(decimalRational("0.0625", "x"), { numerator: 1n, denominator: 16n });
  });
});
