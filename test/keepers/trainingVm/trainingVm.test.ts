import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hexToBytes, keccak256 } from "viem";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import type { StepConfig } from "../../../keepers/src/training/jobSpec.ts";
import { createLeNet5Onnx } from "../../../keepers/src/training/lenet5.ts";
import { createTransformerOnnx } from "../../../keepers/src/training/transformer.ts";
import { LogSoftmax } from "../../../keepers/src/training/logSoftmax.ts";
import type { ModelDefinition } from "../../../keepers/src/training/modelDefinition.ts";
import { importOnnxModel } from "../../../keepers/src/training/onnxImport.ts";
import { SplitMix64 } from "../../../keepers/src/training/prng.ts";
import { executeInstruction, type VmMemory } from "../../../keepers/src/trainingVm/executeInstruction.ts";
import { randomAccessOrder } from "../../../keepers/src/trainingVm/randomAccessOrder.ts";
import { CONSTANT_SLOTS, stepProgram, TREE } from "../../../keepers/src/trainingVm/stepProgram.ts";
import { float64Bits, stateCommitment, TrainingVm } from "../../../keepers/src/trainingVm/trainingVm.ts";
import { encodeOperator, VmProgram } from "../../../keepers/src/trainingVm/vmProgram.ts";
import { emptyRoot, rootFrom, WordTree } from "../../../keepers/src/trainingVm/wordTree.ts";
import { dropoutModel } from "../training/operatorModels.ts";
import { ADAM, ADAMW, checkpointOf, data, engineStep, initial, perceptron, residualCnn, scheduleOf, SGD, sigmoidPoolingCnnOnnx, subtractionMlpOnnx, gatedMlpOnnx, train } from "../../harness/vmFixture.ts";

/** `model` with each Add made an ONNX Sub (first − second). */
const subtracting = (model: ModelDefinition): ModelDefinition => ({ ...model, layers: model.layers.map((l) => (l.kind === "add" ? { ...l, subtract: true as const } : l)) });

