import { encodeCheckpoint } from "../../keepers/src/training/checkpoint.ts";
import type { StepConfig } from "../../keepers/src/training/jobSpec.ts";
import { loadMnist, sliceImageSet } from "../../keepers/src/training/mnist.ts";
import type { ModelDefinition } from "../../keepers/src/training/modelDefinition.ts";
import { Network } from "../../keepers/src/training/network.ts";
import { applyOptimizerStep, optimizerStateVectors } from "../../keepers/src/training/optimizer.ts";
import { PIXEL_TO_FLOAT } from "../../keepers/src/training/pixelValues.ts";
import { SplitMix64 } from "../../keepers/src/training/prng.ts";
import { dataCursor, type TrainingState } from "../../keepers/src/training/trainingState.ts";
import { randomAccessOrder } from "../../keepers/src/trainingVm/randomAccessOrder.ts";
import { treeDepth } from "../../keepers/src/trainingVm/stepProgram.ts";
import { vmData } from "../../keepers/src/trainingVm/trainingVm.ts";
import type { CheckpointSchedule } from "../../keepers/src/trainingVm/vmProgram.ts";
import { WordTree } from "../../keepers/src/trainingVm/wordTree.ts";

// What the training VM's tests run: a small perceptron on the first 200 MNIST training images, two optimizer
// configurations, and the engine's own step over the VM's data order to compare with.

/** A 784-`hidden`-10 perceptron with biases, as the ONNX importer would describe it. */
export function perceptron(hidden = 24): ModelDefinition {
  const tensors = [
    { name: "w1", dims: [hidden, 784] }, { name: "b1", dims: [hidden] }, { name: "w2", dims: [10, hidden] }, { name: "b2", dims: [10] },
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
      { kind: "linear", name: "fc1", inFeatures: 784, outFeatures: hidden, weight: 0, bias: 1 },
      { kind: "relu", name: "relu" },
      { kind: "linear", name: "fc2", inFeatures: hidden, outFeatures: 10, weight: 2, bias: 3 },
    ],
  };
}

const f = Math.fround;
export const SGD: StepConfig = {
  seed: 7n, batchSize: 16, microBatches: 2,
  optimizer: { type: "sgd", learningRate: f(0.05), learningRateDecay: f(0.9), momentum: f(0.9), weightDecay: f(0.0001) },
};
export const ADAM: StepConfig = {
  seed: 9n, batchSize: 12, microBatches: 3,
  optimizer: { type: "adam", learningRate: f(0.001), learningRateDecay: f(1), beta1: f(0.9), beta2: f(0.999), epsilon: f(1e-8), weightDecay: f(0) },
};
export const train = sliceImageSet({ set: loadMnist().train, start: 0, end: 200 });
export const data = vmData(train);

export function initial(model: ModelDefinition, config: StepConfig, step: number): TrainingState {
  const rng = new SplitMix64(123n);
  const params = Float32Array.from({ length: model.parameterCount }, () => (rng.nextUnit() - 0.5) / 5);
  const optimizerState = Array.from({ length: optimizerStateVectors(config.optimizer) }, () => new Float32Array(model.parameterCount));
  return { step, params, optimizerState };
}

/** The engine's step (as Trainer runs it) over the VM's data order. */
export function engineStep(model: ModelDefinition, config: StepConfig, state: TrainingState): TrainingState {
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

export const checkpointOf = (config: StepConfig, state: TrainingState, examples = train.count) =>
  encodeCheckpoint({ state, optimizer: config.optimizer.type, stepsPerEpoch: Math.floor(examples / config.batchSize) });

/** A checkpoint schedule whose checkpoint 0 is `checkpoint` (its word-tree root), for a VmProgram or a VmTrace. */
export const scheduleOf = (checkpoint: Uint8Array, checkpointInterval: number, totalSteps: number): CheckpointSchedule => ({
  initialRoot: new WordTree(checkpoint, treeDepth(checkpoint.length)).root,
  checkpointInterval,
  totalSteps,
});
