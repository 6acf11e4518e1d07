import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyOptimizerStep, learningRateAt, type OptimizerConfig } from "../../../keepers/src/training/optimizer.ts";

const f = Math.fround;
const ADAM: OptimizerConfig = {
  type: "adam", learningRate: f(0.001), learningRateDecay: f(0.5), beta1: f(0.9), beta2: f(0.999), epsilon: f(1e-8), weightDecay: 0,
};

describe("optimizers", () => {
  it("decays the learning rate per epoch by repeated multiplication", () => {
    assert.equal(learningRateAt(ADAM, 0), f(0.001));
    assert.equal(learningRateAt(ADAM, 2), f(f(0.001) * 0.25));
    assert.equal(learningRateAt({ ...ADAM, learningRateDecay: 1 }, 9), f(0.001));
  });

  it("reduces micro-batch gradients in order and applies SGD with momentum and weight decay", () => {
    const config: OptimizerConfig = { type: "sgd", learningRate: f(0.1), learningRateDecay: 1, momentum: f(0.9), weightDecay: f(0.01) };
    const params = Float32Array.from([1, -2]);
    const velocity = Float32Array.from([0.5, 0]);
    const gradients = Float32Array.from([0.25, 1, 0.5, -1]); // micro-batch 0: [0.25, 1]; 1: [0.5, -1]
    applyOptimizerStep({ config, params, state: [velocity], gradients, microBatches: 2, step: 3, epoch: 0 });
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
    applyOptimizerStep({ config: ADAM, params, state: [m, v], gradients: Float32Array.from([0.2]), microBatches: 1, step: 0, epoch: 1 });
    const g = f(0.2);
    assert.equal(m[0], f((1 - ADAM.beta1) * g));
    assert.equal(v[0], f((1 - ADAM.beta2) * g * g));
    const expected = f(0.5 - (learningRateAt(ADAM, 1) * (m[0]! / (1 - ADAM.beta1))) / (Math.sqrt(v[0]! / (1 - ADAM.beta2)) + ADAM.epsilon));
    assert.equal(params[0], expected);
    assert.ok(Math.abs(params[0]! - (0.5 - 0.0005)) < 1e-7, "first Adam step moves by about the learning rate");
  });
});
