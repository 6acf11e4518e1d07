import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { locateBytes, stripeLayout } from "../../../keepers/src/datasets/stripeLayout.ts";
import { VeritrainError } from "../../../keepers/src/errors.ts";

const codeOf = (code: string, field?: string) => (error: unknown) =>
  error instanceof VeritrainError && error.code === code && (field === undefined || error.details.field === field);

describe("stripeLayout", () => {
  it("counts stripes, the last one partial", () => {
    assert.equal(stripeLayout({ k: 8, n: 11, shardSize: 1 << 20, byteLength: 70_000 * 785 }).stripeCount, 7);
    assert.equal(stripeLayout({ k: 2, n: 3, shardSize: 4, byteLength: 8 }).stripeCount, 1);
    assert.equal(stripeLayout({ k: 2, n: 3, shardSize: 4, byteLength: 9 }).stripeCount, 2);
  });

  it("rejects each invalid field by name", () => {
    const valid = { k: 8, n: 11, shardSize: 1024, byteLength: 10 };
    for (const [field, value] of [
      ["k", 0],
      ["k", 1.5],
      ["n", 8],
      ["n", 256],
      ["shardSize", 0],
      ["shardSize", (1 << 20) + 1],
      ["byteLength", 0],
    ] as const) {
      assert.throws(() => stripeLayout({ ...valid, [field]: value }), codeOf("LAYOUT_INVALID", field), `${field}=${value}`);
    }
  });
});

describe("locateBytes", () => {
  const layout = stripeLayout({ k: 2, n: 3, shardSize: 4, byteLength: 19 });

  it("maps a range crossing shards and stripes to data-shard slices", () => {
    assert.deepEqual(locateBytes({ layout, offset: 3, length: 7 }), [
      { stripe: 0, shard: 0, start: 3, end: 4 },
      { stripe: 0, shard: 1, start: 0, end: 4 },
      { stripe: 1, shard: 0, start: 0, end: 2 },
    ]);
    assert.deepEqual(locateBytes({ layout, offset: 16, length: 3 }), [{ stripe: 2, shard: 0, start: 0, end: 3 }]);
  });

  it("covers exactly the requested bytes for every range of a small layout", () => {
    for (let offset = 0; offset < layout.byteLength; offset++) {
      for (let length = 1; offset + length <= layout.byteLength; length++) {
        const slices = locateBytes({ layout, offset, length });
        const covered = slices.flatMap(({ stripe, shard, start, end }) =>
          Array.from({ length: end - start }, (_, i) => (stripe * layout.k + shard) * layout.shardSize + start + i),
        );
        assert.deepEqual(covered, Array.from({ length }, (_, i) => offset + i));
      }
    }
  });

  it("rejects ranges outside the data", () => {
    for (const [offset, length] of [
      [-1, 1],
      [0, 0],
      [18, 2],
    ] as const) {
      assert.throws(() => locateBytes({ layout, offset, length }), codeOf("RANGE_INVALID"));
    }
  });
});
