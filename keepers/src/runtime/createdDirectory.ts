import { existsSync, rmSync } from "node:fs";
import { dirname, resolve } from "node:path";

/** What {@link trackCreatedDirectory} returns. */
export type CreatedDirectory = {
  /** Removes what this command created of the path (nothing if the path existed before). */
  discard(): void;
};

/**
 * Notes which part of `path` does not exist yet, so a command that fails before its effect
 * (a registration, a posting) can remove the directories it created on its way and leave the
 * disk as it found it.
 *
 * @example
 * const created = trackCreatedDirectory(join(dataDir, "ipfs"));
 * runtime.defer(() => { if (!posted) created.discard(); });
 */
export function trackCreatedDirectory(path: string): CreatedDirectory {
  let missing: string | undefined;
  for (let p = resolve(path); !existsSync(p); p = dirname(p)) missing = p;
  return {
    discard() {
      if (missing !== undefined) rmSync(missing, { recursive: true, force: true });
    },
  };
}
