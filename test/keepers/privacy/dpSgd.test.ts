import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { discreteGaussianNoise } from "../../../keepers/src/privacy/discreteGaussianNoise.ts";
import { computeEpsilon } from "../../../keepers/src/privacy/rdpAccountant.ts";
import { DP_FRACTION_BITS, poissonBatch, PrivateGradient, type PrivacyConfig } from "../../../keepers/src/privacy/dpSgd.ts";
import { validateJobSpec, type JobSpec } from "../../../keepers/src/training/jobSpec.ts";
import { createLeNet5Onnx } from "../../../keepers/src/training/lenet5.ts";
import { createResidualCnnOnnx } from "../../../keepers/src/training/residualCnn.ts";
import { prepareJob } from "../../../keepers/src/training/preparedJob.ts";
import { trainJob } from "../../../keepers/src/training/trainJob.ts";
import { jobProgram } from "../../../keepers/src/trainingVm/jobProgram.ts";
import { mnistSources, smallJobSpec } from "../training/fixtures.ts";

const PRIVACY = { targetEpsilon: "3", delta: "1e-5", clipNorm: "1" };
const TANH = createLeNet5Onnx({ seed: 1n, activation: "tanh" });

/** A residual CNN: BatchNorm over convolutions only, so one example per micro-batch is allowed but its statistics are not private. */
const BATCH_NORM = createResidualCnnOnnx({ seed: 1n, channels: [2, 2] });

/** A private LeNet-5 (Tanh) job on the first `trainCount` training images, one example per micro-batch, 100 validation and test images. */
function privateSpec(trainCount: number, batchSize: number, privacy: unknown = PRIVACY, modelBytes = TANH): JobSpec {
  const spec = smallJobSpec({ modelBytes, trainCount, batchSize, microBatches: batchSize, checkpointInterval: 8, epochs: 1 });
  const splits = { train: spec.dataset.splits.train, validation: { source: "train", start: 55000, end: 55100 }, test: { source: "test", start: 0, end: 100 } } as const;
  return { ...spec, dataset: { id: "mnist", splits }, optimizer: { type: "sgd", learningRate: "0.5", learningRateDecay: "1", momentum: "0", weightDecay: "0" }, privacy } as JobSpec;
}

function assertSpecInvalid(spec: JobSpec, field: string, pattern: RegExp, modelBytes = TANH): void {
  assert.throws(() => prepareJob({ spec, modelBytes, sources: mnistSources() }), (error: unknown) =>
    error instanceof VeritrainError && error.code === "JOB_SPEC_INVALID" && error.details.field === field && pattern.test(error.message));
}

