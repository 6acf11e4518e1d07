import { keccak256, type Hex } from "viem";
import { VeritrainError } from "../errors.ts";
import { treeDepth, wordTreeRoot } from "../trainingVm/wordTree.ts";
import type { EngineVersion } from "./jobSpec.ts";
import type { PreparedJob } from "./preparedJob.ts";
import { dataCursor, type TrainingState } from "./trainingState.ts";

/** "VTCK" read as a little-endian uint32. */
const MAGIC = 0x4b435456;
const LAYOUT_VERSION = 1;
const HEADER_BYTES = 36;
/** The binary32 bits engine version 2 writes for every NaN: the canonical quiet NaN, as the on-chain soft-float returns it. */
const CANONICAL_NAN_BITS = 0x7fc00000;

/** Optimizer ids in the checkpoint header. */
export const OPTIMIZER_ID = { sgd: 0, adam: 1, adamw: 2 } as const;

/** Parameters of {@link encodeCheckpoint}. */
export type EncodeCheckpointParameters = {
  state: TrainingState;
  optimizer: keyof typeof OPTIMIZER_ID;
  stepsPerEpoch: number;
  /** Version 2 writes every NaN as {@link CANONICAL_NAN_BITS}; version 1 keeps its bits. */
  engineVersion: EngineVersion;
};

/**
 * The canonical byte layout of a checkpoint, which is both the file saved to disk and the
 * preimage of the checkpoint hash. All integers little-endian:
 *
 * | offset | size | field                                          |
 * |--------|------|------------------------------------------------|
 * | 0      | 4    | magic "VTCK"                                   |
 * | 4      | 4    | layout version (uint32) = 1                    |
 * | 8      | 8    | step (uint64)                                  |
 * | 16     | 4    | epoch = ⌊step / stepsPerEpoch⌋ (uint32)        |
 * | 20     | 4    | batch = step mod stepsPerEpoch (uint32)        |
 * | 24     | 4    | optimizer id: 0 SGD, 1 Adam, 2 AdamW (uint32)  |
 * | 28     | 4    | parameter count P (uint32)                     |
 * | 32     | 4    | optimizer state vectors V (uint32)             |
 * | 36     | 4·P  | parameters, binary32, canonical order          |
 * | 36+4P  | 4·V·P| state vectors in order (SGD: v; Adam: m, v)    |
 *
 * Engine version 2 writes every NaN as the canonical quiet NaN 0x7FC00000; version 1 keeps a value's bits.
 *
 * @example
 * const bytes = encodeCheckpoint({ state, optimizer: "adam", stepsPerEpoch: 859, engineVersion: "veritrain-train/2" });
 */
export function encodeCheckpoint({ state, optimizer, stepsPerEpoch, engineVersion }: EncodeCheckpointParameters): Uint8Array {
  const size = state.params.length;
  const vectors = state.optimizerState.length;
  const bytes = new Uint8Array(HEADER_BYTES + 4 * size * (1 + vectors));
  const view = new DataView(bytes.buffer);
  const { epoch, batch } = dataCursor(state.step, stepsPerEpoch);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, LAYOUT_VERSION, true);
  view.setBigUint64(8, BigInt(state.step), true);
  view.setUint32(16, epoch, true);
  view.setUint32(20, batch, true);
  view.setUint32(24, OPTIMIZER_ID[optimizer], true);
  view.setUint32(28, size, true);
  view.setUint32(32, vectors, true);
  const canonicalNaN = engineVersion === "veritrain-train/2";
  let offset = HEADER_BYTES;
  for (const vector of [state.params, ...state.optimizerState]) {
    for (let i = 0; i < size; i++, offset += 4) {
      const value = vector[i]!;
      if (canonicalNaN && Number.isNaN(value)) view.setUint32(offset, CANONICAL_NAN_BITS, true);
      else view.setFloat32(offset, value, true);
    }
  }
  return bytes;
}

/** A decoded checkpoint: the state and the header fields that are not part of it. */
export type DecodedCheckpoint = {
  state: TrainingState;
  optimizer: keyof typeof OPTIMIZER_ID;
  epoch: number;
  batch: number;
};

