import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { CID } from "multiformats/cid";
import type { ContentStore } from "../../../keepers/src/content/contentStore.ts";
import { createHeliaContentStore } from "../../../keepers/src/content/heliaContentStore.ts";
import { packageDataset, type PackagedDataset } from "../../../keepers/src/datasets/packageDataset.ts";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { rebuildShard } from "../../../keepers/src/storage/rebuildShard.ts";

const K = 4;
const N = 7;
const RECORD_SIZE = 5;
const RECORD_COUNT = 900;

describe("rebuildShard: a column taken over from a holder that is gone", () => {
  let directory: string;
  let owner: ContentStore;
  let packaged: PackagedDataset;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), "veritrain-rebuild-"));
    owner = await createHeliaContentStore({ directory });
    const records = Uint8Array.from({ length: RECORD_SIZE * RECORD_COUNT }, (_, i) => (i * 131 + (i >> 7)) & 0xff);
    packaged = await packageDataset({
      name: "synthetic",
      records,
      recordSize: RECORD_SIZE,
      fields: [{ name: "bytes", offset: 0, length: RECORD_SIZE, type: "uint8" }],
      splits: [{ name: "all", firstRecord: 0, recordCount: RECORD_COUNT }],
      k: K,
      n: N,
      shardSize: 256,
      columnTreeDepth: 8,
      store: owner,
    });
  });
  after(async () => {
    await owner.close();
    await rm(directory, { recursive: true, force: true });
  });

  /** Column c's holder: serves the owner's shards of column c only, corrupted when asked. */
  const holder = (column: number, corrupt = false): ContentStore => {
    const cids = new Set(packaged.manifest.shards.map((stripe) => stripe[column]!.toString()));
    return {
      ...owner,
      async get(cid: CID) {
        if (!cids.has(cid.toString())) throw new VeritrainError(`${cid} is not in column ${column}`, { code: "CONTENT_NOT_FOUND" });
        const bytes = (await owner.get(cid)).slice();
        if (corrupt) bytes[0]! ^= 1;
        return bytes;
      },
    };
  };

  it("rebuilds every data and parity column, stripe by stripe, from the k-of-n others, equal to the stored shards", async () => {
    const { stripeCount } = packaged.manifest.layout;
    assert.ok(stripeCount >= 2, "several stripes");
    for (let column = 0; column < N; column++) {
      // The column's holder and two more are gone: N − 3 = K holders are left.
      const gone = new Set([column, (column + 1) % N, (column + 3) % N]);
      for (let stripe = 0; stripe < stripeCount; stripe++) {
        const shard = await rebuildShard({ manifest: packaged.manifest, stripe, column, source: (c) => (gone.has(c) ? undefined : holder(c)) });
        assert.deepEqual(shard, await owner.get(packaged.manifest.shards[stripe]![column]!), `shard (${stripe}, ${column})`);
      }
    }
  });

  it("never asks the rebuilt column's own source, and skips a corrupted holder", async () => {
    const skipped: number[] = [];
    const shard = await rebuildShard({
      manifest: packaged.manifest,
      stripe: 1,
      column: 5,
      source: (c) => (c === 5 ? assert.fail("the rebuilt column's source was asked") : holder(c, c === 0)),
      onSkip: ({ column }) => skipped.push(column),
    });
    assert.deepEqual(skipped, [0]);
    assert.deepEqual(shard, await owner.get(packaged.manifest.shards[1]![5]!));
  });

  it("fails with SHARDS_UNAVAILABLE when fewer than k other shards are reachable and intact", async () => {
    await assert.rejects(
      rebuildShard({ manifest: packaged.manifest, stripe: 0, column: 6, source: (c) => (c < 3 ? holder(c) : c === 3 ? holder(c, true) : undefined) }),
      (error: VeritrainError) => error.code === "SHARDS_UNAVAILABLE" && error.details.present === 3,
    );
  });

  it("refuses a shard outside the manifest with RANGE_INVALID", async () => {
    for (const [stripe, column] of [[0, N], [packaged.manifest.layout.stripeCount, 0]] as const) {
      await assert.rejects(rebuildShard({ manifest: packaged.manifest, stripe, column, source: holder }), (error: VeritrainError) => error.code === "RANGE_INVALID");
    }
  });
});
