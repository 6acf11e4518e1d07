import { bytesToHex, encodeAbiParameters, hexToBytes, keccak256, parseAbiParameters, type Hex } from "viem";
import { OPTIMIZER_ID } from "../training/checkpoint.ts";
import { OPERATOR_KINDS, TREE, type Operator, type Statistic, type StepProgram, type Strided } from "./stepProgram.ts";
import { float64Bits, type InstructionProof } from "./trainingVm.ts";
import { treeDepth, WordTree } from "./wordTree.ts";

/** contracts/disputes/TrainingVm.sol's structs, as viem ABI parameters. */
export const VM_JOB_ABI =
  "(bytes32 dataRoot, bytes32 operatorsRoot, uint8 checkpointDepth, uint8 scratchDepth, uint8 dataDepth, uint8 operatorsDepth, uint32 operatorCount, uint64 seed, uint32 examples, uint32 width, uint32 channels, uint32 classes, uint32 parameters, uint32 gradients, uint32 batchSize, uint32 microBatches, uint8 optimizer, uint64 momentum, uint64 weightDecay, uint64 beta1, uint64 beta2, uint64 epsilon, bytes32 initialRoot, uint32 checkpointInterval, uint64 totalSteps, bool rounds)";
const OPERATOR = "(uint8 kind, bytes args)";
const STRIDED = "(uint8 tree, uint32 offset, uint32 outer, uint32 inner)";
const MAT_MUL = `(uint32 m, uint32 n, uint32 k, bool hasA, ${STRIDED} a, ${STRIDED} b, uint32 destination, bool hasBias, uint32 bias, bool biasPerRow)`;
const WINDOW =
  "(uint32 channels, uint32 height, uint32 width, uint32 kernelH, uint32 kernelW, uint32 strideH, uint32 strideW, uint32 padTop, uint32 padLeft, uint32 outH, uint32 outW, uint32 source, uint32 destination, uint32 forwardOutput, uint32 outputGradient)";
const FLATTEN = "(uint32 channels, uint32 plane, bool backward, uint32 source, uint32 destination)";
const STATISTIC = "(uint32 from, uint32 to, uint64 momentum)";
/** `STATISTIC`s' fields: the momentum as its binary64 bits. */
const statisticFields = (statistics: readonly Statistic[]) => statistics.map(({ from, to, momentum }) => ({ from, to, momentum: float64Bits(momentum) }));
const DROPOUT = "uint32 size, uint32 source, uint32 destination, uint32 plane, uint32 microBatch, uint32 drawsPerExample, uint32 drawOffset, uint64 threshold, uint64 keep";
const BATCH_NORM =
  "(uint32 channels, uint32 plane, uint32 source, uint32 normalized, uint32 statistics, uint32 destination, uint32 scale, uint32 bias, uint32 meanGradient, uint32 varianceGradient, uint64 epsilon)";
const BATCH_NORM_BACKWARD =
  "(uint32 channels, uint32 plane, uint32 gradient, uint32 normalized, uint32 statistics, uint32 scale, uint32 scaleGradient, uint32 biasGradient, bool inputGradient, uint32 destination)";
const SCHEDULE =
  "(bool cosine, uint64 learningRate, uint64 gamma, uint32 everyEpochs, uint64 warmupSteps, uint64 totalSteps, uint64 minLearningRate)";
const WORD_ = "(uint8 tree, uint64 index, bytes32 value, bytes32[] siblings)";
const STEP_WITNESS = `(${VM_JOB_ABI} job, ${OPERATOR} operator, bytes32[] operatorProof, bytes32 checkpointRoot, bytes32 scratchRoot, uint64 acc, ${WORD_}[] words)`;
const BLOB_CHUNK = "(uint64 length, bytes32 root, uint64 index, bytes bytes_, bytes32[] proof)";

/** The TrainingVm contract's `VmJob`: what a job's program hash commits to. */
export type VmJob = {
  dataRoot: Hex; operatorsRoot: Hex; checkpointDepth: number; scratchDepth: number; dataDepth: number; operatorsDepth: number;
  operatorCount: number; seed: bigint; examples: number; width: number; channels: number; classes: number; parameters: number;
  gradients: number; batchSize: number; microBatches: number; optimizer: number;
  momentum: bigint; weightDecay: bigint; beta1: bigint; beta2: bigint; epsilon: bigint;
  initialRoot: Hex; checkpointInterval: number; totalSteps: bigint; rounds: boolean;
};

/** A job's checkpoint schedule (docs/training.md §8), part of its program: where a dispute's segment starts and ends. */
export type CheckpointSchedule = {
  /** The word-tree root of checkpoint 0: the model's parameters and zero optimizer state at step 0. */
  initialRoot: Hex;
  /** Steps between checkpoints. */
  checkpointInterval: number;
  /** The job's steps: its last checkpoint is at this step. */
  totalSteps: number;
  /**
   * A distributed job's slot: its checkpoints are its rounds' ends, where the optimizer state restarts from zero
   * (Adam's bias correction counts the steps since the last checkpoint). Absent for a job trained in one run.
   */
  rounds?: boolean;
};

