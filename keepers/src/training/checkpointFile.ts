import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CheckpointRecord } from "./checkpoint.ts";

/** Parameters of {@link writeCheckpointFile}. */
export type WriteCheckpointFileParameters = { directory: string; checkpoint: CheckpointRecord };

/**
 * Saves a checkpoint's canonical bytes as `<directory>/checkpoint-<index>.bin` (the preimage of
 * the checkpoint hash) and returns the path.
 *
 * @example
 * await trainJob({ job, threads: 2, onCheckpoint: (checkpoint) => void writeCheckpointFile({ directory, checkpoint }) });
 */
export function writeCheckpointFile({ directory, checkpoint }: WriteCheckpointFileParameters): string {
  mkdirSync(directory, { recursive: true });
  const path = checkpointFilePath(directory, checkpoint.index);
  writeFileSync(path, checkpoint.bytes);
  return path;
}

/** Path of checkpoint `index` in a checkpoint directory. */
export function checkpointFilePath(directory: string, index: number): string {
  return join(directory, `checkpoint-${index}.bin`);
}

/** Reads a checkpoint file's bytes (decode with `decodeCheckpoint`, re-run with `reexecuteSegment`). */
export function readCheckpointFile(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}