/**
 * The length of the checkpoint whose header `bytes` start with, from its parameter count and state vectors: how a
 * checkpoint read back from zero-padded words (its word tree's leaves) is cut to size.
 *
 * @throws VeritrainError `CHECKPOINT_INVALID` if `bytes` are shorter than the header.
 */
export function checkpointLength(bytes: Uint8Array): number {
  if (bytes.length < HEADER_BYTES) throw new VeritrainError("invalid checkpoint: shorter than the 36-byte header", { code: "CHECKPOINT_INVALID", details: { rule: "header" } });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return HEADER_BYTES + 4 * view.getUint32(28, true) * (1 + view.getUint32(32, true));
}

/**
 * Parses {@link encodeCheckpoint}'s layout.
 *
 * @throws VeritrainError `CHECKPOINT_INVALID` on a wrong magic, version or length.
 */
export function decodeCheckpoint(bytes: Uint8Array): DecodedCheckpoint {
  const fail = (rule: string) => new VeritrainError(`invalid checkpoint: ${rule}`, { code: "CHECKPOINT_INVALID", details: { rule } });
  if (bytes.length < HEADER_BYTES) throw fail("shorter than the 36-byte header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw fail("magic is not VTCK");
  if (view.getUint32(4, true) !== LAYOUT_VERSION) throw fail(`layout version must be ${LAYOUT_VERSION}`);
  const optimizerId = view.getUint32(24, true);
  const optimizer = (Object.keys(OPTIMIZER_ID) as (keyof typeof OPTIMIZER_ID)[]).find((name) => OPTIMIZER_ID[name] === optimizerId);
  if (optimizer === undefined) throw fail(`unknown optimizer id ${optimizerId}`);
  const size = view.getUint32(28, true);
  const vectors = view.getUint32(32, true);
  if (bytes.length !== HEADER_BYTES + 4 * size * (1 + vectors)) throw fail("length does not match parameter count");
  const read = (index: number) => {
    const vector = new Float32Array(size);
    const base = HEADER_BYTES + 4 * size * index;
    for (let i = 0; i < size; i++) vector[i] = view.getFloat32(base + 4 * i, true);
    return vector;
  };
  return {
    state: {
      step: Number(view.getBigUint64(8, true)),
      params: read(0),
      optimizerState: Array.from({ length: vectors }, (_, v) => read(v + 1)),
    },
    optimizer,
    epoch: view.getUint32(16, true),
    batch: view.getUint32(20, true),
  };
}

/** Parameters of {@link checkpointHash}. */
export type CheckpointHashParameters = {
  /** The canonical checkpoint bytes ({@link encodeCheckpoint}). */
  bytes: Uint8Array;
  engineVersion: EngineVersion;
};

/**
 * The checkpoint hash (docs/training.md §8). Engine version 1: keccak256 of the canonical bytes. Version 2:
 * the root of their word tree (32-byte words, zero-padded, the smallest depth ≥ 1 that holds them), which is
 * the training VM's checkpoint root, so the trace commits what the dispute game's level 0 compares.
 *
 * @example
 * checkpointHash({ bytes: encodeCheckpoint({ state, optimizer: "sgd", stepsPerEpoch: 859, engineVersion }), engineVersion }); // "0x…"
 */
export function checkpointHash({ bytes, engineVersion }: CheckpointHashParameters): Hex {
  if (engineVersion === "veritrain-train/2") return wordTreeRoot(bytes, treeDepth(bytes.length));
  return keccak256(bytes);
}

/** A checkpoint as produced by a run. */
export type CheckpointRecord = { index: number; step: number; bytes: Uint8Array; hash: Hex };

/** Encodes and hashes a state as checkpoint `index`, as the job's engine version does. */
export function makeCheckpoint(job: PreparedJob, index: number, state: TrainingState): CheckpointRecord {
  const { engineVersion, optimizer } = job.config;
  const bytes = encodeCheckpoint({ state, optimizer: optimizer.type, stepsPerEpoch: job.stepsPerEpoch, engineVersion });
  return { index, step: state.step, bytes, hash: checkpointHash({ bytes, engineVersion }) };
}
