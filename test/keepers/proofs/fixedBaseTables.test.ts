import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as snarkjs from "snarkjs";
import type { Bn128Curve } from "snarkjs";
import { buildFixedBaseTable, loadFixedBaseTables, type GroupName, multiExpTable } from "../../../keepers/src/proofs/fixedBaseTables.ts";
import { SeededRandom } from "../commitments/seededRandom.ts";

const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

describe("fixed-base MSM tables", { timeout: 120_000 }, () => {
  let curve: Bn128Curve;
  let directory: string;
  const random = new SeededRandom(2026n);
  const littleEndian = (value: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((value >> BigInt(8 * i)) & 0xffn));
  /** `count` affine bases of `group`: multiples of the generator, with (from 6 bases) the point at infinity and a repeated base among them. */
  const basesOf = (group: GroupName, count: number) => {
    const G = curve[group];
    const points = Array.from({ length: count }, (_, i) =>
      i === 3 && count > 5 ? G.zeroAffine : G.toAffine(G.timesFr(G.g, curve.Fr.e(BigInt(`0x${Buffer.from(random.bytes(31)).toString("hex")}`)))),
    );
    if (count > 5) points[5] = points[1]!;
    return Uint8Array.from(points.flatMap((point) => [...point]));
  };
  /** Scalars below r, with the edge cases 0, 1, r − 1 and single 16-bit digits first. */
  const scalarsFor = (count: number) => {
    const edges = [0n, 1n, R - 1n, 0xffffn, 1n << 240n, (1n << 253n) + 12345n];
    const values = Array.from({ length: count }, (_, i) => edges[i] ?? BigInt(`0x${Buffer.from(random.bytes(32)).toString("hex")}`) % R);
    return Uint8Array.from(values.flatMap((value) => [...littleEndian(value)]));
  };

  before(async () => {
    curve = await snarkjs.curves.getCurveFromName("bn128");
    directory = await mkdtemp(join(tmpdir(), "veritrain-tables-"));
  });
  after(async () => {
    await curve.terminate();
    await rm(directory, { recursive: true, force: true });
  });

  for (const [group, count] of [
    ["G1", 41],
    ["G2", 13],
  ] as const) {
    it(`${group}: the table's MSM equals ffjavascript's, in one part or several`, async () => {
      const bases = basesOf(group, count);
      const table = await buildFixedBaseTable(curve, group, bases);
      assert.equal(table.bases, count);
      for (let trial = 0; trial < 3; trial++) {
        const scalars = scalarsFor(count);
        const expected = await curve[group].multiExpAffine(bases, scalars);
        for (const parts of [1, 2, 3, 7]) assert.ok(curve[group].eq(await multiExpTable(curve, table, scalars, parts), expected), `${parts} parts`);
      }
      const zeros = new Uint8Array(count * 32);
      assert.ok(curve[group].eq(await multiExpTable(curve, table, zeros), curve[group].zero));
    });
  }

  it("refuses bases that are not whole points and scalars that do not match the table", async () => {
    await assert.rejects(buildFixedBaseTable(curve, "G1", new Uint8Array(65)), RangeError);
    const table = await buildFixedBaseTable(curve, "G1", basesOf("G1", 4));
    await assert.rejects(multiExpTable(curve, table, new Uint8Array(3 * 32)), RangeError);
    await assert.rejects(multiExpTable(curve, table, new Uint8Array(5 * 32)), RangeError);
  });

  it("caches tables in a file: read back without building; a corrupt or truncated file is rebuilt, not trusted", async () => {
    const sets = [
      { group: "G1" as const, bases: basesOf("G1", 9) },
      { group: "G2" as const, bases: basesOf("G2", 3) },
    ];
    const file = join(directory, "nested", "tables.bin");
    const built = await loadFixedBaseTables(curve, sets, file);
    const tableBytes = (9 * 64 + 3 * 128) * 16;
    assert.equal((await stat(file)).size, tableBytes + 32);
    const written = await readFile(file);
    // A curve whose workers refuse every task: reading the cache must not build anything.
    const noWorkers = { ...curve, tm: { ...curve.tm, queueAction: () => Promise.reject(new Error("built instead of read")) } } as Bn128Curve;
    const read = await loadFixedBaseTables(noWorkers, sets, file);
    assert.deepEqual(
      read.map((table) => [table.group, table.bases, Buffer.from(table.points).toString("hex")]),
      built.map((table) => [table.group, table.bases, Buffer.from(table.points).toString("hex")]),
    );
    assert.ok(read[0]!.points.buffer instanceof SharedArrayBuffer);
    const uncached = await loadFixedBaseTables(curve, sets);
    assert.deepEqual(Buffer.from(uncached[0]!.points), Buffer.from(built[0]!.points));

    for (const damaged of [Buffer.concat([written.subarray(0, 100), Buffer.from([written[100]! ^ 1]), written.subarray(101)]), written.subarray(0, written.length - 1)]) {
      await writeFile(file, damaged);
      await assert.rejects(loadFixedBaseTables(noWorkers, sets, file), /built instead of read/);
      const rebuilt = await loadFixedBaseTables(curve, sets, file);
      assert.deepEqual(Buffer.from(rebuilt[1]!.points), Buffer.from(built[1]!.points));
      assert.deepEqual(await readFile(file), written);
    }
  });
});
