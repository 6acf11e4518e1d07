import { encodePacked, hexToBytes, keccak256, type Hex } from "viem";
import { CHUNK_BYTES, chunkedBlob, type ChunkedBlob } from "../content/chunkedBlob.ts";
import { dataCursor } from "../training/trainingState.ts";
import { executeInstruction, type Environment, type Registers, type VmMemory } from "./executeInstruction.ts";
import { randomAccessOrder } from "./randomAccessOrder.ts";
import { GLOBAL_DIGEST_SLOT, GLOBAL_MODEL_VALUES, TREE, type MemoryTree, type Operator, type StepProgram } from "./stepProgram.ts";
import { WordTree, WORD, type WordProof } from "./wordTree.ts";

/** A position in a step: before instruction `instruction` of operator `operator` ([operators.length, 0] is the step's end). */
export type VmPosition = { operator: number; instruction: number };

/** The words one instruction opens, each with its proof against the state before it. */
export type InstructionProof = {
  position: VmPosition;
  checkpointRoot: Hex;
  scratchRoot: Hex;
  /** The accumulator's binary64 bits. */
  acc: bigint;
  /** Every word read or written, once each, in first-use order. */
  words: (WordProof & { tree: number })[];
  /** `load`'s read of the round's global model: the blob's chunk that holds it, with its proof against the blob's header. */
  chunk?: BlobChunk;
};

/** A chunk of a chunked blob as the chain checks it (IAggregateReferee's `BlobChunk`). */
export type BlobChunk = { length: number; root: Hex; index: number; bytes: Uint8Array; proof: Hex[] };

/** Canonical quiet NaNs (docs/soft-float.md): V8 leaves a NaN's payload and sign unspecified, so the VM never stores one. */
const CANONICAL_NAN_64 = 0x7ff8000000000000n;
const CANONICAL_NAN_32 = 0x7fc00000;

/** The binary64 bits of a number, every NaN as the canonical quiet NaN. */
export function float64Bits(value: number): bigint {
  if (Number.isNaN(value)) return CANONICAL_NAN_64;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return view.getBigUint64(0);
}

/**
 * The state commitment (docs/training-vm.md §2): keccak256(checkpointRoot ‖ scratchRoot ‖ acc as uint64).
 * At a step boundary the scratch is empty and acc is 0, so the commitment depends on the checkpoint alone.
 */
export function stateCommitment(checkpointRoot: Hex, scratchRoot: Hex, acc: bigint): Hex {
  return keccak256(encodePacked(["bytes32", "bytes32", "uint64"], [checkpointRoot, scratchRoot, acc]));
}

/** The byte offset of a global model's parameter `index` in its blob, or undefined past the blob's end. */
function globalOffset(globalModel: Uint8Array | undefined, index: number): number | undefined {
  if (globalModel === undefined) throw new RangeError("a distributed slot's round start needs the round's global model");
  const offset = GLOBAL_MODEL_VALUES + 4 * index;
  return offset + 4 <= globalModel.length ? offset : undefined;
}

