import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { ParameterTensor } from "../../../keepers/src/training/modelDefinition.ts";
import { learningRateAt, optimizerStateVectors, type OptimizerConfig } from "../../../keepers/src/training/optimizer.ts";
import { applyOptimizerStep, optimizeRanges, prepareOptimizerStep, splitRanges } from "../../../keepers/src/training/optimizerStep.ts";
import { SplitMix64 } from "../../../keepers/src/training/prng.ts";
import { torchPython } from "../../harness/torchPython.ts";

const f = Math.fround;
const ADAM: OptimizerConfig = {
  type: "adam", learningRate: f(0.001), learningRateDecay: f(0.5), beta1: f(0.9), beta2: f(0.999), epsilon: f(1e-8), weightDecay: 0,
};
const ADAMW: OptimizerConfig = { ...ADAM, type: "adamw", learningRateDecay: 1, weightDecay: f(0.01) };
const SGD: OptimizerConfig = { type: "sgd", learningRate: f(0.1), learningRateDecay: 1, momentum: f(0.9), weightDecay: f(0.01) };
const COSINE: OptimizerConfig = { ...ADAMW, schedule: { type: "cosine", warmupSteps: 4, totalSteps: 20, minLearningRate: f(0.0001) } };

/** The distance in binary32 ulps between two binary32 values of the same sign. */
function ulps32(a: number, b: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat32(0, a);
  view.setFloat32(4, b);
  return Math.abs(view.getInt32(0) - view.getInt32(4));
}

/** `steps` gradients of `size` values in [−scale, scale), binary32, from a fixed stream. */
function randomGradients(steps: number, size: number, scale: number): Float32Array[] {
  const rng = new SplitMix64(12345n);
  return Array.from({ length: steps }, () => Float32Array.from({ length: size }, () => f((Number(rng.nextUint64() >> 11n) / 2 ** 53 * 2 - 1) * scale)));
}

/** The engine's parameters after each step of `gradients` (one micro-batch), from `initial`. */
function engineRun(config: OptimizerConfig, initial: number[], gradients: Float32Array[], stepsPerEpoch: number): Float32Array[] {
  const params = Float32Array.from(initial);
  const state = Array.from({ length: optimizerStateVectors(config) }, () => new Float32Array(initial.length));
  return gradients.map((g, step) => {
    applyOptimizerStep({ config, params, state, gradients: g, microBatches: 1, step, position: { step, epoch: Math.floor(step / stepsPerEpoch) } });
    return Float32Array.from(params);
  });
}

/** 2,001 parameters: odd-sized tensors on either side of a 3-element running statistic. */
const AROUND_A_STATISTIC = {
  size: 2001,
  tensors: [
    { name: "w", offset: 0, size: 1001, dims: [1001] },
    { name: "running_mean", offset: 1001, size: 3, dims: [3], statistic: { momentum: f(0.9) } },
    { name: "b", offset: 1004, size: 997, dims: [997] },
  ] as ParameterTensor[],
};