describe("training VM", () => {
  for (const [name, config, firstStep] of [["SGD with momentum, weight decay and a decaying rate", SGD, 11], ["Adam", ADAM, 0]] as const) {
    it(`runs the engine's steps bit for bit: ${name}, across an epoch boundary`, async () => {
      const model = perceptron();
      let state = initial(model, config, firstStep);
      const stepsPerEpoch = Math.floor(train.count / config.batchSize);
      for (let s = 0; s < 3; s++) {
        const program = stepProgram({ model, config, examples: train.count, step: state.step });
        const next = new TrainingVm({ program, checkpoint: checkpointOf(config, state), data }).runStep();
        state = await engineStep(model, config, state);
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
      for (const instruction of [0, program.counts[index]! - 1]) {
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
    assert.equal(vm.runTo({ operator: 0, instruction: program.counts[0]! }).commitment(), end);
  });

  it("goes back to a state it committed bit for bit: a bisection's positions, forwards and back, give a fresh run's commitments and proofs", () => {
    const model = perceptron();
    const program = stepProgram({ model, config: ADAM, examples: train.count, step: 3 });
    const checkpoint = checkpointOf(ADAM, initial(model, ADAM, 3));
    const fresh = (position: { operator: number; instruction: number }) => new TrainingVm({ program, checkpoint, data }).runTo(position);
    const vm = new TrainingVm({ program, checkpoint, data });
    // A game's bisection over [lo, hi): the midpoint agreed with (go right) or disputed (go left) as `agree` says,
    // so that the state agreed on last is gone back to several times.
    const bisect = (lo: number, hi: number, agree: boolean[], at: (unit: number) => { operator: number; instruction: number }) => {
      for (const agreed of agree) {
        const mid = lo + Math.floor((hi - lo) / 2);
        assert.equal(vm.runTo(at(mid)).commitment(), fresh(at(mid)).commitment(), `at ${JSON.stringify(at(mid))}`);
        if (agreed) lo = mid;
        else hi = mid;
      }
      return lo;
    };
    const operator = bisect(0, program.operators.length, [false, true, false, false], (o) => ({ operator: o, instruction: 0 }));
    const count = program.counts[operator]!;
    assert.ok(count > 100, `operator ${operator} has ${count} instructions`);
    const lo = bisect(0, count, [true, false, false, true, false, false, false], (i) => ({ operator, instruction: i }));
    const position = { operator, instruction: lo };
    assert.deepEqual(vm.runTo(position).proveInstruction(), fresh(position).proveInstruction(), "the proof of the instruction at the state agreed on last");
    const next = { operator, instruction: lo + 1 };
    assert.equal(vm.runTo(next).commitment(), fresh(next).commitment(), "the run goes on after a proof");
  });

  it("runs LeNet-5's steps bit for bit: convolutions, max-pooling, flatten of 16 channels", async () => {
    const model = importOnnxModel(createLeNet5Onnx({ seed: 1n })).definition;
    const config: StepConfig = { ...SGD, batchSize: 8, microBatches: 2 };
    let state = initial(model, config, 5);
    for (let s = 0; s < 2; s++) {
      const program = stepProgram({ model, config, examples: train.count, step: state.step });
      const next = new TrainingVm({ program, checkpoint: checkpointOf(config, state), data }).runStep();
      state = await engineStep(model, config, state);
      assert.equal(keccak256(next), keccak256(checkpointOf(config, state)), `step ${state.step - 1}: the VM's checkpoint is the engine's`);
    }
  });

  const layerModels = [
    ["LeCun's LeNet-5 (lenet5-classic: Tanh, average pooling)", importOnnxModel(createLeNet5Onnx({ seed: 1n, activation: "tanh", pooling: "average" })).definition],
    ["a CNN of Sigmoid, overlapping average pooling and GlobalAveragePool", importOnnxModel(sigmoidPoolingCnnOnnx()).definition],
    ["that CNN ending in LogSoftmax", importOnnxModel(sigmoidPoolingCnnOnnx({ logSoftmax: true })).definition],
    ["a residual CNN without BatchNorm (each block's input read by its first convolution and its Add)", residualCnn()],
    ["the residual CNN with its BatchNorms (running statistics averaged by the optimizer)", residualCnn({ batchNorm: true })],
    ["LeNet-5 with BatchNorm after each convolution (channels) and each hidden Gemm (features)", importOnnxModel(createLeNet5Onnx({ seed: 1n, batchNorm: true })).definition],
    ["a CNN with a Dropout of 2 channels and one of features (masks of the job seed and step)", importOnnxModel(dropoutModel(Math.fround(0.3))).definition],
    ["the residual CNN with Sub for each Add (its second operand's gradient negated)", subtracting(residualCnn())],
    ["an MLP whose Sub's second operand is read again after it (a negated gradient added to a sum)", importOnnxModel(subtractionMlpOnnx()).definition],
    ["a gated MLP: Mul of two activations (one also read by a Gemm) and Mul of an output by itself", importOnnxModel(gatedMlpOnnx()).definition],
  ] as const;
  for (const [name, model] of layerModels) {
    for (const [optimizer, base] of [["SGD", SGD], ["Adam", ADAM]] as const) {
      it(`runs the engine's steps bit for bit: ${name}, ${optimizer}, across an epoch boundary`, async () => {
        const config: StepConfig = { ...base, batchSize: 8, microBatches: 2 };
        const stepsPerEpoch = Math.floor(train.count / config.batchSize);
        let state = initial(model, config, stepsPerEpoch - 1);
        for (let s = 0; s < 2; s++) {
          const program = stepProgram({ model, config, examples: train.count, step: state.step });
          const next = new TrainingVm({ program, checkpoint: checkpointOf(config, state), data }).runStep();
          state = await engineStep(model, config, state);
          assert.equal(keccak256(next), keccak256(checkpointOf(config, state)), `step ${state.step - 1}: the VM's checkpoint is the engine's`);
        }
      });
    }
  }

  it("runs LogSoftmax and its backward as the engine's layer, on an output gradient whose sum is far from 0", () => {
    // In a step the loss's gradient sums to about 0 over each example, so the backward's T·e^y barely shows there.
    const program = stepProgram({ model: importOnnxModel(sigmoidPoolingCnnOnnx({ logSoftmax: true })).definition, config: SGD, examples: train.count, step: 0 });
    const { classes: C, config } = program.context;
    const b = config.batchSize / config.microBatches;
    const scratch = new DataView(new ArrayBuffer(4 * program.scratchSlots));
    const memory: VmMemory = {
      f32: (_, slot) => scratch.getFloat32(4 * slot, true),
      f64: (_, slot) => scratch.getFloat64(4 * slot, true),
      dataByte: () => assert.fail("LogSoftmax reads no data"),
      globalParameter: () => assert.fail("LogSoftmax reads no global model"),
      setF32: (_, slot, value) => scratch.setFloat32(4 * slot, value, true),
      setF64: (_, slot, value) => scratch.setFloat64(4 * slot, value, true),
    };
    const run = (kind: "logSoftmax" | "logSoftmaxBackward") => {
      const index = program.operators.findIndex((op) => op.kind === kind);
      const registers = { acc: 0 };
      for (let i = 0; i < program.counts[index]!; i++) executeInstruction(program.operators[index]!, i, { context: program.context, order: () => 0 }, memory, registers);
      return program.operators[index]!;
    };
    const rng = new SplitMix64(5n);
    const input = Float32Array.from({ length: b * C }, () => (rng.nextUnit() - 0.5) * 40);
    const outputGradient = Float32Array.from({ length: b * C }, () => rng.nextUnit() - 0.25);
    const layer = new LogSoftmax({ inputShape: [C], maxExamples: b });
    layer.forward(input, b);
    layer.backward(input, outputGradient, b);
    const forward = program.operators.find((op) => op.kind === "logSoftmax")!;
    assert.ok(forward.kind === "logSoftmax");
    input.forEach((x, i) => memory.setF32(1, forward.source + i, x));
    run("logSoftmax");
    const read = (at: number) => Float32Array.from({ length: b * C }, (_, i) => memory.f32(1, at + i));
    assert.deepEqual(read(forward.destination), layer.output, "y");
    const backward = program.operators.find((op) => op.kind === "logSoftmaxBackward")!;
    assert.ok(backward.kind === "logSoftmaxBackward" && backward.activation === forward.destination);
    outputGradient.forEach((g, i) => memory.setF32(1, backward.gradient + i, g));
    run("logSoftmaxBackward");
    assert.deepEqual(read(backward.gradient), layer.inputGradient, "dz");
  });

  it("refuses a model it cannot run yet with one line saying what and what to do", () => {
    const lenet = importOnnxModel(createLeNet5Onnx({ seed: 1n })).definition;
    const model = { ...lenet, layers: lenet.layers.map((l) => (l.kind === "maxPool" ? { ...l, stride: [1, 1] as [number, number] } : l)) };
    assert.throws(() => stepProgram({ model, config: SGD, examples: 100, step: 0 }), /cannot run a max-pooling whose windows overlap \(.*\) yet .*use a committee dispute/);
    const transformer = importOnnxModel(createTransformerOnnx({ seed: 1n })).definition;
    assert.throws(() => stepProgram({ model: transformer, config: SGD, examples: 100, step: 0 }), /cannot run a reshape layer \(.*\) yet .*use a committee dispute/);
    const logSoftmax = importOnnxModel(sigmoidPoolingCnnOnnx({ logSoftmax: true })).definition;
    const notLast: ModelDefinition = { ...logSoftmax, layers: [...logSoftmax.layers, { kind: "relu", name: "after", inputs: [logSoftmax.layers.length - 1] }] };
    assert.throws(() => stepProgram({ model: notLast, config: SGD, examples: 100, step: 0 }), /cannot run a LogSoftmax before the last layer \(logSoftmax\) yet .*use a committee dispute/);
    assert.throws(() => stepProgram({ model: perceptron(), config: { ...SGD, engineVersion: "veritrain-train/1" }, examples: 100, step: 0 }), (e: unknown) =>
      e instanceof VeritrainError && e.code === "VM_UNSUPPORTED" && /runs engine version 2 .* only, this job names veritrain-train\/1: use a committee dispute/.test(e.message));
  });

  describe("when the optimizer is AdamW, or has a learning-rate schedule or gradient clipping", () => {
    const { schedule: cosine, clipNorm, ...adamw } = ADAMW.optimizer;
    const constantRate = { ...SGD.optimizer, learningRateDecay: 1 };
    const cases: [name: string, config: StepConfig, firstStep: number, clips?: boolean][] = [
      ["AdamW, its weight decay decoupled", { ...ADAMW, optimizer: adamw }, 0],
      // t = 1 is in the warm-up (W = 2), t = 2 is the decay's first step (p = 0), t = 3 the next.
      ["the cosine schedule, from its warm-up into its decay", { ...SGD, optimizer: { ...constantRate, schedule: cosine! } }, 1],
      ["the step schedule, across an epoch boundary", { ...SGD, optimizer: { ...constantRate, schedule: { type: "step", everyEpochs: 1, gamma: Math.fround(0.5) } } }, 11],
      ["clipping that clips, with AdamW and the cosine schedule", ADAMW, 0, true],
      ["clipping that does not clip, with Adam", { ...ADAM, optimizer: { ...ADAM.optimizer, clipNorm: Math.fround(1000) } }, 0, false],
    ];
    for (const [name, config, firstStep, clips] of cases) {
      it(`runs the engine's steps bit for bit: ${name}`, async () => {
        const model = perceptron();
        let state = initial(model, config, firstStep);
        for (let s = 0; s < 3; s++) {
          const program = stepProgram({ model, config, examples: train.count, step: state.step });
          const vm = new TrainingVm({ program, checkpoint: checkpointOf(config, state), data });
          if (clips !== undefined && s === 0) {
            const factor = clipFactorOf(vm);
            assert.ok(clips ? factor < 1 : factor === 1, `the clipping's factor ${factor} ${clips ? "clips" : "does not clip"}`);
          }
          const next = vm.runStep();
          state = await engineStep(model, config, state);
          assert.equal(keccak256(next), keccak256(checkpointOf(config, state)), `step ${state.step - 1}: the VM's checkpoint is the engine's`);
        }
        const stepsPerEpoch = Math.floor(train.count / config.batchSize);
        if (config.optimizer.schedule?.type === "step") assert.equal(Math.floor((state.step - 1) / stepsPerEpoch), Math.floor(firstStep / stepsPerEpoch) + 1, "the steps crossed into the next epoch");
      });
    }

    for (const [name, model] of [
      ["LeNet-5 with BatchNorm (channels and features)", importOnnxModel(createLeNet5Onnx({ seed: 1n, batchNorm: true })).definition],
      ["the residual CNN with its BatchNorms", residualCnn({ batchNorm: true })],
    ] as const) {
      it(`runs the engine's steps bit for bit: clipping that clips, with AdamW and the cosine schedule, and ${name}: the running statistics averaged from their unrounded, unclipped sums`, async () => {
        const config: StepConfig = { ...ADAMW, batchSize: 8, microBatches: 2 };
        let state = initial(model, config, 0);
        for (let s = 0; s < 2; s++) {
          const program = stepProgram({ model, config, examples: train.count, step: state.step });
          const vm = new TrainingVm({ program, checkpoint: checkpointOf(config, state), data });
          const factor = clipFactorOf(vm);
          assert.ok(factor < 1, `the clipping's factor ${factor} clips`);
          const next = vm.runStep();
          state = await engineStep(model, config, state);
          assert.equal(keccak256(next), keccak256(checkpointOf(config, state)), `step ${state.step - 1}: the VM's checkpoint is the engine's`);
        }
      });
    }

    it("keeps the program of a job without them: SGD's and Adam's operators are the same with a constant rate and no clipping", () => {
      const kinds = (config: StepConfig) => stepProgram({ model: perceptron(), config, examples: train.count, step: 0 }).operators.map((o) => o.kind);
      assert.deepEqual(kinds(ADAM).slice(-5), ["power", "power", "power", "optimizer", "end"]);
      assert.deepEqual(kinds(ADAMW).slice(-7), ["reduce", "clipFactor", "schedule", "power", "power", "optimizer", "end"]);
      assert.equal(encodeOperator({ kind: "optimizer", clipped: false, statistics: [] }).args, "0x", "an unclipped optimizer has no fields, as before");
    });
  });
});

/** The clipping's factor of `vm`'s step: scratch slot 6, opened by the proof of the optimizer's first instruction. */
function clipFactorOf(vm: TrainingVm): number {
  const optimizer = vm.program.operators.findIndex((o) => o.kind === "optimizer");
  const word = vm.runTo({ operator: optimizer, instruction: 0 }).proveInstruction().words.find((w) => w.tree === TREE.scratch && w.index === 0)!;
  return new DataView(hexToBytes(word.word).buffer).getFloat64(4 * CONSTANT_SLOTS.clipFactor, true);
}

describe("training VM test vectors (engine version 2)", () => {
  it("gives the pinned program hash, data root and state commitments for the SGD perceptron at step 11", () => {
    const model = perceptron();
    const program = stepProgram({ model, config: SGD, examples: train.count, step: 11 });
    const vm = new TrainingVm({ program, checkpoint: checkpointOf(SGD, initial(model, SGD, 11)), data });
    assert.equal(vm.dataRoot(), "0xe546a7752c5d62b491af8bbf904eeeb16596a2b6a2af61c929dbadec238015a7");
    assert.equal(new VmProgram(program, vm.dataRoot(), scheduleOf(checkpointOf(SGD, initial(model, SGD, 0)), 4, 24)).hash, "0x7d48720340003b7478e62e24a228ef2775bbe6c5705c974e0abcc17808d3262a");
    assert.equal(vm.commitment(), "0xdd4e1f3d0740918fbeec3cf54bb2758ee6faf06747513167e25c0c18f62813ba", "the step's start");
    assert.equal(vm.runTo({ operator: 4, instruction: 17 }).commitment(), "0xc10dc20e2a9901c900c7de4c42df44ac1e76d4ca06e8707215a313e853d9e9ab", "inside the softmax");
    vm.runStep();
    assert.equal(vm.commitment(), "0x3b64e89a1dfa479fddf7ada1f69473012dbdd7813b3944958181721436caef45", "the step's end");
  });
});

describe("training VM test vectors of the optimizer additions (engine version 2)", () => {
  it("gives the pinned program hash, operator encodings and state commitments for the AdamW perceptron with the cosine schedule and clipping at step 3", () => {
    const model = perceptron();
    const program = stepProgram({ model, config: ADAMW, examples: train.count, step: 3 });
    const vm = new TrainingVm({ program, checkpoint: checkpointOf(ADAMW, initial(model, ADAMW, 3)), data });
    assert.equal(new VmProgram(program, vm.dataRoot(), scheduleOf(checkpointOf(ADAMW, initial(model, ADAMW, 0)), 4, 24)).hash, "0xa12e2a52e0b068594fc18f0c9dd4d5d25956d9b13b89455d90e11b9e3af6d434");
    const encoded = (kind: string) => encodeOperator(program.operators.find((o) => o.kind === kind)!);
    assert.deepEqual(encoded("reduce"), { kind: 13, args: "0x" });
    assert.deepEqual(encoded("clipFactor"), { kind: 14, args: `0x${"3fa99999a0000000".padStart(64, "0")}` }, "C = fround(0.05)");
    const word = (hex: string | number) => (typeof hex === "number" ? hex.toString(16) : hex).padStart(64, "0");
    // cosine, η₀ = fround(0.002), γ = 0, k = 0, W = 2, T = 30, η_min = fround(0.0001).
    assert.deepEqual(encoded("schedule"), { kind: 15, args: `0x${[1, "3f60624de0000000", 0, 0, 2, 30, "3f1a36e2e0000000"].map(word).join("")}` });
    assert.deepEqual(encoded("optimizer"), { kind: 6, args: `0x${word(1)}` }, "clipped");
    assert.equal(vm.commitment(), "0x2dba65503b79c7815fd9592a6f487291844032064214a9f2a017ffb0cf59e4e3", "the step's start");
    vm.runStep();
    assert.equal(vm.commitment(), "0x6280a0fff760e7ba91c5b67532db9576bf769a30d820d2b0413c319652aad843", "the step's end");
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

describe("NaNs in the VM's state", () => {
  it("are the canonical quiet NaN whatever the payload or sign V8 gives them, as SoftFloat returns them", () => {
    const nan32 = new DataView(new Uint32Array([0xffc12345]).buffer).getFloat32(0, true);
    for (const nan of [0 / 0, -(0 / 0), Infinity - Infinity, nan32]) assert.equal(float64Bits(nan), 0x7ff8000000000000n);
    assert.equal(float64Bits(-0), 0x8000000000000000n, "-0 keeps its sign");
  });
});