class Buffers implements VmMemory {
  readonly checkpoint: Uint8Array;
  readonly scratch: Uint8Array;
  readonly data: Uint8Array;
  readonly globalModel: Uint8Array | undefined;
  readonly views: DataView[];
  /** The words of each memory tree written since its tree was last brought up to date. */
  readonly dirty: [Set<number>, Set<number>] = [new Set(), new Set()];
  constructor(checkpoint: Uint8Array, scratch: Uint8Array, data: Uint8Array, globalModel: Uint8Array | undefined) {
    this.checkpoint = checkpoint;
    this.scratch = scratch;
    this.data = data;
    this.globalModel = globalModel;
    this.views = [checkpoint, scratch].map((bytes) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  globalParameter(index: number) {
    const offset = globalOffset(this.globalModel, index);
    if (offset === undefined) return 0;
    return new DataView(this.globalModel!.buffer, this.globalModel!.byteOffset).getFloat32(offset, true);
  }
  f32(tree: MemoryTree, slot: number) {
    return this.views[tree]!.getFloat32(4 * slot, true);
  }
  f64(tree: MemoryTree, slot: number) {
    return this.views[tree]!.getFloat64(4 * slot, true);
  }
  dataByte(offset: number) {
    return this.data[offset]!;
  }
  setF32(tree: MemoryTree, slot: number, value: number) {
    if (Number.isNaN(value)) this.views[tree]!.setUint32(4 * slot, CANONICAL_NAN_32, true);
    else this.views[tree]!.setFloat32(4 * slot, value, true);
    this.dirty[tree].add(slot >> 3);
  }
  setF64(tree: MemoryTree, slot: number, value: number) {
    this.views[tree]!.setBigUint64(4 * slot, float64Bits(value), true);
    this.dirty[tree].add(slot >> 3);
  }
}

/** Records which words an instruction touches (tree, word index), in first-use order, while executing it. */
class Recorder implements VmMemory {
  readonly touched: { tree: number; index: number }[] = [];
  /** The global model's chunk read, if any. */
  chunk: number | undefined;
  private readonly memory: Buffers;
  constructor(memory: Buffers) {
    this.memory = memory;
  }
  private touch(tree: number, byteOffset: number) {
    const index = Math.floor(byteOffset / WORD);
    if (!this.touched.some((t) => t.tree === tree && t.index === index)) this.touched.push({ tree, index });
  }
  f32(tree: MemoryTree, slot: number) {
    this.touch(tree, 4 * slot);
    return this.memory.f32(tree, slot);
  }
  f64(tree: MemoryTree, slot: number) {
    this.touch(tree, 4 * slot);
    return this.memory.f64(tree, slot);
  }
  dataByte(offset: number) {
    this.touch(TREE.data, offset);
    return this.memory.dataByte(offset);
  }
  globalParameter(index: number) {
    // The chunk that holds the parameter; past the blob's end, its last (which proves its length).
    const offset = globalOffset(this.memory.globalModel, index) ?? this.memory.globalModel!.length - 1;
    this.chunk = Math.floor(offset / CHUNK_BYTES);
    return this.memory.globalParameter(index);
  }
  setF32(tree: MemoryTree, slot: number, value: number) {
    this.touch(tree, 4 * slot);
    this.memory.setF32(tree, slot, value);
  }
  setF64(tree: MemoryTree, slot: number, value: number) {
    this.touch(tree, 4 * slot);
    this.memory.setF64(tree, slot, value);
  }
}

/** The state at a committed position, kept to go back to: memory copies, the accumulator and both word trees. */
type Snapshot = { here: VmPosition; checkpoint: Uint8Array; scratch: Uint8Array; acc: number; trees: [WordTree, WordTree] };

/**
 * How many committed states the VM keeps. A bisection only ever goes back to the last position it agreed on, and
 * that is always the latest or the one before it ({@link TrainingVm.runTo}); each costs a scratch's bytes.
 */
const SNAPSHOTS = 2;

/**
 * The training VM running one step (docs/training-vm.md): the checkpoint, the scratch and the
 * accumulator at any position of the step, their commitment, and the proof of the instruction a
 * dispute ends on. It runs forwards; {@link TrainingVm.runTo} goes back to the latest state it committed at or
 * before an earlier position, or starts over.
 *
 * @example
 * const vm = new TrainingVm({ program, checkpoint, data });
 * vm.runTo({ operator: 3, instruction: 1000 });
 * vm.commitment();
 */
export class TrainingVm {
  readonly program: StepProgram;
  private readonly start: Uint8Array;
  private readonly data: Uint8Array;
  /** A distributed slot's round: its global model's blob, whose digest the round's first step starts with. */
  private readonly globalModel: ChunkedBlob | undefined;
  private readonly globalBytes: Uint8Array | undefined;
  private readonly environment: Environment;
  private dataTree: WordTree | undefined;
  /** The checkpoint's and the scratch's trees, kept up to date with the words written since (see {@link Buffers.dirty}). */
  private memoryTrees: [WordTree | undefined, WordTree | undefined] = [undefined, undefined];
  private memory!: Buffers;
  private registers!: Registers;
  private here!: VmPosition;
  private readonly fault: VmPosition | undefined;
  /** The states of the last {@link SNAPSHOTS} commitments, by position. */
  private snapshots: Snapshot[] = [];

  /**
   * `fault`: the position of a dishonest run's one wrong instruction (see `VmTrace`); none for the true run.
   * `globalModel`: a distributed slot's round's global-model blob, which the round's first step `load`s (its digest
   * in the scratch's first word, its parameters into a checkpoint whose parameters are +0: docs/training-vm.md §4).
   */
  constructor({ program, checkpoint, data, fault, globalModel }: { program: StepProgram; checkpoint: Uint8Array; data: Uint8Array; fault?: VmPosition; globalModel?: Uint8Array }) {
    this.program = program;
    this.fault = fault;
    this.start = checkpoint;
    this.data = data;
    this.globalBytes = globalModel;
    this.globalModel = globalModel === undefined ? undefined : chunkedBlob(globalModel);
    const { config, epoch, examples } = program.context;
    this.environment = { context: program.context, order: memoize(randomAccessOrder({ seed: config.seed, epoch, size: examples })) };
    this.reset();
  }

  /** The VM's memory at the step's start: a round's first step holds the global model's digest in the scratch. */
  private reset() {
    const scratch = new Uint8Array(4 * this.program.scratchSlots);
    const { context } = this.program;
    if (context.rounds && context.step === context.optimizerStart) {
      if (this.globalModel === undefined) throw new RangeError(`step ${context.step} starts a round: the VM needs the round's global model`);
      scratch.set(hexToBytes(this.globalModel.digest), 4 * GLOBAL_DIGEST_SLOT);
    }
    this.memory = new Buffers(Uint8Array.from(this.start), scratch, this.data, this.globalBytes);
    this.registers = { acc: 0 };
    this.here = { operator: 0, instruction: 0 };
    this.memoryTrees = [undefined, undefined];
  }

  /** Back to a kept state (copied again: the run changes what it restores). */
  private restore({ here, checkpoint, scratch, acc, trees }: Snapshot) {
    this.memory = new Buffers(checkpoint.slice(), scratch.slice(), this.data, this.globalBytes);
    this.registers = { acc };
    this.here = { ...here };
    this.memoryTrees = [trees[0].clone(), trees[1].clone()];
  }

  get position(): VmPosition {
    return { ...this.here };
  }

  /** The checkpoint bytes at the current position (after the step's end: the next checkpoint). */
  get checkpoint(): Uint8Array {
    return this.memory.checkpoint;
  }

  /**
   * Runs to `target`. A target behind is reached from the latest committed state at or before it, or from the
   * step's start. The committed states past `target` are dropped: a bisection that goes back from a position
   * disputes it, so it never returns past it, and the state it agreed on last stays among the kept ones.
   */
  runTo(target: VmPosition): this {
    const { operators } = this.program;
    this.snapshots = this.snapshots.filter((s) => compare(s.here, target) <= 0);
    const from = this.snapshots.at(-1);
    if (from !== undefined && (compare(target, this.here) < 0 || compare(from.here, this.here) > 0)) this.restore(from);
    else if (compare(target, this.here) < 0) this.reset();
    while (compare(this.here, target) < 0) {
      const operator = operators[this.here.operator]!;
      if (operator.kind === "end") {
        this.endStep();
        continue;
      }
      const count = this.program.counts[this.here.operator]!;
      const last = this.here.operator === target.operator ? target.instruction : count;
      for (let i = this.here.instruction; i < last; i++) {
        if (this.fault?.operator === this.here.operator && this.fault.instruction === i) this.executeWrongly(operator, i);
        else executeInstruction(operator, i, this.environment, this.memory, this.registers);
      }
      this.here = last === count ? { operator: this.here.operator + 1, instruction: 0 } : { operator: this.here.operator, instruction: last };
    }
    return this;
  }

  /** Runs the whole step; returns the next checkpoint's bytes. */
  runStep(): Uint8Array {
    return this.runTo({ operator: this.program.operators.length, instruction: 0 }).checkpoint;
  }

  /**
   * The commitment to the current state: both word trees brought up to date (built whole the first time: ~3 s for
   * a LeNet-5 step of batch 64). The state is kept, so that {@link TrainingVm.runTo} can come back to it.
   */
  commitment(): Hex {
    const [checkpoint, scratch] = this.trees();
    const last = this.snapshots.at(-1);
    if (last === undefined || compare(last.here, this.here) !== 0) {
      const { memory, registers, here } = this;
      this.snapshots.push({ here: { ...here }, checkpoint: memory.checkpoint.slice(), scratch: memory.scratch.slice(), acc: registers.acc, trees: [checkpoint.clone(), scratch.clone()] });
      if (this.snapshots.length > SNAPSHOTS) this.snapshots.shift();
    }
    return stateCommitment(checkpoint.root, scratch.root, float64Bits(this.registers.acc));
  }

  /** The proof of the instruction at the current position, which it then executes. */
  proveInstruction(): InstructionProof {
    const operator = this.program.operators[this.here.operator];
    if (operator === undefined) throw new RangeError("the step has ended: no instruction is left to prove");
    const trees = this.trees();
    const proof = {
      position: this.position,
      checkpointRoot: trees[TREE.checkpoint].root,
      scratchRoot: trees[TREE.scratch].root,
      acc: float64Bits(this.registers.acc),
    };
    if (operator.kind === "end") {
      this.endStep();
      return { ...proof, words: [{ tree: TREE.checkpoint, ...trees[TREE.checkpoint].proof(0) }] };
    }
    if (this.fault?.operator === this.here.operator && this.fault.instruction === this.here.instruction) {
      throw new RangeError("a dishonest run cannot prove its wrong instruction: the chain executes the true one");
    }
    const recorder = new Recorder(this.memory);
    executeInstruction(operator, this.here.instruction, this.environment, recorder, this.registers);
    this.here = this.here.instruction + 1 === this.program.counts[this.here.operator] ? { operator: this.here.operator + 1, instruction: 0 } : { operator: this.here.operator, instruction: this.here.instruction + 1 };
    const words = recorder.touched.map(({ tree, index }) => ({ tree, ...trees[tree as 0 | 1 | 2].proof(index) }));
    const blob = this.globalModel;
    if (recorder.chunk === undefined || blob === undefined) return { ...proof, words };
    const index = recorder.chunk;
    return { ...proof, words, chunk: { length: blob.length, root: blob.root, index, bytes: blob.chunk(index), proof: blob.proof(index) } };
  }

  /** The data tree's root: what the job commits to (docs/training-vm.md §3). */
  dataRoot(): Hex {
    return this.trees()[TREE.data].root;
  }

  /** The three trees of the current state: built once, then rehashed along the paths of the words written since. */
  private trees(): [WordTree, WordTree, WordTree] {
    const { depths } = this.program;
    this.dataTree ??= new WordTree(this.data, depths.data);
    const [checkpoint, scratch] = ([TREE.checkpoint, TREE.scratch] as const).map((tree) => {
      const bytes = tree === TREE.checkpoint ? this.memory.checkpoint : this.memory.scratch;
      const known = this.memoryTrees[tree];
      if (known === undefined) this.memoryTrees[tree] = new WordTree(bytes, tree === TREE.checkpoint ? depths.checkpoint : depths.scratch);
      else known.update(bytes, this.memory.dirty[tree]);
      this.memory.dirty[tree].clear();
      return this.memoryTrees[tree]!;
    });
    return [checkpoint!, scratch!, this.dataTree];
  }

  /** The fault of a dishonest run: the instruction, then its stored value (or else the accumulator) plus 1. */
  private executeWrongly(operator: Operator, i: number) {
    let stored: { tree: MemoryTree; slot: number; wide: boolean } | undefined;
    const memory = this.memory;
    const spy: VmMemory = {
      f32: (tree, slot) => memory.f32(tree, slot),
      f64: (tree, slot) => memory.f64(tree, slot),
      dataByte: (offset) => memory.dataByte(offset),
      globalParameter: (index) => memory.globalParameter(index),
      setF32: (tree, slot, value) => ((stored = { tree, slot, wide: false }), memory.setF32(tree, slot, value)),
      setF64: (tree, slot, value) => ((stored = { tree, slot, wide: true }), memory.setF64(tree, slot, value)),
    };
    executeInstruction(operator, i, this.environment, spy, this.registers);
    if (stored === undefined) this.registers.acc += 1;
    else if (stored.wide) memory.setF64(stored.tree, stored.slot, memory.f64(stored.tree, stored.slot) + 1);
    else memory.setF32(stored.tree, stored.slot, memory.f32(stored.tree, stored.slot) + 1);
  }

  /** The end of the step: the header's step, epoch and batch advance; the scratch and the accumulator clear. */
  private endStep() {
    const { step, stepsPerEpoch } = this.program.context;
    const next = dataCursor(step + 1, stepsPerEpoch);
    const header = new DataView(this.memory.checkpoint.buffer, this.memory.checkpoint.byteOffset);
    header.setBigUint64(8, BigInt(step + 1), true);
    header.setUint32(16, next.epoch, true);
    header.setUint32(20, next.batch, true);
    this.memory.scratch.fill(0);
    this.memoryTrees[TREE.scratch] = new WordTree(new Uint8Array(0), this.program.depths.scratch);
    this.memory.dirty[TREE.scratch].clear();
    this.memory.dirty[TREE.checkpoint].add(0);
    this.registers.acc = 0;
    this.here = { operator: this.here.operator + 1, instruction: 0 };
  }
}

function compare(a: VmPosition, b: VmPosition): number {
  return a.operator - b.operator || a.instruction - b.instruction;
}

function memoize(order: (position: number) => number): (position: number) => number {
  const known = new Map<number, number>();
  return (position) => {
    let example = known.get(position);
    if (example === undefined) known.set(position, (example = order(position)));
    return example;
  };
}

/** The training VM's data memory of a split: its pixels (example-major), then its labels. */
export function vmData(set: { pixels: Uint8Array; labels: Uint8Array; count: number }): Uint8Array {
  const bytes = new Uint8Array(set.pixels.length + set.count);
  bytes.set(set.pixels);
  bytes.set(set.labels.subarray(0, set.count), set.pixels.length);
  return bytes;
}
