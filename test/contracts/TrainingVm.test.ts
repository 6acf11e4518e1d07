import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeAbiParameters, encodeFunctionData, hexToBytes, keccak256, parseAbiParameters, zeroHash, type Hex } from "viem";
import { blobDigest } from "../../keepers/src/content/chunkedBlob.ts";
import { encodeGlobalModel } from "../../keepers/src/rounds/globalModel.ts";
import type { StepConfig } from "../../keepers/src/training/jobSpec.ts";
import { createLeNet5Onnx } from "../../keepers/src/training/lenet5.ts";
import type { ModelDefinition } from "../../keepers/src/training/modelDefinition.ts";
import { importOnnxModel } from "../../keepers/src/training/onnxImport.ts";
import { randomAccessOrder } from "../../keepers/src/trainingVm/randomAccessOrder.ts";
import type { TrainingState } from "../../keepers/src/training/trainingState.ts";
import { OPERATOR_KINDS, poolOverlap, stepProgram, type StepProgram, type Window } from "../../keepers/src/trainingVm/stepProgram.ts";
import { stateCommitment, TrainingVm } from "../../keepers/src/trainingVm/trainingVm.ts";
import { encodeOperator, VM_JOB_ABI, VmProgram } from "../../keepers/src/trainingVm/vmProgram.ts";
import { emptyRoot } from "../../keepers/src/trainingVm/wordTree.ts";
import { softFloatCases } from "../harness/softFloatCases.ts";
import { dropoutModel } from "../keepers/training/operatorModels.ts";
import { ADAM, ADAMW, checkpointOf, data, initial, perceptron, residualCnn, scheduleOf, SGD, sigmoidPoolingCnnOnnx, subtractionMlpOnnx, gatedMlpOnnx, train } from "../harness/vmFixture.ts";
import { networkHelpers, viem } from "./fixture.ts";

/** The one-step goal of docs/dispute-game.md (issue 21): at most 1M gas per instruction executed on-chain. */
const ONE_STEP_GAS_GOAL = 1_000_000n;

async function deploy() {
  return { vm: await viem.deployContract("TrainingVm"), publicClient: await viem.getPublicClient() };
}

const lenet = importOnnxModel(createLeNet5Onnx({ seed: 1n })).definition;
const classic = importOnnxModel(createLeNet5Onnx({ seed: 1n, activation: "tanh", pooling: "average" })).definition;
const sigmoidCnn = importOnnxModel(sigmoidPoolingCnnOnnx()).definition;
const logSoftmaxCnn = importOnnxModel(sigmoidPoolingCnnOnnx({ logSoftmax: true })).definition;
const lenetBatchNorm = importOnnxModel(createLeNet5Onnx({ seed: 1n, batchNorm: true })).definition;
const dropoutCnn = importOnnxModel(dropoutModel(Math.fround(0.3))).definition;
const subtractingCnn: ModelDefinition = { ...residualCnn(), layers: residualCnn().layers.map((l) => (l.kind === "add" ? { ...l, subtract: true as const } : l)) };
const subtractionMlp = importOnnxModel(subtractionMlpOnnx()).definition;
const gatedMlp = importOnnxModel(gatedMlpOnnx()).definition;

/**
 * A step of `model` (the perceptron by default) at `step` from `state`, its VM and its program as the chain sees it
 * (checkpoints every 4 steps up to 50; with `rounds`, a distributed slot's, its optimizer restarting at each).
 */
function setUp(config: StepConfig, step: number, model: ModelDefinition = perceptron(), state: TrainingState = initial(model, config, step), rounds = false, globalModel?: Uint8Array) {
  const program = stepProgram({ model, config, examples: train.count, step, roundSteps: rounds ? 4 : undefined });
  const vm = new TrainingVm({ program, checkpoint: checkpointOf(config, state), data, globalModel });
  return { program, vm, chain: new VmProgram(program, vm.dataRoot(), { ...scheduleOf(checkpointOf(config, initial(model, config, 0)), 4, 50), rounds }) };
}

/**
 * An average pooling's backward: its first element's first two windows (the second past the pooling's output when
 * windows do not overlap) and its store, the last window of the element at row and column stride (inside as many
 * windows as overlap there), the middle.
 */
const averagePoolBackwardPhases = (window: Window, count: number) => {
  const [overlapH, overlapW] = poolOverlap(window);
  const taps = overlapH * overlapW;
  return [0, 1, taps, (window.stride[0] * window.width + window.stride[1]) * (taps + 1) + taps - 1, Math.floor(count / 2)];
};

