import { renameSync, rmSync, writeFileSync } from "node:fs";

/**
 * Writes `file` through a temporary file and a rename, so a crash leaves either the old content
 * or the new one, never half of it: how keepers keep cursors, task lists and checkpoints.
 *
 * @param mode the new file's permission bits (default 0o666 less the umask), e.g. 0o600 for a secret.
 * @example
 * writeFileAtomic(join(dataDir, "compute.cursor.json"), JSON.stringify({ nextBlock: "42" }));
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, mode?: number): void {
  // A temporary file a crash left keeps its mode when written over: start from none.
  rmSync(`${file}.tmp`, { force: true });
  writeFileSync(`${file}.tmp`, data, { mode });
  renameSync(`${file}.tmp`, file);
}