/** An operator as the contract takes it: its kind code and its ABI-encoded fields. */
export type EncodedOperator = { kind: number; args: Hex };

const strided = (s: Strided | null) => s ?? { tree: TREE.scratch, offset: 0, outer: 0, inner: 0 };

/** An operator's encoding (docs/training-vm.md §4: the fields of each kind, in order). */
export function encodeOperator(operator: Operator): EncodedOperator {
  const kind = OPERATOR_KINDS.indexOf(operator.kind);
  const encode = (types: string, values: readonly unknown[]) => encodeAbiParameters(parseAbiParameters(types), values as never);
  switch (operator.kind) {
    case "gather":
      return { kind, args: encode("uint32, uint32", [operator.microBatch, operator.destination]) };
    case "matMul": {
      const { m, n, k, a, b, destination, bias, biasPerRow } = operator;
      return { kind, args: encode(MAT_MUL, [{ m, n, k, hasA: a !== null, a: strided(a), b, destination, hasBias: bias !== null, bias: bias ?? 0, biasPerRow }]) };
    }
    case "relu":
    case "sigmoid":
    case "tanh":
    case "negate":
      return { kind, args: encode("uint32, uint32, uint32", [operator.size, operator.source, operator.destination]) };
    case "add":
    case "sub":
    case "mul":
      return { kind, args: encode("uint32, uint32, uint32, uint32", [operator.size, operator.first, operator.second, operator.destination]) };
    case "reluMask":
    case "sigmoidBackward":
    case "tanhBackward":
      return { kind, args: encode("uint32, uint32, uint32", [operator.size, operator.gradient, operator.activation]) };
    case "softmax":
      return { kind, args: encode("uint32, uint32, uint32", [operator.microBatch, operator.logits, operator.gradient]) };
    case "logSoftmax":
      return { kind, args: encode("uint32, uint32", [operator.source, operator.destination]) };
    case "logSoftmaxBackward":
      return { kind, args: encode("uint32, uint32", [operator.gradient, operator.activation]) };
    case "power": {
      const values = [float64Bits(operator.base), operator.exponent === "steps", operator.store === "learningRate", float64Bits(operator.scale), operator.destination];
      return { kind, args: encode("uint64, bool, bool, uint64, uint32", values) };
    }
    case "optimizer": {
      // An unclipped optimizer without statistics has no fields, as before clipping existed, so that its programs keep
      // their hashes; with statistics, whether it clips and the statistics.
      if (operator.statistics.length === 0) return { kind, args: operator.clipped ? encode("bool", [true]) : "0x" };
      return { kind, args: encode(`bool, ${STATISTIC}[]`, [operator.clipped, statisticFields(operator.statistics)]) };
    }
    case "batchNorm":
      return { kind, args: encode(BATCH_NORM, [{ ...operator, epsilon: float64Bits(operator.epsilon) }]) };
    case "batchNormBackward":
      return { kind, args: encode(BATCH_NORM_BACKWARD, [{ ...operator, inputGradient: operator.destination >= 0, destination: Math.max(0, operator.destination) }]) };
    case "end":
    case "load":
      return { kind, args: "0x" };
    // Without running statistics, the fields they had before BatchNorm could be clipped, so that programs keep their
    // hashes; with them, the statistics after a first word (reduce's 0).
    case "reduce":
      return { kind, args: operator.statistics.length === 0 ? "0x" : encode(`uint64, ${STATISTIC}[]`, [0n, statisticFields(operator.statistics)]) };
    case "clipFactor":
      return { kind, args: operator.statistics.length === 0 ? encode("uint64", [float64Bits(operator.maxNorm)]) : encode(`uint64, ${STATISTIC}[]`, [float64Bits(operator.maxNorm), statisticFields(operator.statistics)]) };
    case "schedule": {
      // The other type's fields are 0.
      const s = { gamma: 0, everyEpochs: 0, warmupSteps: 0, totalSteps: 0, minLearningRate: 0, ...operator.schedule };
      const fields = {
        cosine: s.type === "cosine", learningRate: float64Bits(operator.learningRate), gamma: float64Bits(s.gamma), everyEpochs: s.everyEpochs,
        warmupSteps: BigInt(s.warmupSteps), totalSteps: BigInt(s.totalSteps), minLearningRate: float64Bits(s.minLearningRate),
      };
      return { kind, args: encode(SCHEDULE, [fields]) };
    }
    case "im2col":
    case "col2im":
    case "maxPool":
    case "maxPoolBackward":
    case "averagePool":
    case "averagePoolBackward": {
      const { kernel: [kernelH, kernelW], stride: [strideH, strideW], pads: [padTop, padLeft], out: [outH, outW], ...window } = operator.window;
      const outputGradient = Math.max(0, window.outputGradient);
      return { kind, args: encode(WINDOW, [{ ...window, kernelH, kernelW, strideH, strideW, padTop, padLeft, outH, outW, outputGradient }]) };
    }
    case "flatten": {
      const { channels, plane, backward, source, destination } = operator;
      return { kind, args: encode(FLATTEN, [{ channels, plane, backward, source, destination }]) };
    }
    case "dropout": {
      // (size, source, destination) first, as an activation's.
      const { size, source, destination, plane, microBatch, drawsPerExample, drawOffset, threshold, keep } = operator;
      return { kind, args: encode(DROPOUT, [size, source, destination, plane, microBatch, drawsPerExample, drawOffset, BigInt(threshold), float64Bits(keep)]) };
    }
  }
}