/** A BatchNorm's instructions that cover each of its phases (docs/training-vm.md §4), in its first two channels. */
const batchNormPhases = (op: Extract<StepProgram["operators"][number], { kind: "batchNorm" | "batchNormBackward" }>, count: number, b: number) => {
  const n = b * op.plane;
  const per = count / op.channels;
  const firsts = [0, 1, n - 1, n, n + 1, n + 2, n + 3, 2 * n + 2, 2 * n + 3, 2 * n + 4, 2 * n + 5, per - 1];
  const forward = op.kind === "batchNorm" ? [3 * n + 3, 3 * n + 4, 3 * n + 5] : [];
  return [...firsts, ...forward].flatMap((r) => [r, per + r]);
};

/** Instructions covering every phase of an operator (docs/training-vm.md §4), and its last one. */
const probes = (program: StepProgram, operator: number) => {
  const count = program.counts[operator]!;
  const op = program.operators[operator]!;
  const { classes: C, config } = program.context;
  const per = (config.microBatches) + (config.optimizer.type === "sgd" ? 2 : 3);
  const statistic = op.kind === "optimizer" || op.kind === "reduce" || op.kind === "clipFactor" ? op.statistics[0] : undefined;
  const { microBatches: M } = config;
  const phases =
    op.kind === "batchNorm" || op.kind === "batchNormBackward" ? batchNormPhases(op, count, config.batchSize / config.microBatches) :
    // A BatchNorm's running statistic: its first element's phases too (its sum left unreduced, out of the norm).
    statistic !== undefined && op.kind === "optimizer" ? Array.from({ length: per }, (_, r) => [r, statistic.from * per + r]).flat() :
    statistic !== undefined && op.kind === "reduce" ? Array.from({ length: M }, (_, r) => [r, statistic.from * M + r]).flat() :
    statistic !== undefined && op.kind === "clipFactor" ? [0, 1, statistic.from] :
    op.kind === "matMul" ? [0, 1, op.k] :
    op.kind === "softmax" || op.kind === "logSoftmax" ? [0, 1, C, C + 1, 2 * C + 1, 2 * C + 2] :
    op.kind === "logSoftmaxBackward" ? [0, 1, C, C + 1] :
    op.kind === "optimizer" ? Array.from({ length: (op.clipped ? 1 : config.microBatches) + (config.optimizer.type === "sgd" ? 2 : 3) }, (_, r) => r) :
    op.kind === "reduce" ? Array.from({ length: config.microBatches }, (_, r) => r) :
    op.kind === "power" || op.kind === "schedule" || op.kind === "clipFactor" ? [0, 1] :
    op.kind === "averagePool" ? [0, 1, op.window.kernel[0] * op.window.kernel[1], Math.floor(count / 2)] :
    op.kind === "averagePoolBackward" ? averagePoolBackwardPhases(op.window, count) :
    op.kind === "sigmoid" || op.kind === "tanh" || op.kind === "sigmoidBackward" || op.kind === "tanhBackward" ? [0, Math.floor(count / 2)] :
    // A Dropout's first elements (kept and dropped ones), its second channel's first, its last.
    op.kind === "dropout" ? [0, 1, 2, 3, 4, 5, (config.batchSize / config.microBatches) * op.plane, count - 1] : [0];
  return [...new Set([...phases, count - 1])].filter((i) => i < count).sort((x, y) => x - y);
};

/** The {@link probes} of a program's operators (those of `kinds`, or all), as positions. */
const probePositions = (program: StepProgram, kinds?: readonly string[]) =>
  program.operators.flatMap((op, operator) => (kinds === undefined || kinds.includes(op.kind) ? probes(program, operator).map((instruction) => ({ operator, instruction })) : []));

type Deployed = Awaited<ReturnType<typeof deploy>>;

/**
 * Executes instruction `instruction` of operator `operator` for each of `positions` (by default every operator's
 * {@link probes}) in a step {@link setUp} made, on the contract, and checks each state after it is the TypeScript VM's;
 * returns `gasByKind` with the most gas an instruction of each kind took.
 */
