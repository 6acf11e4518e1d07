import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hexToBytes, keccak256 } from "viem";
import type { StepConfig } from "../../../keepers/src/training/jobSpec.ts";
import { createLeNet5Onnx } from "../../../keepers/src/training/lenet5.ts";
import { encodeCheckpoint } from "../../../keepers/src/training/checkpoint.ts";
import { loadMnist, sliceImageSet } from "../../../keepers/src/training/mnist.ts";
import type { ModelDefinition } from "../../../keepers/src/training/modelDefinition.ts";
import { Network } from "../../../keepers/src/training/network.ts";
import { importOnnxModel } from "../../../keepers/src/training/onnxImport.ts";
import { applyOptimizerStep, optimizerStateVectors } from "../../../keepers/src/training/optimizer.ts";
import { PIXEL_TO_FLOAT } from "../../../keepers/src/training/pixelValues.ts";
import { SplitMix64 } from "../../../keepers/src/training/prng.ts";
import { dataCursor, type TrainingState } from "../../../keepers/src/training/trainingState.ts";
import { randomAccessOrder } from "../../../keepers/src/trainingVm/randomAccessOrder.ts";
import { stepProgram } from "../../../keepers/src/trainingVm/stepProgram.ts";
import { stateCommitment, TrainingVm, vmData } from "../../../keepers/src/trainingVm/trainingVm.ts";
import { emptyRoot, rootFrom, WordTree } from "../../../keepers/src/trainingVm/wordTree.ts";

/** A 784-24-10 perceptron with biases, as the ONNX importer would describe it. */
function perceptron(): ModelDefinition {
  const tensors = [
    { name: "w1", dims: [24, 784] }, { name: "b1", dims: [24] }, { name: "w2", dims: [10, 24] }, { name: "b2", dims: [10] },
  ];
  let offset = 0;
  const parameters = tensors.map((t) => {
    const size = t.dims.reduce((a, b) => a * b, 1);
    const tensor = { ...t, offset, size };
    offset += size;
    return tensor;
  });
  return {
    inputName: "x", outputName: "y", inputShape: [1, 28, 28], classes: 10, parameters, parameterCount: offset,
    layers: [
      { kind: "flatten", name: "flatten" },
      { kind: "linear", name: "fc1", inFeatures: 784, outFeatures: 24, weight: 0, bias: 1 },
      { kind: "relu", name: "relu" },
      { kind: "linear", name: "fc2", inFeatures: 24, outFeatures: 10, weight: 2, bias: 3 },
    ],
  };
}

const f = Math.fround;
const SGD: StepConfig = {
  seed: 7n, batchSize: 16, microBatches: 2,
  optimizer: { type: "sgd", learningRate: f(0.05), learningRateDecay: f(0.9), momentum: f(0.9), weightDecay: f(0.0001) },
};
const ADAM: StepConfig = {
  seed: 9n, batchSize: 12, microBatches: 3,
  optimizer: { type: "adam", learningRate: f(0.001), learningRateDecay: f(1), beta1: f(0.9), beta2: f(0.999), epsilon: f(1e-8), weightDecay: f(0) },
};
const train = sliceImageSet({ set: loadMnist().train, start: 0, end: 200 });
const data = vmData(train);

function initial(model: ModelDefinition, config: StepConfig, step: number): TrainingState {
  const rng = new SplitMix64(123n);
  const params = Float32Array.from({ length: model.parameterCount }, () => (rng.nextUnit() - 0.5) / 5);
  const optimizerState = Array.from({ length: optimizerStateVectors(config.optimizer) }, () => new Float32Array(model.parameterCount));
  return { step, params, optimizerState };
}

/** The engine's step (as Trainer runs it) over the VM's data order. */
function engineStep(model: ModelDefinition, config: StepConfig, state: TrainingState): TrainingState {
  const { batchSize: B, microBatches: M } = config;
  const b = B / M;
  const P = model.parameterCount;
  const stepsPerEpoch = Math.floor(train.count / B);
  const { epoch, batch } = dataCursor(state.step, stepsPerEpoch);
  const order = randomAccessOrder({ seed: config.seed, epoch, size: train.count });
  const network = new Network({ model, maxExamples: b });
  const params = Float32Array.from(state.params);
  const optimizerState = state.optimizerState.map((v) => Float32Array.from(v));
  const gradients = new Float32Array(M * P);
  for (let m = 0; m < M; m++) {
    const indices = Array.from({ length: b }, (_, e) => order(batch * B + m * b + e));
    network.loadExamples({ pixels: train.pixels, labels: train.labels, indices, pixelValues: PIXEL_TO_FLOAT });
    network.gradient({ params, grads: gradients.subarray(m * P, (m + 1) * P), n: b, batchSize: B });
  }
  applyOptimizerStep({ config: config.optimizer, params, state: optimizerState, gradients, microBatches: M, step: state.step, epoch });
  return { step: state.step + 1, params, optimizerState };
}

const checkpointOf = (config: StepConfig, state: TrainingState) =>
  encodeCheckpoint({ state, optimizer: config.optimizer.type, stepsPerEpoch: Math.floor(train.count / config.batchSize) });

