import { renameSync, writeFileSync } from "node:fs";

/**
 * Writes `file` through a temporary file and a rename, so a crash leaves either the old content
 * or the new one, never half of it: how keepers keep cursors, task lists and checkpoints.
 *
 * @example
 * writeFileAtomic(join(dataDir, "compute.cursor.json"), JSON.stringify({ nextBlock: "42" }));
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  writeFileSync(`${file}.tmp`, data);
  renameSync(`${file}.tmp`, file);
}