async function executeOnChain(
  { vm: contract, publicClient }: Deployed, { program, vm, chain }: ReturnType<typeof setUp>, step: number,
  positions = probePositions(program), gasByKind = new Map<string, bigint>(),
) {
  for (const { operator, instruction } of positions) {
    const kind = program.operators[operator]!.kind;
    const proof = vm.runTo({ operator, instruction }).proveInstruction();
    const before = stateCommitment(proof.checkpointRoot, proof.scratchRoot, proof.acc);
    const args = [chain.hash, before, [BigInt(step), BigInt(operator)], BigInt(instruction), chain.stepWitness(proof)] as const;
    assert.equal(await contract.read.step(args), vm.commitment(), `${kind} ${operator}, instruction ${instruction} of step ${step}: the contract's state is the VM's`);
    const gas = await publicClient.estimateGas({ to: contract.address, data: encodeFunctionData({ abi: contract.abi, functionName: "step", args }) });
    gasByKind.set(kind, gas > (gasByKind.get(kind) ?? 0n) ? gas : gasByKind.get(kind)!);
  }
  return gasByKind;
}

describe("TrainingVm", () => {
  const cases = [
    ["a perceptron with SGD", SGD, 12, perceptron()],
    ["a perceptron with Adam", ADAM, 3, perceptron()],
    ["LeNet-5 with SGD", { ...SGD, batchSize: 8, microBatches: 2 }, 5, lenet],
    ["LeNet-5 with AdamW, the cosine schedule and gradient clipping", { ...ADAMW, batchSize: 8, microBatches: 2 }, 3, lenet],
    ["a perceptron with AdamW alone", { ...ADAMW, optimizer: { ...ADAMW.optimizer, schedule: undefined, clipNorm: undefined } }, 3, perceptron()],
    ["a perceptron with SGD, the step schedule and gradient clipping", { ...SGD, optimizer: { ...SGD.optimizer, learningRateDecay: 1, schedule: { type: "step", everyEpochs: 1, gamma: Math.fround(0.5) }, clipNorm: Math.fround(0.05) } }, 13, perceptron()],
    ["LeCun's LeNet-5 (Tanh, average pooling) with SGD", { ...SGD, batchSize: 8, microBatches: 2 }, 5, classic],
    ["a CNN of Sigmoid, overlapping average pooling and GlobalAveragePool with Adam", { ...ADAM, batchSize: 8, microBatches: 2 }, 24, sigmoidCnn],
    ["that CNN ending in LogSoftmax with SGD", SGD, 7, logSoftmaxCnn],
    ["a residual CNN without BatchNorm (Add, and gradients summed) with Adam", { ...ADAM, batchSize: 4, microBatches: 2 }, 2, residualCnn()],
    ["the residual CNN with its BatchNorms with SGD", { ...SGD, batchSize: 4, microBatches: 2 }, 2, residualCnn({ batchNorm: true })],
    ["LeNet-5 with BatchNorm (channels and features) with Adam", { ...ADAM, batchSize: 4, microBatches: 2 }, 2, lenetBatchNorm],
    ["LeNet-5 with BatchNorm with AdamW, the cosine schedule and gradient clipping", { ...ADAMW, batchSize: 4, microBatches: 2 }, 2, lenetBatchNorm],
    ["a CNN with a Dropout of 2 channels and one of features with Adam", { ...ADAM, batchSize: 4, microBatches: 2 }, 3, dropoutCnn],
    ["the residual CNN with Sub for each Add (sub, negate) with SGD", { ...SGD, batchSize: 4, microBatches: 2 }, 2, subtractingCnn],
    ["an MLP whose Sub's second operand is read again after it (a negated gradient subtracted) with SGD", SGD, 5, subtractionMlp],
    ["a gated MLP (Mul of two activations, Mul of an output by itself) with Adam", ADAM, 4, gatedMlp],
  ] as const;
  for (const [name, config, step, model] of cases) {
    it(`executes every kind of instruction as the TypeScript VM does (${name}): the same state after it, under ${ONE_STEP_GAS_GOAL.toLocaleString("en")} gas`, async (t) => {
      const setup = setUp(config, step, model);
      const { program } = setup;
      const gasByKind = await executeOnChain(await networkHelpers.loadFixture(deploy), setup, step);
      t.diagnostic(`most gas per kind: ${JSON.stringify(Object.fromEntries([...gasByKind].map(([kind, gas]) => [kind, Number(gas)])))}`);
      for (const [kind, gas] of gasByKind) assert.ok(gas <= ONE_STEP_GAS_GOAL, `${kind}: ${gas} gas`);
      assert.deepEqual([...gasByKind.keys()].sort(), [...new Set(program.operators.map((o) => o.kind))].sort(), "every kind was executed");
    });
  }

  it("executes Sigmoid and Tanh and their backward as the TypeScript VM does at their edges: +0, tanh's Taylor range, exp's overflow and underflow", async (t) => {
    // The first convolution's output at row 0, column 0 reads only MNIST's blank border, so it is its channel's bias:
    // each channel's bias is an input of the activation after it.
    const edges = [
      [classic, "conv1.bias", [0, 1e-4, -5e-4, 30, -60, -200]],
      [sigmoidCnn, "conv.bias", [0, -200, 150, 1e-5]],
    ] as const;
    const gasByKind = new Map<string, bigint>();
    for (const [model, bias, values] of edges) {
      const config = { ...SGD, batchSize: 8, microBatches: 2 };
      const state = initial(model, config, 5);
      state.params.set(values.map(Math.fround), model.parameters.find((tensor) => tensor.name === bias)!.offset);
      const setup = setUp(config, 5, model, state);
      const { program } = setup;
      const b = config.batchSize / config.microBatches;
      const operators = program.operators.flatMap((op, operator) => (["sigmoid", "tanh", "sigmoidBackward", "tanhBackward"].includes(op.kind) ? [operator] : []));
      // The activation after the first convolution and its backward: the first of them, and the last of micro-batch 0.
      const secondMicroBatch = program.operators.findIndex((op, o) => op.kind === "gather" && o > 0);
      const [forward, backward] = [operators[0]!, operators.filter((o) => o < secondMicroBatch).at(-1)!];
      const plane = program.counts[forward]! / (b * values.length);
      const activation = program.operators[forward]!;
      assert.ok(activation.kind === "sigmoid" || activation.kind === "tanh");
      for (const [c, value] of values.entries()) {
        const slot: number = activation.source + c * b * plane;
        const { words } = setup.vm.runTo({ operator: forward, instruction: c * b * plane }).proveInstruction();
        const input = hexToBytes(words.find((word) => word.tree === 1 && word.index === Math.floor(slot / 8))!.word);
        assert.equal(new DataView(input.buffer).getFloat32(4 * (slot % 8), true), Math.fround(value), `channel ${c}'s input is its bias`);
      }
      const positions = [forward, backward].flatMap((operator) => values.map((_, c) => ({ operator, instruction: c * b * plane })));
      await executeOnChain(await networkHelpers.loadFixture(deploy), setup, 5, positions, gasByKind);
    }
    t.diagnostic(`most gas per kind: ${JSON.stringify(Object.fromEntries([...gasByKind].map(([kind, gas]) => [kind, Number(gas)])))}`);
    assert.deepEqual([...gasByKind.keys()].sort(), ["sigmoid", "sigmoidBackward", "tanh", "tanhBackward"]);
  });

  describe("when the learning rate has a schedule", () => {
    it("executes the cosine schedule's instruction as the TypeScript VM does in the warm-up, at its end, in the decay and past its last step", async (t) => {
      const deployed = await networkHelpers.loadFixture(deploy);
      // W = 2, T = 30: t = 0 and 1 warm up, t = 2 is p = 0, t = 30 is p = 1, t = 41 is past T (p clamped to 1).
      for (const step of [0, 1, 2, 3, 16, 29, 30, 41]) {
        const setup = setUp(ADAMW, step, perceptron());
        const gasByKind = await executeOnChain(deployed, setup, step, probePositions(setup.program, ["schedule"]));
        t.diagnostic(`step ${step}: ${gasByKind.get("schedule")} gas`);
        assert.ok(gasByKind.get("schedule")! <= ONE_STEP_GAS_GOAL);
      }
    });

    it("executes the step schedule's instructions as the TypeScript VM does, across epochs", async (t) => {
      const deployed = await networkHelpers.loadFixture(deploy);
      const config: StepConfig = { ...ADAMW, optimizer: { ...ADAMW.optimizer, schedule: { type: "step", everyEpochs: 2, gamma: Math.fround(0.5) } } };
      // 16 steps per epoch: epochs 0, 1 (⌊1/2⌋ = 0 multiplications), 2 and 5 (1 and 2).
      for (const step of [0, 16, 32, 80]) {
        const setup = setUp(config, step, perceptron());
        const gasByKind = await executeOnChain(deployed, setup, step, probePositions(setup.program, ["schedule"]));
        t.diagnostic(`step ${step}: ${gasByKind.get("schedule")} gas`);
      }
    });
  });

  it("counts a step's operators and an operator's instructions from the program", async () => {
    const { vm: contract } = await networkHelpers.loadFixture(deploy);
    for (const model of [perceptron(), sigmoidCnn]) {
      const { program, chain } = setUp(ADAM, 40, model);
      assert.equal(chain.hash, setUp(ADAM, 0, model).chain.hash, "a job's program is one for all its steps");
      assert.equal(await contract.read.unitCount([chain.hash, 1, [40n, 0n], chain.unitWitness(1)]), BigInt(program.operators.length));
      for (let operator = 0; operator < program.operators.length; operator++) {
        assert.equal(await contract.read.unitCount([chain.hash, 2, [40n, BigInt(operator)], chain.unitWitness(2, operator)]), BigInt(program.counts[operator]!));
      }
    }
  });

  it("counts a distributed slot's bias corrections from its round's start, as the TypeScript VM does (rounds)", async () => {
    const deployed = await networkHelpers.loadFixture(deploy);
    const { vm: contract } = deployed;
    const corrections = (program: StepProgram) => program.operators.flatMap((op, i) => (op.kind === "power" && op.exponent === "steps" ? [i] : []));
    // Rounds of 4 steps: step 9 is the round's second step, t = 2 (as a single run's step 1), against t = 10.
    const slot = setUp(ADAM, 9, perceptron(), initial(perceptron(), ADAM, 9), true);
    assert.notEqual(slot.chain.hash, setUp(ADAM, 9).chain.hash, "`rounds` is part of the program");
    assert.deepEqual(corrections(slot.program).map((i) => slot.program.counts[i]), [4, 4], "acc = 1, two multiplications, the store");
    const single = setUp(ADAM, 1).program;
    assert.deepEqual(corrections(slot.program).map((i) => slot.program.counts[i]), corrections(single).map((i) => single.counts[i]));
    for (const i of corrections(slot.program)) {
      assert.equal(await contract.read.unitCount([slot.chain.hash, 2, [9n, BigInt(i)], slot.chain.unitWitness(2, i)]), 4n);
    }
    await executeOnChain(deployed, slot, 9, corrections(slot.program).flatMap((operator) => [0, 1, 2, 3].map((instruction) => ({ operator, instruction }))));
  });

  it(`starts a distributed slot's round from its global model (roundStart) and loads it as the TypeScript VM does, its chunks proven, under ${ONE_STEP_GAS_GOAL.toLocaleString("en")} gas`, async (t) => {
    const deployed = await networkHelpers.loadFixture(deploy);
    const { vm: contract } = deployed;
    const model = perceptron();
    const P = model.parameterCount;
    // Round 2 of rounds of 4 steps: step 8 starts from +0 parameters and state, the global model's digest in the scratch.
    const zero = { ...initial(model, ADAM, 8), params: new Float32Array(P) };
    const params = initial(model, ADAM, 0).params;
    const globalModel = encodeGlobalModel({ round: 2, params, momentum: params });
    const slot = setUp(ADAM, 8, model, zero, true, globalModel);
    const load = slot.program.operators.findIndex((op) => op.kind === "load");
    assert.equal(load, 0, "a slot's step begins with load");
    assert.equal(slot.program.counts[load], P + 1);
    const start = await contract.read.roundStart([slot.chain.hash, 2n, blobDigest(globalModel), slot.chain.segmentWitness()]);
    assert.equal(start, slot.vm.commitment(), "the chain's round start is the VM's");
    // Rounds of 4 steps up to step 50: round 12 starts at 48, round 13 would start past the last step.
    await contract.read.roundStart([slot.chain.hash, 12n, blobDigest(globalModel), slot.chain.segmentWitness()]);
    for (const round of [13n, 2n ** 64n - 1n]) {
      await viem.assertions.revertWithCustomErrorWithArgs(contract.read.roundStart([slot.chain.hash, round, blobDigest(globalModel), slot.chain.segmentWitness()]), contract, "TrainingVmNotARound", [round]);
    }
    const single = setUp(ADAM, 8, model).chain;
    await viem.assertions.revertWithCustomErrorWithArgs(contract.read.roundStart([single.hash, 2n, blobDigest(globalModel), single.segmentWitness()]), contract, "TrainingVmNotARound", [2n]);
    const roots = [keccak256("0x01"), keccak256("0x02")] as const;
    assert.deepEqual(await contract.read.segment([slot.chain.hash, 3n, ...roots, slot.chain.segmentWitness()]), [0n, 0n, zeroHash, zeroHash], "a slot's program has no segment: its rounds start from their global models");
    assert.equal(await contract.read.unitCount([slot.chain.hash, 2, [8n, 0n], slot.chain.unitWitness(2, 0)]), BigInt(P + 1));
    assert.equal(await contract.read.unitCount([slot.chain.hash, 2, [9n, 0n], slot.chain.unitWitness(2, 0)]), 1n, "at a round's other steps, the clearing alone");
    // The first parameters, the first of chunk 1 (byte 32,768 of the blob), the last, and the digest's clearing.
    const firstOfChunk1 = (32_768 - 16) / 4;
    const instructions = [0, 1, firstOfChunk1 - 1, firstOfChunk1, P - 1, P];
    const gas = (await executeOnChain(deployed, slot, 8, instructions.map((instruction) => ({ operator: load, instruction })))).get("load")!;
    t.diagnostic(`load: ${gas} gas (a 32-KiB chunk of the global model in its calldata)`);
    assert.ok(gas <= ONE_STEP_GAS_GOAL);
    const loaded = new DataView(slot.vm.runTo({ operator: 1, instruction: 0 }).checkpoint.buffer);
    assert.ok(Array.from(params).every((value, i) => Object.is(loaded.getFloat32(4 * (9 + i), true), value)), "the checkpoint holds the global model's parameters");

    // A blob cut short: parameters past its end load as +0, its last chunk proving its length.
    const short = encodeGlobalModel({ round: 2, params: params.subarray(0, P - 3) });
    const cut = setUp(ADAM, 8, model, zero, true, short);
    await executeOnChain(deployed, cut, 8, [P - 4, P - 3, P - 1].map((instruction) => ({ operator: load, instruction })));
    // Past the operator's end: P + 1 instructions at the round's first step.
    const last = slot.vm.runTo({ operator: load, instruction: P }).proveInstruction();
    const lastState = stateCommitment(last.checkpointRoot, last.scratchRoot, last.acc);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.read.step([slot.chain.hash, lastState, [8n, BigInt(load)], BigInt(P + 1), slot.chain.stepWitness(last)]), contract, "TrainingVmInstructionOutOfRange", [BigInt(P + 1), BigInt(P + 1)],
    );
    // A chunk of another blob than the round's: refused.
    const proof = slot.vm.runTo({ operator: load, instruction: 5 }).proveInstruction();
    const other = setUp(ADAM, 8, model, zero, true, encodeGlobalModel({ round: 2, params: params.map((value) => -value) }));
    const forged = { ...proof, chunk: other.vm.runTo({ operator: load, instruction: 5 }).proveInstruction().chunk };
    const before = stateCommitment(proof.checkpointRoot, proof.scratchRoot, proof.acc);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.read.step([slot.chain.hash, before, [8n, BigInt(load)], 5n, slot.chain.stepWitness(forged)]), contract, "TrainingVmChunkNotInBlob", [blobDigest(globalModel), 0n],
    );
  });

  it("gives each checkpoint's segment from the program's schedule, checkpoint 0 being the program's own", async () => {
    const { vm: contract } = await networkHelpers.loadFixture(deploy);
    const { chain } = setUp(SGD, 0);
    const [before, after] = [keccak256("0x01"), keccak256("0x02")];
    const boundary = (root: Hex) => stateCommitment(root, emptyRoot(chain.job.scratchDepth), 0n);
    const segment = (checkpoint: bigint) => contract.read.segment([chain.hash, checkpoint, before, after, chain.segmentWitness()]);
    // Interval 4 and 50 steps: checkpoints at steps 0, 4, …, 48, 50 (docs/training.md §8).
    assert.deepEqual(await segment(1n), [0n, 4n, boundary(chain.job.initialRoot), boundary(after)], "checkpoint 1 starts from the program's checkpoint 0");
    assert.deepEqual(await segment(2n), [4n, 4n, boundary(before), boundary(after)]);
    assert.deepEqual(await segment(13n), [48n, 2n, boundary(before), boundary(after)], "the last segment is cut at the job's steps");
    for (const outside of [0n, 14n, 2n ** 64n - 1n]) assert.deepEqual(await segment(outside), [0n, 0n, zeroHash, zeroHash], `no segment ends at checkpoint ${outside}`);
    await assert.rejects(contract.read.segment([keccak256("0x03"), 1n, before, after, chain.segmentWitness()]), /TrainingVmProgramMismatch/);
  });

  it("computes the data order and the empty scratch root as the keepers do", async () => {
    const { vm: contract } = await networkHelpers.loadFixture(deploy);
    for (const [seed, epoch, size] of [[1n, 0, 55000], [7n, 3, 200], [2n ** 64n - 1n, 1, 1], [5n, 2, 4097]] as const) {
      const order = randomAccessOrder({ seed, epoch, size });
      for (const position of [0, size - 1, Math.floor(size / 3)]) {
        assert.equal(await contract.read.dataOrder([seed, BigInt(epoch), BigInt(size), BigInt(position)]), BigInt(order(position)));
      }
    }
    for (const depth of [0, 1, 13]) assert.equal(await contract.read.emptyRoot([BigInt(depth)]), emptyRoot(depth));
  });

  it("deploys TrainingVmInstructions, which deploys TrainingVmFunctions, whose functions return what JavaScript computes (each one's first 40 cases: its edges)", async () => {
    const { vm: contract } = await networkHelpers.loadFixture(deploy);
    const instructions = await viem.getContractAt("TrainingVmInstructions", await contract.read.instructions());
    const functions = await viem.getContractAt("TrainingVmFunctions", await instructions.read.functions());
    for (const op of ["div", "sqrt", "expF64", "logF64", "cosF64", "sigmoidF64", "tanhF64"] as const) {
      for (const { a, b, expected } of softFloatCases({ seed: 1n, op, count: 40 })) {
        const results = await Promise.all(a.map((x, i) => (op === "div" ? functions.read.div([x, b[i]!]) : functions.read[op]([x]))));
        assert.deepEqual(results, expected, op);
      }
    }
  });

  describe("refuses a witness that does not prove the instruction", () => {
    const at = (operator: number, instruction: number, model: ModelDefinition = perceptron()) => {
      const { program, vm, chain } = setUp(SGD, 12, model);
      const proof = vm.runTo({ operator, instruction }).proveInstruction();
      return { program, chain, before: stateCommitment(proof.checkpointRoot, proof.scratchRoot, proof.acc), proof };
    };
    const call = async (args: readonly [Hex, Hex, readonly [bigint, bigint], bigint, Hex]) => {
      const { vm: contract } = await networkHelpers.loadFixture(deploy);
      return { contract, promise: contract.read.step(args as never) };
    };

    it("of another program", async () => {
      const { chain, before, proof } = at(1, 5);
      const other = setUp(ADAM, 12).chain;
      const { contract, promise } = await call([other.hash, before, [12n, 1n], 5n, chain.stepWitness(proof)]);
      await viem.assertions.revertWithCustomErrorWithArgs(promise, contract, "TrainingVmProgramMismatch", [other.hash, chain.hash]);
    });

    it("of another state", async () => {
      const { chain, before, proof } = at(1, 5);
      const wrong = keccak256(before);
      const { contract, promise } = await call([chain.hash, wrong, [12n, 1n], 5n, chain.stepWitness(proof)]);
      await viem.assertions.revertWithCustomErrorWithArgs(promise, contract, "TrainingVmStateMismatch", [wrong, before]);
    });

    it("with another operator", async () => {
      const { chain, before, proof } = at(1, 5);
      const { contract, promise } = await call([chain.hash, before, [12n, 2n], 5n, chain.stepWitness(proof)]);
      await viem.assertions.revertWithCustomErrorWithArgs(promise, contract, "TrainingVmOperatorNotInProgram", [2n]);
    });

    it("with a forged word", async () => {
      const { chain, before, proof } = at(1, 5);
      const forged = { ...proof, words: proof.words.map((w, i) => (i === 0 ? { ...w, word: keccak256(w.word) } : w)) };
      const { contract, promise } = await call([chain.hash, before, [12n, 1n], 5n, chain.stepWitness(forged)]);
      await viem.assertions.revertWithCustomErrorWithArgs(promise, contract, "TrainingVmWordNotInState", [proof.words[0]!.tree, BigInt(proof.words[0]!.index)]);
    });

    it("with a word whose index lies past its tree (which would alias the word its low bits name)", async () => {
      const { program, chain, before, proof } = at(1, 5);
      const word = proof.words[0]!;
      const alias = word.index + 2 ** [program.depths.checkpoint, program.depths.scratch, program.depths.data][word.tree]!;
      const aliased = { ...proof, words: [{ ...word, index: alias }, ...proof.words] };
      const { contract, promise } = await call([chain.hash, before, [12n, 1n], 5n, chain.stepWitness(aliased)]);
      await viem.assertions.revertWithCustomErrorWithArgs(promise, contract, "TrainingVmWordNotInState", [word.tree, BigInt(alias)]);
    });

    it("without a word it reads", async () => {
      const { chain, before, proof } = at(1, 5);
      const missing = proof.words[proof.words.length - 1]!;
      const { contract, promise } = await call([chain.hash, before, [12n, 1n], 5n, chain.stepWitness({ ...proof, words: proof.words.slice(0, -1) })]);
      await viem.assertions.revertWithCustomErrorWithArgs(promise, contract, "TrainingVmWordMissing", [missing.tree, BigInt(missing.index)]);
    });

    it("past the operator's end", async () => {
      const { program, chain, before, proof } = at(2, 0);
      const count = BigInt(program.counts[2]!);
      const { contract, promise } = await call([chain.hash, before, [12n, 2n], count, chain.stepWitness(proof)]);
      await viem.assertions.revertWithCustomErrorWithArgs(promise, contract, "TrainingVmInstructionOutOfRange", [count, count]);
    });

    for (const kind of ["sigmoid", "averagePool", "logSoftmax", "logSoftmaxBackward", "averagePoolBackward", "sigmoidBackward"] as const) {
      it(`past the end of ${kind}, or without the word it writes`, async () => {
        const { operators, counts } = setUp(SGD, 12, logSoftmaxCnn).program;
        const operator = operators.findIndex((op) => op.kind === kind);
        const count = BigInt(counts[operator]!);
        const { chain, before, proof } = at(operator, counts[operator]! - 1, logSoftmaxCnn);
        const path = [12n, BigInt(operator)] as const;
        const past = await call([chain.hash, before, path, count, chain.stepWitness(proof)]);
        await viem.assertions.revertWithCustomErrorWithArgs(past.promise, past.contract, "TrainingVmInstructionOutOfRange", [count, count]);
        const written = proof.words.at(-1)!;
        const missing = await call([chain.hash, before, path, count - 1n, chain.stepWitness({ ...proof, words: proof.words.slice(0, -1) })]);
        await viem.assertions.revertWithCustomErrorWithArgs(missing.promise, missing.contract, "TrainingVmWordMissing", [written.tree, BigInt(written.index)]);
      });
    }

    it("past the end of a step's `end`; and `end` sent to TrainingVmInstructions, which leaves it to TrainingVm", async () => {
      const last = setUp(SGD, 12).program.operators.length - 1;
      const { program, chain, before, proof } = at(last, 0);
      assert.equal(program.operators[last]!.kind, "end");
      const past = await call([chain.hash, before, [12n, BigInt(last)], 1n, chain.stepWitness(proof)]);
      await viem.assertions.revertWithCustomErrorWithArgs(past.promise, past.contract, "TrainingVmInstructionOutOfRange", [1n, 1n]);
      const instructions = await viem.getContractAt("TrainingVmInstructions", await past.contract.read.instructions());
      const words = proof.words.map(({ tree, index, word, siblings }) => ({ tree, index: BigInt(index), value: word, siblings }));
      const end = encodeOperator(program.operators[last]!);
      await viem.assertions.revertWithCustomErrorWithArgs(instructions.read.execute([chain.job, 12n, proof.acc, words, end, 0n]), instructions, "TrainingVmUnknownOperator", [OPERATOR_KINDS.indexOf("end")]);
    });

    it("at a level the machine does not have, or of an unknown operator kind", async () => {
      const { vm: contract } = await networkHelpers.loadFixture(deploy);
      const { chain } = setUp(SGD, 12);
      await viem.assertions.revertWithCustomErrorWithArgs(contract.read.unitCount([chain.hash, 3, [0n, 0n], chain.unitWitness(1)]), contract, "TrainingVmUnknownLevel", [3]);
      // A program whose only operator has the first unknown kind.
      const unknown = OPERATOR_KINDS.length;
      const operator = { kind: unknown, args: "0x" as Hex };
      const job = { ...chain.job, operatorsRoot: keccak256(encodeAbiParameters(parseAbiParameters("(uint8 kind, bytes args)"), [operator])), operatorsDepth: 0, operatorCount: 1 };
      const hash = keccak256(encodeAbiParameters(parseAbiParameters(VM_JOB_ABI), [job]));
      const witness = encodeAbiParameters(parseAbiParameters(`${VM_JOB_ABI}, (uint8 kind, bytes args), bytes32[]`), [job, operator, []]);
      await viem.assertions.revertWithCustomErrorWithArgs(contract.read.unitCount([hash, 2, [0n, 0n], witness]), contract, "TrainingVmUnknownOperator", [unknown]);
    });
  });
});
