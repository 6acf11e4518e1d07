import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { trackCreatedDirectory } from "../../../keepers/src/runtime/createdDirectory.ts";

describe("trackCreatedDirectory", () => {
  const work = mkdtempSync(join(tmpdir(), "veritrain-created-"));
  after(() => rmSync(work, { recursive: true, force: true }));

  it("removes the topmost directory that did not exist before, and nothing above it", () => {
    const dataDir = join(work, "a");
    const created = trackCreatedDirectory(join(dataDir, "ipfs"));
    mkdirSync(join(dataDir, "ipfs", "blocks"), { recursive: true });
    created.discard();
    assert.equal(existsSync(dataDir), false, "the data directory the command created is gone");
    assert.equal(existsSync(work), true);
  });

  it("keeps a data directory that existed, removing only the part created since", () => {
    const dataDir = join(work, "b");
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, "cursor.json"), "{}");
    const created = trackCreatedDirectory(join(dataDir, "ipfs"));
    mkdirSync(join(dataDir, "ipfs"));
    created.discard();
    assert.equal(existsSync(join(dataDir, "ipfs")), false);
    assert.equal(existsSync(join(dataDir, "cursor.json")), true, "what was there before stays");
  });

  it("removes nothing when the whole path existed before", () => {
    const dataDir = join(work, "c", "ipfs");
    mkdirSync(dataDir, { recursive: true });
    trackCreatedDirectory(dataDir).discard();
    assert.equal(existsSync(dataDir), true);
  });
});
