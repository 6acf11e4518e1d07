import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openBlockCursor } from "../../../keepers/src/chain/blockCursor.ts";

describe("openBlockCursor", () => {
  it("starts at the given block and survives a reopen at the block it reached", async () => {
    const directory = await mkdtemp(join(tmpdir(), "veritrain-cursor-"));
    try {
      const file = join(directory, "nested", "role.cursor.json");
      const first = openBlockCursor(file, 5n);
      assert.equal(first.next(), 5n);
      first.advance(42n);
      assert.equal(first.next(), 42n);
      assert.equal(openBlockCursor(file, 5n).next(), 42n);
      assert.ok(!existsSync(`${file}.tmp`), "no temporary file left behind");
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("remembers the last handled event within a block, and a range advance clears it", async () => {
    const directory = await mkdtemp(join(tmpdir(), "veritrain-cursor-"));
    try {
      const file = join(directory, "role.cursor.json");
      const cursor = openBlockCursor(file);
      cursor.handled({ blockNumber: 7n, logIndex: 2 });
      const reopened = openBlockCursor(file);
      assert.deepEqual([reopened.next(), reopened.nextLogIndex()], [7n, 3], "a restart skips the events of block 7 up to log index 2");
      reopened.advance(9n);
      assert.deepEqual([openBlockCursor(file).next(), openBlockCursor(file).nextLogIndex()], [9n, 0]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
