import { createHash } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import type { Bn128Curve, WorkerCommand } from "snarkjs";

/** A group of BN254 as ffjavascript's workers name and lay it out (Montgomery form). */
const GROUPS = {
  G1: { prefix: "g1m", affineBytes: 64, jacobianBytes: 96 },
  G2: { prefix: "g2m", affineBytes: 128, jacobianBytes: 192 },
} as const;
export type GroupName = keyof typeof GROUPS;

/** Bits per digit: a scalar's 32 little-endian bytes are its 16 digits as 2-byte scalars, unchanged. */
const DIGIT_BITS = 16;
/** Digits of a 32-byte scalar, and so points per base in a table. */
const LEVELS = 256 / DIGIT_BITS;
/** 2^16 as a 3-byte little-endian scalar, for wasmcurves' `timesScalar`. */
const SHIFT = new Uint8Array([0, 0, 1]);
/** Bases per table-building task (about 0.3 s of G1 work, 0.8 s of G2). */
const BUILD_BATCH = 1024;

/**
 * The fixed-base table of `bases` points of one group: for base Pᵢ the affine points
 * Pᵢ, 2^16·Pᵢ, …, 2^240·Pᵢ, consecutive, in a SharedArrayBuffer (posted to the workers without a copy).
 */
export type FixedBaseTable = { group: GroupName; bases: number; points: Uint8Array };

/**
 * Builds the fixed-base table of affine `bases` (ffjavascript's layout; points at infinity allowed)
 * on the curve's worker threads. Costs about 256 doublings per base, a scalar multiplication's
 * worth: for the storage circuit's proving key ~100 s of CPU, 336 MB.
 */
export async function buildFixedBaseTable(curve: Bn128Curve, group: GroupName, bases: Uint8Array): Promise<FixedBaseTable> {
  const { prefix, affineBytes, jacobianBytes } = GROUPS[group];
  const count = pointCount(group, bases);
  const points = new Uint8Array(new SharedArrayBuffer(count * LEVELS * affineBytes));
  const tasks: Promise<void>[] = [];
  for (let first = 0; first < count; first += BUILD_BATCH) {
    const n = Math.min(BUILD_BATCH, count - first);
    const jacobian = (base: number, level: number) => ({ var: 2, offset: (base * LEVELS + level) * jacobianBytes });
    const task: WorkerCommand[] = [
      { cmd: "ALLOCSET", var: 0, buff: bases.subarray(first * affineBytes, (first + n) * affineBytes) },
      { cmd: "ALLOCSET", var: 1, buff: SHIFT },
      { cmd: "ALLOC", var: 2, len: n * LEVELS * jacobianBytes },
      // Last, and larger than the inversion scratch `batchToAffine` keeps past it (see `multiExpTable`).
      { cmd: "ALLOC", var: 3, len: n * LEVELS * affineBytes },
    ];
    for (let base = 0; base < n; base++) {
      task.push({ cmd: "CALL", fnName: `${prefix}_toJacobian`, params: [{ var: 0, offset: base * affineBytes }, jacobian(base, 0)] });
      for (let level = 1; level < LEVELS; level++) {
        task.push({ cmd: "CALL", fnName: `${prefix}_timesScalar`, params: [jacobian(base, level - 1), { var: 1 }, { val: SHIFT.length }, jacobian(base, level)] });
      }
    }
    task.push({ cmd: "CALL", fnName: `${prefix}_batchToAffine`, params: [{ var: 2 }, { val: n * LEVELS }, { var: 3 }] });
    task.push({ cmd: "GET", out: 0, var: 3, len: n * LEVELS * affineBytes });
    tasks.push(curve.tm.queueAction(task).then(([table]) => points.set(table!, first * LEVELS * affineBytes)));
  }
  await Promise.all(tasks);
  return { group, bases: count, points };
}

/**
 * The fixed-base tables of several base sets, built, or with a `cacheFile` read from it when it
 * holds them and otherwise built and then written there. The file is the tables' points in order
 * followed by their SHA-256; a file of another length or whose digest does not match is rebuilt
 * and replaced, never trusted. It is written to a temporary name and renamed: whole or absent.
 */
export async function loadFixedBaseTables(
  curve: Bn128Curve,
  sets: readonly { group: GroupName; bases: Uint8Array }[],
  cacheFile?: string,
): Promise<FixedBaseTable[]> {
  const counts = sets.map(({ group, bases }) => pointCount(group, bases));
  const cached = cacheFile === undefined ? undefined : await readTables(cacheFile, sets.map(({ bases }) => bases.byteLength * LEVELS));
  if (cached) return cached.map((points, i) => ({ group: sets[i]!.group, bases: counts[i]!, points }));
  const tables = await Promise.all(sets.map(({ group, bases }) => buildFixedBaseTable(curve, group, bases)));
  if (cacheFile !== undefined) await writeTables(cacheFile, tables.map((table) => table.points));
  return tables;
}