const operatorLeaf = (operator: EncodedOperator) => keccak256(encodeAbiParameters(parseAbiParameters(OPERATOR), [operator]));

/**
 * A job's program as the chain sees it: the `VmJob` (its data root, its operators' Merkle root, its trees'
 * depths, its hyper-parameters, its checkpoint schedule), whose keccak256 is the program hash a game runs, and the
 * proofs of its operators.
 *
 * @example
 * const vmProgram = new VmProgram(program, vm.dataRoot(), { initialRoot, checkpointInterval: 100, totalSteps: 6013 });
 * vmProgram.hash; vmProgram.stepWitness(vm.proveInstruction());
 */
export class VmProgram {
  readonly job: VmJob;
  readonly hash: Hex;
  readonly operators: EncodedOperator[];
  private readonly tree: WordTree;

  constructor(program: StepProgram, dataRoot: Hex, { initialRoot, checkpointInterval, totalSteps, rounds = false }: CheckpointSchedule) {
    const { context, depths } = program;
    this.operators = program.operators.map(encodeOperator);
    const leaves = new Uint8Array(32 * this.operators.length);
    this.operators.forEach((operator, i) => leaves.set(hexToBytes(operatorLeaf(operator)), 32 * i));
    this.tree = new WordTree(leaves, treeDepth(leaves.length));
    const optimizer = context.config.optimizer;
    const bits = (value: number | undefined) => float64Bits(value ?? 0);
    this.job = {
      dataRoot, operatorsRoot: this.tree.root, checkpointDepth: depths.checkpoint, scratchDepth: depths.scratch, dataDepth: depths.data,
      operatorsDepth: this.tree.depth, operatorCount: this.operators.length, seed: context.config.seed, examples: context.examples,
      width: context.width, channels: context.channels, classes: context.classes, parameters: context.parameters, gradients: context.gradients,
      batchSize: context.config.batchSize, microBatches: context.config.microBatches, optimizer: OPTIMIZER_ID[optimizer.type],
      momentum: bits(optimizer.type === "sgd" ? optimizer.momentum : 0), weightDecay: bits(optimizer.weightDecay),
      beta1: bits(optimizer.type === "sgd" ? 0 : optimizer.beta1), beta2: bits(optimizer.type === "sgd" ? 0 : optimizer.beta2),
      epsilon: bits(optimizer.type === "sgd" ? 0 : optimizer.epsilon),
      initialRoot, checkpointInterval, totalSteps: BigInt(totalSteps), rounds,
    };
    this.hash = keccak256(encodeAbiParameters(parseAbiParameters(VM_JOB_ABI), [this.job]));
  }

  /** The witness of `segment`: the program's preimage, `abi.encode(VmJob)` (the same as {@link unitWitness} at level 1). */
  segmentWitness(): Hex {
    return this.unitWitness(1);
  }

  /** The witness of `unitCount` at level 1 (the job) or 2 (the job, operator `operator` and its proof). */
  unitWitness(level: 1 | 2, operator = 0): Hex {
    if (level === 1) return encodeAbiParameters(parseAbiParameters(VM_JOB_ABI), [this.job]);
    return encodeAbiParameters(parseAbiParameters(`${VM_JOB_ABI}, ${OPERATOR}, bytes32[]`), [this.job, this.operators[operator]!, this.tree.proof(operator).siblings]);
  }

  /** The witness of `step` for the instruction `proof` opens; for `load`'s read of a global model, with its chunk. */
  stepWitness(proof: InstructionProof): Hex {
    const words = proof.words.map(({ tree, index, word, siblings }) => ({ tree, index: BigInt(index), value: word, siblings }));
    const witness = {
      job: this.job, operator: this.operators[proof.position.operator]!, operatorProof: this.tree.proof(proof.position.operator).siblings,
      checkpointRoot: proof.checkpointRoot, scratchRoot: proof.scratchRoot, acc: proof.acc, words,
    };
    if (proof.chunk === undefined) return encodeAbiParameters(parseAbiParameters(STEP_WITNESS), [witness]);
    const { length, root, index, bytes, proof: siblings } = proof.chunk;
    const chunk = { length: BigInt(length), root, index: BigInt(index), bytes_: bytesToHex(bytes), proof: siblings };
    return encodeAbiParameters(parseAbiParameters(`${STEP_WITNESS}, ${BLOB_CHUNK}`), [witness, chunk]);
  }
}