describe("optimizers", () => {
  it("decays the learning rate per epoch by repeated multiplication", () => {
    assert.equal(learningRateAt(ADAM, { step: 99, epoch: 0 }), f(0.001));
    assert.equal(learningRateAt(ADAM, { step: 0, epoch: 2 }), f(f(0.001) * 0.25));
    assert.equal(learningRateAt({ ...ADAM, learningRateDecay: 1 }, { step: 0, epoch: 9 }), f(0.001));
  });

  it("steps the learning rate down every k epochs", () => {
    const config: OptimizerConfig = { ...SGD, schedule: { type: "step", everyEpochs: 3, gamma: f(0.1) } };
    const rates = [0, 1, 2, 3, 5, 6, 9].map((epoch) => learningRateAt(config, { step: 0, epoch }));
    const g = f(0.1);
    assert.deepEqual(rates, [f(0.1), f(0.1), f(0.1), f(f(0.1) * g), f(f(0.1) * g), f(f(0.1) * (g * g)), f(f(0.1) * (g * g * g))]);
  });

  it("warms up linearly from 0, then follows a half cosine down to the floor, and stays there", () => {
    const rate = (step: number) => learningRateAt(COSINE, { step, epoch: 0 });
    assert.deepEqual([0, 1, 2, 3].map(rate), [0, f(f(0.001) * 0.25), f(f(0.001) * 0.5), f(f(0.001) * 0.75)]);
    assert.equal(rate(4), f(0.001), "the peak right after warm-up");
    assert.equal(rate(20), f(0.0001), "the floor at totalSteps");
    assert.equal(rate(1000), f(0.0001), "the floor after totalSteps");
    for (let step = 4; step <= 20; step++) {
      const expected = f(0.0001) + (f(0.001) - f(0.0001)) * 0.5 * (1 + Math.cos((Math.PI * (step - 4)) / 16));
      assert.ok(ulps32(rate(step), f(expected)) <= 1, `step ${step}: ${rate(step)} vs libm ${expected}`);
    }
  });

  it("reduces micro-batch gradients in order and applies SGD with momentum and weight decay", () => {
    const params = Float32Array.from([1, -2]);
    const velocity = Float32Array.from([0.5, 0]);
    const gradients = Float32Array.from([0.25, 1, 0.5, -1]); // micro-batch 0: [0.25, 1]; 1: [0.5, -1]
    applyOptimizerStep({ config: SGD, params, state: [velocity], gradients, microBatches: 2, step: 3, position: { step: 3, epoch: 0 } });
    const v0 = f(f(0.9) * 0.5 + (0.75 + f(0.01) * 1));
    assert.equal(velocity[0], v0);
    assert.equal(params[0], f(1 - f(0.1) * v0));
    const v1 = f(0 + (0 + f(0.01) * -2));
    assert.equal(velocity[1], v1);
    assert.equal(params[1], f(-2 - f(0.1) * v1));
  });

  it("applies Adam with bias correction from the step count", () => {
    const params = Float32Array.from([0.5]);
    const m = new Float32Array(1);
    const v = new Float32Array(1);
    applyOptimizerStep({ config: ADAM, params, state: [m, v], gradients: Float32Array.from([0.2]), microBatches: 1, step: 0, position: { step: 0, epoch: 1 } });
    const g = f(0.2);
    assert.equal(m[0], f((1 - ADAM.beta1) * g));
    assert.equal(v[0], f((1 - ADAM.beta2) * g * g));
    const expected = f(0.5 - (learningRateAt(ADAM, { step: 0, epoch: 1 }) * (m[0]! / (1 - ADAM.beta1))) / (Math.sqrt(v[0]! / (1 - ADAM.beta2)) + ADAM.epsilon));
    assert.equal(params[0], expected);
    assert.ok(Math.abs(params[0]! - (0.5 - 0.0005)) < 1e-7, "first Adam step moves by about the learning rate");
  });

  it("decouples AdamW's weight decay from the moments", () => {
    const run = (config: OptimizerConfig) => {
      const params = Float32Array.from([2]);
      const state = [new Float32Array(1), new Float32Array(1)];
      applyOptimizerStep({ config, params, state, gradients: Float32Array.from([0.5]), microBatches: 1, step: 0, position: { step: 0, epoch: 0 } });
      return { params: params[0]!, m: state[0]![0]! };
    };
    const adamw = run(ADAMW);
    assert.equal(adamw.m, f((1 - ADAMW.beta1) * f(0.5)), "the moment sees the gradient alone");
    const lr = f(0.001);
    assert.equal(adamw.params, f(2 * (1 - lr * ADAMW.weightDecay) - (lr * (adamw.m / (1 - ADAMW.beta1))) / (Math.sqrt(f((1 - ADAMW.beta2) * 0.25) / (1 - ADAMW.beta2)) + ADAMW.epsilon)));
    const adam = run({ ...ADAMW, type: "adam" });
    assert.equal(adam.m, f((1 - ADAMW.beta1) * (f(0.5) + ADAMW.weightDecay * 2)), "Adam's moment sees the decay");
    assert.notEqual(adam.params, adamw.params);
  });

  it("runs Adam and AdamW bit for bit as §6 writes them element by element: odd ranges around a statistic, 3 micro-batches, clipped or not", () => {
    const { size, tensors } = AROUND_A_STATISTIC;
    const statistic = (i: number) => i >= 1001 && i < 1004;
    const [initial, first, second, third] = randomGradients(4, size, 0.5);
    const gradients = Float32Array.from([...first!, ...second!, ...third!]);
    for (const config of [{ ...ADAM, weightDecay: f(0.01) }, ADAMW, { ...ADAMW, clipNorm: f(0.05) }]) {
      for (const step of [0, 7]) {
        const params = Float32Array.from(initial!);
        const state = [Float32Array.from(second!), Float32Array.from(third!, Math.abs)];
        const expected = { params: params.slice(), m: state[0]!.slice(), v: state[1]!.slice() };
        applyOptimizerStep({ config, params, state, gradients, microBatches: 3, step, position: { step, epoch: 0 }, tensors });
        const { beta1, beta2, epsilon, weightDecay: decay } = config as Extract<OptimizerConfig, { type: "adam" | "adamw" }>;
        const sum = (i: number) => gradients[i]! + gradients[size + i]! + gradients[2 * size + i]!;
        let squares = 0;
        for (let i = 0; i < size; i++) if (!statistic(i)) squares += f(sum(i)) * f(sum(i));
        const k = config.clipNorm === undefined ? 1 : Math.min(1, config.clipNorm / (Math.sqrt(squares) + 1e-6));
        const lr = learningRateAt(config, { step, epoch: 0 });
        const decoupled = config.type === "adamw";
        const power = (beta: number) => Array.from({ length: step + 1 }, () => beta).reduce((product, factor) => product * factor, 1);
        for (let i = 0; i < size; i++) {
          if (statistic(i)) continue;
          const g = (k === 1 ? f(sum(i)) : f(f(sum(i)) * k)) + (decoupled ? 0 : decay) * expected.params[i]!;
          expected.m[i] = beta1 * expected.m[i]! + (1 - beta1) * g;
          expected.v[i] = beta2 * expected.v[i]! + (1 - beta2) * g * g;
          expected.params[i] = expected.params[i]! * (decoupled ? 1 - lr * decay : 1) - (lr * (expected.m[i]! / (1 - power(beta1)))) / (Math.sqrt(expected.v[i]! / (1 - power(beta2))) + epsilon);
        }
        const label = `${config.type}${config.clipNorm === undefined ? "" : " clipped"}, step ${step}`;
        assert.deepEqual([params.subarray(0, 1001), params.subarray(1004)], [expected.params.subarray(0, 1001), expected.params.subarray(1004)], `parameters, ${label}`);
        assert.deepEqual([state[0], state[1]], [expected.m, expected.v], `moments, ${label}`);
      }
    }
  });

  it("cuts the optimized elements among threads on multiples of 4, each once and in order, with the bits of one thread", () => {
    const ranges: [number, number][] = [[0, 1001], [1004, 2001]];
    for (const parts of [1, 2, 3, 7]) {
      const groups = splitRanges(ranges, parts);
      assert.equal(groups.length, parts);
      assert.deepEqual(groups.flat().flatMap(([from, to]) => Array.from({ length: to - from }, (_, i) => from + i)), [...Array.from({ length: 1001 }, (_, i) => i), ...Array.from({ length: 997 }, (_, i) => 1004 + i)], `${parts} parts`);
      const counts = groups.map((group) => group.reduce((sum, [from, to]) => sum + to - from, 0));
      counts.slice(0, -1).reduce((done, count) => (assert.equal((done + count) % 4, 0, `cut after ${done + count}`), done + count), 0);
      for (const count of counts) assert.ok(Math.abs(count - 1998 / parts) < 4, `about as many in each: ${counts}`);
    }
    assert.deepEqual(splitRanges([[0, 3]], 2), [[], [[0, 3]]], "fewer elements than a cut's 4 go to the last thread");
    const { size, tensors } = AROUND_A_STATISTIC;
    const [initial, first, second] = randomGradients(3, size, 0.5);
    const gradients = Float32Array.from([...first!, ...second!]);
    for (const config of [{ ...ADAMW, clipNorm: f(0.05) }, { ...SGD, weightDecay: f(0.01) }]) {
      const step = (params: Float32Array, state: Float32Array[]) => ({ config, params, state, gradients, microBatches: 2, step: 3, position: { step: 3, epoch: 0 }, tensors });
      const whole = step(Float32Array.from(initial!), Array.from({ length: optimizerStateVectors(config) }, () => Float32Array.from(second!, Math.abs)));
      applyOptimizerStep(whole);
      const cut = step(Float32Array.from(initial!), Array.from({ length: optimizerStateVectors(config) }, () => Float32Array.from(second!, Math.abs)));
      const { ranges: optimized, scale } = prepareOptimizerStep(cut);
      for (const group of splitRanges(optimized, 3).reverse()) optimizeRanges(cut, group, scale);
      assert.deepEqual([cut.params, ...cut.state], [whole.params, ...whole.state], config.type);
    }
  });

  it("clips the gradient's global norm over the optimized tensors, leaving statistics out", () => {
    const config: OptimizerConfig = { ...SGD, momentum: 0, weightDecay: 0, learningRate: 1, clipNorm: 1 };
    // Tensors: weight [0, 2), a statistic at [2, 3) whose slot holds a large mean, bias [3, 4).
    const tensors: ParameterTensor[] = [
      { name: "w", offset: 0, size: 2, dims: [2] },
      { name: "running_mean", offset: 2, size: 1, dims: [1], statistic: { momentum: f(0.9) } },
      { name: "b", offset: 3, size: 1, dims: [1] },
    ] as ParameterTensor[];
    const params = new Float32Array(4);
    applyOptimizerStep({ config, params, state: [new Float32Array(4)], gradients: Float32Array.from([3, 0, 1000, 4]), microBatches: 1, step: 0, position: { step: 0, epoch: 0 } , tensors });
    const k = 1 / (5 + 1e-6);
    assert.equal(params[0], f(-f(3 * k)));
    assert.equal(params[1], 0);
    assert.equal(params[3], f(-f(4 * k)));
    assert.equal(params[2], f((1 - f(0.9)) * 1000), "the statistic is averaged, not clipped");
    const small = new Float32Array(4);
    applyOptimizerStep({ config, params: small, state: [new Float32Array(4)], gradients: Float32Array.from([0.3, 0, 0, 0.4]), microBatches: 1, step: 0, position: { step: 0, epoch: 0 }, tensors });
    assert.deepEqual([small[0], small[3]], [-f(0.3), -f(0.4)], "a gradient within the bound is not scaled");
  });

  it("agrees with PyTorch's optimizers, schedules and clip_grad_norm_ over 40 steps", { skip: torchPython === undefined && "python3-torch is not installed" }, () => {
    const initial = Array.from({ length: 16 }, (_, i) => ((i % 7) - 3) / 4);
    const cases: [string, OptimizerConfig][] = [
      ["sgd + step schedule + clipping", { ...SGD, schedule: { type: "step", everyEpochs: 2, gamma: f(0.5) }, clipNorm: f(0.5) }],
      ["adam + exponential decay", ADAM],
      ["adamw + cosine with warm-up + clipping", { ...COSINE, clipNorm: f(1) }],
    ];
    const script = fileURLToPath(new URL("../../harness/torchOptimizer.py", import.meta.url));
    for (const [name, config] of cases) {
      const gradients = randomGradients(40, initial.length, 0.5);
      const ours = engineRun(config, initial, gradients, 8);
      const input = JSON.stringify({ params: initial, statistic: 0, gradients: gradients.map((g) => Array.from(g)), optimizer: config, stepsPerEpoch: 8 });
      const theirs = JSON.parse(execFileSync(torchPython!, [script], { input, encoding: "utf8" })) as number[][];
      for (let step = 0; step < 40; step++) {
        for (let i = 0; i < initial.length; i++) {
          const a = ours[step]![i]!;
          const b = theirs[step]![i]!;
          assert.ok(Math.abs(a - b) <= 2e-6 * Math.max(1, Math.abs(b)), `${name}, step ${step}, parameter ${i}: engine ${a}, PyTorch ${b}`);
        }
      }
    }
  });
});