describe("training VM", () => {
  for (const [name, config, firstStep] of [["SGD with momentum, weight decay and a decaying rate", SGD, 11], ["Adam", ADAM, 0]] as const) {
    it(`runs the engine's steps bit for bit: ${name}, across an epoch boundary`, () => {
      const model = perceptron();
      let state = initial(model, config, firstStep);
      const stepsPerEpoch = Math.floor(train.count / config.batchSize);
      for (let s = 0; s < 3; s++) {
        const program = stepProgram({ model, config, examples: train.count, step: state.step });
        const next = new TrainingVm({ program, checkpoint: checkpointOf(config, state), data }).runStep();
        state = engineStep(model, config, state);
        assert.equal(keccak256(next), keccak256(checkpointOf(config, state)), `step ${state.step - 1}: the VM's checkpoint is the engine's`);
      }
      if (config === SGD) assert.ok(firstStep < stepsPerEpoch && state.step > stepsPerEpoch, "the steps crossed into epoch 1");
    });
  }

  it("opens every word an instruction touches against the state before it, and the position carries no commitment", () => {
    const model = perceptron();
    const program = stepProgram({ model, config: SGD, examples: train.count, step: 4 });
    const vm = new TrainingVm({ program, checkpoint: checkpointOf(SGD, initial(model, SGD, 4)), data });
    const atStart = vm.commitment();
    const { depths } = program;
    assert.equal(atStart, stateCommitment(new WordTree(checkpointOf(SGD, initial(model, SGD, 4)), depths.checkpoint).root, emptyRoot(depths.scratch), 0n));
    const roots = (proof: ReturnType<TrainingVm["proveInstruction"]>, tree: number) => (tree === 0 ? proof.checkpointRoot : tree === 1 ? proof.scratchRoot : vm.dataRoot());
    program.operators.forEach((operator, index) => {
      for (const instruction of [0, operator.count - 1]) {
        vm.runTo({ operator: index, instruction });
        const proof = vm.proveInstruction();
        assert.ok(proof.words.length <= 4, `${operator.kind} touches at most 4 words`);
        for (const word of proof.words) {
          assert.equal(word.siblings.length, [depths.checkpoint, depths.scratch, depths.data][word.tree]);
          assert.equal(rootFrom(word.index, hexToBytes(word.word), word.siblings.map((s) => hexToBytes(s))), roots(proof, word.tree), `${operator.kind}: word ${word.index} of tree ${word.tree} opens`);
        }
      }
    });
    // The end of an operator and the start of the next are one state.
    const end = vm.runTo({ operator: 1, instruction: 0 }).commitment();
    assert.equal(vm.runTo({ operator: 0, instruction: program.operators[0]!.count }).commitment(), end);
  });

  it("refuses a model it cannot run yet with one line saying what and what to do", () => {
    const model = importOnnxModel(createLeNet5Onnx({ seed: 1n })).definition;
    assert.throws(() => stepProgram({ model, config: SGD, examples: 100, step: 0 }), /cannot run a conv layer \(.*\) yet .*use a committee dispute/);
  });
});

describe("random-access data order", () => {
  it("is a permutation of [0, n) for every n, keyed by seed and epoch", () => {
    for (const size of [1, 2, 3, 7, 64, 1000, 4097]) {
      const order = randomAccessOrder({ seed: 5n, epoch: 2, size });
      const seen = new Set(Array.from({ length: size }, (_, p) => order(p)));
      assert.equal(seen.size, size);
      assert.ok([...seen].every((x) => Number.isInteger(x) && x >= 0 && x < size));
    }
    const first = (seed: bigint, epoch: number) => Array.from({ length: 8 }, (_, p) => randomAccessOrder({ seed, epoch, size: 55000 })(p));
    assert.notDeepEqual(first(1n, 0), first(1n, 1));
    assert.notDeepEqual(first(1n, 0), first(2n, 0));
    assert.throws(() => randomAccessOrder({ seed: 1n, epoch: 0, size: 10 })(10), /position 10 is outside \[0, 10\)/);
  });

  it("matches its test vectors", () => {
    assert.deepEqual(Array.from({ length: 8 }, (_, p) => randomAccessOrder({ seed: 1n, epoch: 0, size: 55000 })(p)), GOLDEN_ORDER);
  });
});

describe("word tree", () => {
  it("hashes pairs of 32-byte words with keccak256 up to a fixed depth, zero-padded", () => {
    const bytes = Uint8Array.from({ length: 70 }, (_, i) => i);
    const tree = new WordTree(bytes, 3);
    const word = (j: number) => { const w = new Uint8Array(32); w.set(bytes.subarray(32 * j, 32 * j + 32)); return w; };
    const h = (a: Uint8Array, b: Uint8Array) => hexToBytes(keccak256(new Uint8Array([...a, ...b])));
    const zero = new Uint8Array(32);
    const z1 = h(zero, zero);
    const expected = h(h(h(word(0), word(1)), h(word(2), zero)), h(z1, z1));
    assert.equal(tree.root, keccak256(new Uint8Array([...h(h(word(0), word(1)), h(word(2), zero)), ...h(z1, z1)])));
    assert.equal(tree.root, `0x${Buffer.from(expected).toString("hex")}`);
    assert.equal(new WordTree(new Uint8Array(0), 5).root, emptyRoot(5));
    assert.throws(() => new WordTree(new Uint8Array(300), 3), /300 bytes do not fit a depth-3 word tree/);
  });
});

/** Positions 0–7 of epoch 0 for seed 1 over 55,000 examples (the standard MNIST training split). */
const GOLDEN_ORDER = [6468, 16525, 26769, 28592, 26458, 42093, 20195, 38176];