const DIGEST_BYTES = 32;

/** The number of affine points of `group` in `bases`; a RangeError if the bytes are not whole points. */
function pointCount(group: GroupName, bases: Uint8Array): number {
  const count = bases.byteLength / GROUPS[group].affineBytes;
  if (!Number.isInteger(count)) throw new RangeError(`${bases.byteLength} bytes are not whole affine ${group} points`);
  return count;
}

/** The tables of `sizes` bytes each in `file` (in SharedArrayBuffers), or undefined if it is absent, of another length or corrupt. */
async function readTables(file: string, sizes: number[]): Promise<Uint8Array[] | undefined> {
  const handle = await open(file, "r").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (!handle) return undefined;
  try {
    if ((await handle.stat()).size !== sizes.reduce((sum, size) => sum + size, DIGEST_BYTES)) return undefined;
    const hash = createHash("sha256");
    const tables: Uint8Array[] = [];
    let position = 0;
    for (const size of sizes) {
      const table = new Uint8Array(new SharedArrayBuffer(size));
      for (let at = 0; at < size; ) {
        const { bytesRead } = await handle.read(table, at, Math.min(size - at, 2 ** 26), position + at);
        if (bytesRead === 0) return undefined;
        at += bytesRead;
      }
      hash.update(table);
      tables.push(table);
      position += size;
    }
    const digest = new Uint8Array(DIGEST_BYTES);
    await handle.read(digest, 0, DIGEST_BYTES, position);
    return Buffer.from(digest).equals(hash.digest()) ? tables : undefined;
  } finally {
    await handle.close();
  }
}

async function writeTables(file: string, tables: Uint8Array[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await open(temporary, "w");
  try {
    const hash = createHash("sha256");
    for (const table of tables) {
      await handle.write(table);
      hash.update(table);
    }
    await handle.write(hash.digest());
    await handle.close();
    await rename(temporary, file);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Σ scalars[i]·bases[i] through the bases' table, as one 16-bit bucket pass over the table's points
 * with the scalars' digits (no per-window doublings, one bucket reduction per part) instead of
 * ffjavascript's ~20 windows of 13 bits each with its own reduction: ~22 % less work. `scalars` are
 * 32-byte little-endian standard form, one per base; the work is split in `parts` worker tasks.
 * Returns a Jacobian point.
 */
export async function multiExpTable(curve: Bn128Curve, table: FixedBaseTable, scalars: Uint8Array, parts = 1): Promise<Uint8Array> {
  const { prefix, affineBytes, jacobianBytes } = GROUPS[table.group];
  if (scalars.byteLength !== table.bases * 32) throw new RangeError(`${table.bases} bases need ${table.bases * 32} bytes of scalars, not ${scalars.byteLength}`);
  const digits = table.bases * LEVELS;
  const perPart = Math.ceil(digits / parts);
  const sums: Promise<Uint8Array[]>[] = [];
  for (let first = 0; first < digits; first += perPart) {
    const n = Math.min(perPart, digits - first);
    sums.push(
      curve.tm.queueAction([
        { cmd: "ALLOCSET", var: 0, buff: table.points.subarray(first * affineBytes, (first + n) * affineBytes) },
        { cmd: "ALLOCSET", var: 1, buff: scalars.subarray((first * DIGIT_BITS) / 8, ((first + n) * DIGIT_BITS) / 8) },
        { cmd: "ALLOC", var: 2, len: jacobianBytes },
        // The chunk function keeps its 2^16 buckets past the task's last allocation, and a worker
        // grows its memory to hold each allocation twice over: this last one makes room for them.
        { cmd: "ALLOC", var: 3, len: jacobianBytes << DIGIT_BITS },
        // (bases, scalars, bytes per scalar, points, first bit, bits per window, result)
        {
          cmd: "CALL",
          fnName: `${prefix}_multiexpAffine_chunk`,
          params: [{ var: 0 }, { var: 1 }, { val: DIGIT_BITS / 8 }, { val: n }, { val: 0 }, { val: DIGIT_BITS }, { var: 2 }],
        },
        { cmd: "GET", out: 0, var: 2, len: jacobianBytes },
      ]),
    );
  }
  const G = curve[table.group];
  return (await Promise.all(sums)).reduce((sum, [part]) => G.add(sum, part!), G.zero);
}
