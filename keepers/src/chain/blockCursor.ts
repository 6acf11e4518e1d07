import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** The next block a keeper has to look at, kept on disk so a restart neither repeats nor skips one. */
export type BlockCursor = { next(): bigint; advance(to: bigint): void };

/**
 * A block cursor persisted in `file` (written atomically: temporary file, then rename).
 *
 * @example
 * const cursor = openBlockCursor(join(dataDir, "storage.cursor.json"));
 * const from = cursor.next(); // … handle blocks from..to …; cursor.advance(to + 1n);
 */
export function openBlockCursor(file: string, start = 0n): BlockCursor {
  let next = start;
  try {
    next = BigInt(JSON.parse(readFileSync(file, "utf8")).nextBlock);
  } catch {
    mkdirSync(dirname(file), { recursive: true });
  }
  return {
    next: () => next,
    advance(to: bigint) {
      writeFileSync(`${file}.tmp`, JSON.stringify({ nextBlock: to.toString() }));
      renameSync(`${file}.tmp`, file);
      next = to;
    },
  };
}
