import { mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { writeFileAtomic } from "../runtime/writeFileAtomic.ts";

/**
 * Where a keeper is in the chain's events, kept on disk so a restart neither repeats nor skips
 * one: the next block to read and, within it, the first log index not handled yet.
 */
export type BlockCursor = {
  /** The next block to read. */
  next(): bigint;
  /** Events of block `next()` below this log index are handled already. */
  nextLogIndex(): number;
  /** Moves past every event before block `to`. */
  advance(to: bigint): void;
  /** Moves past one handled event (and every event before it). */
  handled(event: { blockNumber: bigint; logIndex: number }): void;
};

/**
 * A block cursor persisted in `file` as `{ nextBlock, nextLogIndex }` (written atomically; a file
 * without `nextLogIndex` starts at the block's first event).
 *
 * @example
 * const cursor = openBlockCursor(join(dataDir, "storage.cursor.json"));
 * const from = cursor.next(); // … handle each event, cursor.handled(event) …; cursor.advance(to + 1n);
 */
export function openBlockCursor(file: string, start = 0n): BlockCursor {
  let next = start;
  let nextLogIndex = 0;
  try {
    const stored = JSON.parse(readFileSync(file, "utf8"));
    next = BigInt(stored.nextBlock);
    nextLogIndex = Number(stored.nextLogIndex ?? 0);
  } catch {
    mkdirSync(dirname(file), { recursive: true });
  }
  const save = (block: bigint, logIndex: number) => {
    writeFileAtomic(file, JSON.stringify({ nextBlock: block.toString(), nextLogIndex: logIndex }));
    next = block;
    nextLogIndex = logIndex;
  };
  return {
    next: () => next,
    nextLogIndex: () => nextLogIndex,
    advance: (to) => save(to, 0),
    handled: ({ blockNumber, logIndex }) => save(blockNumber, logIndex + 1),
  };
}