describe("DP-SGD (docs/training.md §6a)", () => {
  it("derives σ for the spec's (ε, δ) with the accountant: q = B/N, epochs·⌊N/B⌋ steps, and the ε it spends", () => {
    const { config } = validateJobSpec(privateSpec(4096, 64));
    const privacy = config.privacy!;
    assert.equal(privacy.sampleRate, 64 / 4096);
    const spent = computeEpsilon({ sampleRate: 64 / 4096, noiseMultiplier: privacy.noiseMultiplier, steps: 64, delta: 1e-5 });
    assert.equal(privacy.epsilon, spent.epsilon);
    assert.ok(privacy.epsilon <= 3 && privacy.epsilon > 2.99, `ε ${privacy.epsilon}`);
    assert.ok(computeEpsilon({ sampleRate: 64 / 4096, noiseMultiplier: privacy.noiseMultiplier * (1 - 2 ** -18), steps: 64, delta: 1e-5 }).epsilon > 3, "σ is the smallest that meets the target");
  });

  it("refuses a private spec with several examples per micro-batch, an unreachable ε, bad fields, or a BatchNorm model", () => {
    assertSpecInvalid({ ...privateSpec(256, 8), microBatches: 4 }, "microBatches", /must equal batchSize \(8\) with privacy: DP-SGD clips each example's gradient/);
    assertSpecInvalid(privateSpec(256, 8, { ...PRIVACY, targetEpsilon: "0.05" }), "privacy.targetEpsilon", /cannot be met: targetEpsilon 0\.05 is unreachable/);
    assertSpecInvalid(privateSpec(256, 8, { ...PRIVACY, delta: "1" }), "privacy.delta", /must be in \(0, 1\)/);
    assertSpecInvalid(privateSpec(256, 8, { ...PRIVACY, noise: "1" }), "privacy.noise", /is not a known field/);
    assertSpecInvalid({ ...privateSpec(256, 8), privacy: undefined, microBatches: 4, noise: 1 } as unknown as JobSpec, "noise", /is not a known field/);
    assertSpecInvalid(privateSpec(256, 8, PRIVACY, BATCH_NORM), "privacy", /cannot protect BatchNormalization's running statistics \("stem.bn.mean"/, BATCH_NORM);
  });

  it("samples each example with probability B/N from the noise seed's stream, the same for the same (seed, step)", () => {
    const sizes = Array.from({ length: 400 }, (_, step) => poissonBatch({ seed: 5n, step, examples: 1000, batchSize: 50 }).length);
    const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    assert.ok(Math.abs(mean - 50) < 4 * Math.sqrt(50 * 0.95 / 400), `mean batch ${mean}`);
    assert.ok(new Set(sizes).size > 10, "batch sizes vary (Poisson, not fixed)");
    const batch = poissonBatch({ seed: 5n, step: 3, examples: 1000, batchSize: 50 });
    assert.deepEqual(poissonBatch({ seed: 5n, step: 3, examples: 1000, batchSize: 50 }), batch);
    assert.notDeepEqual(poissonBatch({ seed: 6n, step: 3, examples: 1000, batchSize: 50 }), batch, "another seed, another sample");
    assert.ok(batch.every((i, k) => k === 0 || i > batch[k - 1]!), "increasing indices");
  });

  it("clips every example to C, rounds onto the grid, sums exactly in any order, and adds the step's noise", () => {
    const config: PrivacyConfig = { clipNorm: "1", noiseMultiplier: 1.5, epsilon: 1, order: 2, delta: 1e-5, sampleRate: 0.01 };
    const size = 1000;
    const B = 4;
    const examples = Array.from({ length: 3 }, (_, e) => Float32Array.from({ length: size }, (_, i) => Math.fround(Math.sin(i * (e + 1)) * (e === 0 ? 10 : 1e-4))));
    const run = (order: number[]) => {
      const gradient = new PrivateGradient({ config, size, batchSize: B });
      gradient.reset();
      for (const e of order) gradient.add(examples[e]!);
      const out = new Float32Array(size);
      gradient.finish({ seed: 9n, step: 2, out });
      return out;
    };
    const forward = run([0, 1, 2]);
    assert.deepEqual(run([2, 0, 1]), forward, "the exact sum does not depend on the order");
    const noise = discreteGaussianNoise({ noiseMultiplier: "1.5", clipNorm: "1", fractionBits: DP_FRACTION_BITS }).fill({ seed: 9n, step: 2, out: new Float64Array(size) });
    const signal = Array.from(forward, (g, i) => g * B - noise[i]!);
    const norm = Math.sqrt(signal.reduce((a, x) => a + x * x, 0));
    // Example 0 (norm ≈ 10·B·√500) is clipped to 1; the others are tiny: the sum's norm is just under 1.
    assert.ok(norm <= 1 + 1e-3 && norm > 0.99, `norm of the clipped sum ${norm}`);
    assert.ok(signal.every((x) => Math.abs(x * 2 ** DP_FRACTION_BITS - Math.round(x * 2 ** DP_FRACTION_BITS)) < 1e-3), "on the grid (up to the division by B)");
  });

  it("trains bit-identically on 1, 2 and 3 threads; another noise seed gives another model; the VM refuses it", async () => {
    const job = prepareJob({ spec: privateSpec(256, 16), modelBytes: TANH, sources: mnistSources() });
    const [one, two, three] = [await trainJob({ job, threads: 1, noiseSeed: 3n }), await trainJob({ job, threads: 2, noiseSeed: 3n }), await trainJob({ job, threads: 3, noiseSeed: 3n })];
    assert.deepEqual(two.hashes, one.hashes);
    assert.deepEqual(three.hashes, one.hashes);
    const other = await trainJob({ job, threads: 2, noiseSeed: 4n });
    assert.notEqual(other.tree.root, one.tree.root);
    await assert.rejects(trainJob({ job, threads: 1 }), (error: unknown) => error instanceof VeritrainError && /noise seed/.test(error.message));
    assert.throws(() => jobProgram(job), (error: unknown) => error instanceof VeritrainError && error.code === "VM_UNSUPPORTED" && /DP-SGD/.test(error.message));
  });
});
