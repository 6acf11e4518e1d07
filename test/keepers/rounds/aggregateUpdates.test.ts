import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { keccak256 } from "viem";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { aggregateUpdates, type SlotUpdate } from "../../../keepers/src/rounds/aggregateUpdates.ts";
import type { AggregationRule } from "../../../keepers/src/rounds/aggregationRule.ts";
import { SplitMix64 } from "../../../keepers/src/training/prng.ts";
import { nearestFloat64, referenceAggregate, scaled } from "./referenceAggregation.ts";

/** A test-only stream (domain 0x19 = issue 19), so the cases never move with the engine's streams. */
function stream(index: bigint): SplitMix64 {
  return SplitMix64.keyed({ seed: 19n, domain: 0x19n, index });
}

/** A grid value j · 2^-10, |j| ≤ range, with −0 for some zeros: binary64 sums of these are exact. */
function gridValue(rng: SplitMix64, range: number): number {
  const j = rng.nextBelow(2 * range + 1) - range;
  return j === 0 && rng.nextBelow(2) === 1 ? -0 : j / 1024;
}

/** A binary32 of any sign and magnitude 2^-40 … 2^10, zeros and −0 included. */
function wideValue(rng: SplitMix64): number {
  const kind = rng.nextBelow(10);
  if (kind === 0) return 0;
  if (kind === 1) return -0;
  const magnitude = (1 + rng.nextUnit()) * 2 ** (rng.nextBelow(51) - 40);
  return Math.fround(rng.nextBelow(2) === 1 ? -magnitude : magnitude);
}

/**
 * wideValue, or one of a few ±2^20…2^53 values that cancel exactly across slots: what they leave
 * of the small values depends on the order of the additions (and on binade boundaries).
 */
function cancellingValue(rng: SplitMix64): number {
  if (rng.nextBelow(3) !== 0) return wideValue(rng);
  return (rng.nextBelow(2) === 1 ? -1 : 1) * 2 ** (20 + 11 * rng.nextBelow(4)) * (1 + rng.nextBelow(4) / 4);
}

/** n updates of `size` values with duplicates, an all-zero update and exact ties between slots. */
function randomUpdates(rng: SplitMix64, n: number, size: number, value: () => number): SlotUpdate[] {
  const updates: SlotUpdate[] = [];
  let slot = rng.nextBelow(3);
  for (let s = 0; s < n; s++) {
    const pattern = rng.nextBelow(8);
    const values =
      pattern === 0 && s > 0 ? Float32Array.from(updates[rng.nextBelow(s)]!.values)
        : pattern === 1 ? new Float32Array(size)
        : Float32Array.from({ length: size }, value);
    updates.push({ slot, examples: 1 + rng.nextBelow(60000), values });
    slot += 1 + rng.nextBelow(2);
  }
  return updates;
}

function randomRule(rng: SplitMix64, name: AggregationRule["rule"]): AggregationRule {
  switch (name) {
    case "fedavg":
    case "median":
      return { rule: name };
    case "trimmedMean":
      return { rule: name, trim: rng.nextBelow(9) };
    case "multiKrum":
      return { rule: name, byzantine: rng.nextBelow(8), select: 1 + rng.nextBelow(16) };
    case "fltrust":
      return { rule: name, root: { source: "train", start: 0, end: 100 } };
  }
}

function bitsOf(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString("hex");
}

const RULES: AggregationRule["rule"][] = ["fedavg", "median", "trimmedMean", "multiKrum", "fltrust"];

describe("the exact reference", () => {
  it("scales binary32 values to exact integers and rounds rationals to nearest even", () => {
    assert.equal(scaled(1), 1n << 149n);
    assert.equal(scaled(-Math.fround(2 ** -149)), -1n);
    assert.equal(scaled(-0), 0n);
    assert.equal(nearestFloat64(1n, 3n, 0), 1 / 3);
    assert.equal(nearestFloat64(-7n, 2n, 0), -3.5);
    assert.equal(nearestFloat64((1n << 53n) + 1n, 1n, 0), 2 ** 53, "tie → even");
    assert.equal(nearestFloat64((1n << 53n) + 3n, 1n, 0), 2 ** 53 + 4, "tie → even (up)");
    assert.equal(nearestFloat64(1n, 1n, 1074), Number.MIN_VALUE);
  });
});

describe("aggregateUpdates against the exact reference", () => {
  for (const name of RULES) {
    it(`${name}: 300 seeded cases on grid data (n = 1…16, ties, duplicates, zeros, clamped parameters)`, () => {
      const rng = stream(BigInt(RULES.indexOf(name)));
      const seen = new Set<number>();
      for (let c = 0; c < 300; c++) {
        const n = 1 + (c % 16);
        seen.add(n);
        const size = 1 + rng.nextBelow(24);
        const range = rng.nextBelow(2) === 0 ? 4 : 1024;
        const updates = randomUpdates(rng, n, size, () => gridValue(rng, range));
        const rule = randomRule(rng, name);
        const serverUpdate = name === "fltrust"
          ? (rng.nextBelow(10) === 0 ? new Float32Array(size) : Float32Array.from({ length: size }, () => gridValue(rng, range)))
          : undefined;
        const actual = aggregateUpdates({ rule, updates, serverUpdate });
        const expected = referenceAggregate(rule, updates, serverUpdate);
        assert.equal(bitsOf(actual), bitsOf(expected), `case ${c}: ${JSON.stringify(rule)}, n = ${n}`);
      }
      assert.equal(seen.size, 16);
    });
  }

  it("median: 300 seeded cases on binary32 values of every magnitude", () => {
    const rng = stream(10n);
    for (let c = 0; c < 300; c++) {
      const updates = randomUpdates(rng, 1 + (c % 16), 1 + rng.nextBelow(24), () => wideValue(rng));
      assert.equal(bitsOf(aggregateUpdates({ rule: { rule: "median" }, updates })), bitsOf(referenceAggregate({ rule: "median" }, updates)), `case ${c}`);
    }
  });
});

const NUMPY_SCRIPT = fileURLToPath(new URL("./aggregationReference.py", import.meta.url));
const hasNumpy = spawnSync("python3", ["-c", "import numpy"], { stdio: "ignore" }).status === 0;

describe("aggregateUpdates against numpy (aggregationReference.py)", () => {
  it("every rule: 1,000 seeded cases with cancelling values, where the binary64 summation order shows", {
    skip: hasNumpy ? false : "SKIPPED: python3 with numpy not found, so the numpy cross-check did not run (the BigInt reference above did)",
  }, () => {
    const rng = stream(20n);
    const cases = Array.from({ length: 1000 }, (_, c) => {
      const name = RULES[c % RULES.length]!;
      const n = 1 + ((c >> 2) % 16);
      const size = 1 + rng.nextBelow(24);
      // Equal weights in odd cases, so fedavg's huge terms cancel too.
      const updates = randomUpdates(rng, n, size, () => cancellingValue(rng)).map((u) => (c % 2 === 1 ? { ...u, examples: 1 } : u));
      const serverUpdate = name === "fltrust" ? Float32Array.from({ length: size }, () => wideValue(rng)) : undefined;
      return { rule: randomRule(rng, name), updates, serverUpdate };
    });
    const input = JSON.stringify(cases.map(({ rule, updates, serverUpdate }) => ({
      rule,
      updates: updates.map(({ slot, examples, values }) => ({ slot, examples, bits: [...new Uint32Array(values.buffer)] })),
      server: serverUpdate === undefined ? null : [...new Uint32Array(serverUpdate.buffer)],
    })));
    const python = spawnSync("python3", [NUMPY_SCRIPT], { input, encoding: "utf8", maxBuffer: 1 << 26 });
    assert.equal(python.status, 0, python.stderr);
    const expected = JSON.parse(python.stdout) as number[][];
    cases.forEach((parameters, c) => {
      const actual = [...new Uint32Array(aggregateUpdates(parameters).buffer)];
      assert.deepEqual(actual, expected[c], `case ${c}: ${JSON.stringify(parameters.rule)}, n = ${parameters.updates.length}`);
    });
  });
});

describe("aggregateUpdates rules on hand-checked inputs", () => {
  const u = (slot: number, examples: number, ...values: number[]): SlotUpdate => ({ slot, examples, values: Float32Array.from(values) });

  it("fedavg weights by examples", () => {
    assert.deepEqual([...aggregateUpdates({ rule: { rule: "fedavg" }, updates: [u(0, 1, 1, 0), u(1, 3, 5, -4)] })], [4, -3]);
  });

  it("median takes the middle value, or the mean of the two middle values", () => {
    const updates = [u(0, 1, 3, -0), u(1, 1, 1, 0), u(2, 1, 2, -0)];
    const odd = aggregateUpdates({ rule: { rule: "median" }, updates });
    assert.deepEqual([...odd], [2, -0]);
    assert.ok(Object.is(odd[1], -0), "−0 sorts before +0: the middle of (−0, −0, +0) is −0");
    assert.deepEqual([...aggregateUpdates({ rule: { rule: "median" }, updates: updates.slice(0, 2) })], [2, 0]);
  });

  it("trimmedMean drops t values at each end, clamped to ⌊(n − 1)/2⌋", () => {
    const updates = [u(0, 1, 100), u(1, 1, 1), u(2, 1, 2), u(3, 1, -50)];
    assert.deepEqual([...aggregateUpdates({ rule: { rule: "trimmedMean", trim: 1 }, updates })], [1.5]);
    assert.deepEqual([...aggregateUpdates({ rule: { rule: "trimmedMean", trim: 5 }, updates })], [1.5], "t' = 1 for n = 4");
    assert.deepEqual([...aggregateUpdates({ rule: { rule: "trimmedMean", trim: 5 }, updates: updates.slice(0, 3) })], [2], "t' = 1 for n = 3");
  });

  it("multiKrum drops the outlier and breaks score ties toward the lower slot", () => {
    const updates = [u(0, 1, 0, 0), u(1, 1, 1, 0), u(2, 1, 0, 1), u(3, 1, 100, 100), u(4, 1, 1, 1)];
    // f = 1: scores sum the 2 nearest squared distances: 2, 2, 2, ≈19602+, 2 → slots 0 and 1 first.
    assert.deepEqual([...aggregateUpdates({ rule: { rule: "multiKrum", byzantine: 1, select: 2 }, updates })], [0.5, 0]);
    assert.deepEqual([...aggregateUpdates({ rule: { rule: "multiKrum", byzantine: 1, select: 4 }, updates })], [0.5, 0.5]);
    assert.deepEqual([...aggregateUpdates({ rule: { rule: "multiKrum", byzantine: 9, select: 9 }, updates: updates.slice(3, 4) })], [100, 100], "n = 1");
    assert.deepEqual([...aggregateUpdates({ rule: { rule: "multiKrum", byzantine: 3, select: 1 }, updates: updates.slice(2, 4) })], [0, 1], "n = 2: a tie, the lower slot");
  });

  it("sums in the specified order: slots for fedavg, multiKrum and fltrust, ascending values for trimmedMean", () => {
    // 2^100 + 1 = 2^100 in binary64, so each order gives a different answer.
    const updates = [u(0, 1, 2 ** 100), u(1, 1, -(2 ** 100)), u(2, 1, 1)];
    assert.deepEqual([...aggregateUpdates({ rule: { rule: "fedavg" }, updates })], [Math.fround(1 / 3)], "((2^100 − 2^100) + 1) / 3");
    assert.deepEqual([...aggregateUpdates({ rule: { rule: "multiKrum", byzantine: 0, select: 3 }, updates })], [Math.fround(1 / 3)]);
    assert.deepEqual([...aggregateUpdates({ rule: { rule: "trimmedMean", trim: 0 }, updates })], [0], "((−2^100 + 1) + 2^100) / 3");
    // Ascending, not descending: −2^53 + 1 is exact, 2^53 + 1 is not.
    const around53 = [u(0, 1, 2 ** 53), u(1, 1, 1), u(2, 1, -(2 ** 53)), u(3, 1, 1)];
    assert.deepEqual([...aggregateUpdates({ rule: { rule: "trimmedMean", trim: 0 }, updates: around53 })], [0.5], "(((−2^53 + 1) + 1) + 2^53) / 4");
    // fltrust: slots 0 and 1 cancel in coordinate 0; summed first, they leave slot 2's term whole.
    const small = Math.fround(2 ** -40 * 1.2345);
    const fltrust = aggregateUpdates({
      rule: { rule: "fltrust", root: { source: "train", start: 0, end: 1 } },
      updates: [u(0, 1, 10, 10), u(1, 1, -10, 10), u(2, 1, small, 1)],
      serverUpdate: Float32Array.of(0, 3),
    });
    assert.deepEqual([...new Uint32Array(fltrust.buffer)], [0x2bc45b6c, 0x401f0eda], "slot order (reversed: 0x2bc45cf5)");
  });

  it("fltrust ignores opposed and zero updates and rescales the rest to the server norm", () => {
    const serverUpdate = Float32Array.of(3, 4);
    const updates = [u(0, 1, 30, 40), u(1, 1, -3, -4), u(2, 1, 0, 0)];
    assert.deepEqual([...aggregateUpdates({ rule: { rule: "fltrust", root: { source: "train", start: 0, end: 1 } }, updates, serverUpdate })], [3, 4]);
    const opposed = aggregateUpdates({ rule: { rule: "fltrust", root: { source: "train", start: 0, end: 1 } }, updates: updates.slice(1), serverUpdate });
    assert.deepEqual([...opposed], [0, 0], "no trusted update → all +0");
    const noServer = aggregateUpdates({ rule: { rule: "fltrust", root: { source: "train", start: 0, end: 1 } }, updates, serverUpdate: new Float32Array(2) });
    assert.deepEqual([...noServer], [0, 0], "‖g0‖ = 0 → all +0");
  });
});

describe("aggregateUpdates refusals", () => {
  const fedavg: AggregationRule = { rule: "fedavg" };
  const good = (slot: number): SlotUpdate => ({ slot, examples: 10, values: Float32Array.of(1, 2, 3) });

  for (const [label, bad] of [["NaN", NaN], ["+∞", Infinity], ["−∞", -Infinity]] as const) {
    it(`refuses ${label} with UPDATE_NOT_FINITE naming the slot and index`, () => {
      const updates = [good(0), { slot: 4, examples: 1, values: Float32Array.of(0, 0, bad) }];
      for (const rule of RULES.map((name) => randomRule(stream(99n), name))) {
        const serverUpdate = rule.rule === "fltrust" ? Float32Array.of(1, 1, 1) : undefined;
        assert.throws(() => aggregateUpdates({ rule, updates, serverUpdate }), (e: unknown) =>
          e instanceof VeritrainError && e.code === "UPDATE_NOT_FINITE" && e.details.slot === 4 && e.details.index === 2);
      }
      const rule: AggregationRule = { rule: "fltrust", root: { source: "train", start: 0, end: 1 } };
      assert.throws(() => aggregateUpdates({ rule, updates: [good(0)], serverUpdate: Float32Array.of(bad, 0, 0) }), (e: unknown) =>
        e instanceof VeritrainError && e.code === "UPDATE_NOT_FINITE" && e.details.slot === "server" && e.details.index === 0);
    });
  }

  it("refuses inconsistent inputs with AGGREGATION_INPUT_INVALID", () => {
    const refused = (parameters: Parameters<typeof aggregateUpdates>[0], rule: RegExp) =>
      assert.throws(() => aggregateUpdates(parameters), (e: unknown) =>
        e instanceof VeritrainError && e.code === "AGGREGATION_INPUT_INVALID" && rule.test(String(e.details.rule)));
    refused({ rule: fedavg, updates: [] }, /at least one/);
    refused({ rule: fedavg, updates: [good(2), good(1)] }, /ascending/);
    refused({ rule: fedavg, updates: [good(1), good(1)] }, /ascending/);
    refused({ rule: fedavg, updates: [{ ...good(0), examples: 0 }] }, /examples/);
    refused({ rule: fedavg, updates: [good(0), { ...good(1), values: new Float32Array(2) }] }, /same length/);
    refused({ rule: fedavg, updates: [good(0)], serverUpdate: new Float32Array(3) }, /fltrust/);
    const fltrust: AggregationRule = { rule: "fltrust", root: { source: "train", start: 0, end: 1 } };
    refused({ rule: fltrust, updates: [good(0)] }, /fltrust/);
    refused({ rule: fltrust, updates: [good(0)], serverUpdate: new Float32Array(2) }, /length/);
  });
});

describe("aggregateUpdates test vectors", () => {
  // 7 slots × 16 values of every magnitude from a fixed stream: a change to any rule's
  // arithmetic or order moves a digest. Inputs digest first, so a generator change shows apart.
  const rng = stream(1000n);
  const updates = randomUpdates(rng, 7, 16, () => wideValue(rng));
  const serverUpdate = Float32Array.from({ length: 16 }, () => wideValue(rng));
  const inputs = keccak256(Buffer.concat([...updates.map((u) => Buffer.from(u.values.buffer)), Buffer.from(serverUpdate.buffer)]));
  const VECTORS: [AggregationRule, string][] = [
    [{ rule: "fedavg" }, "0xe521b82f37a8f2fb3f887a3fa919f953f5311760609ddf096fc845b85c69d8fe"],
    [{ rule: "median" }, "0x5fddf1bad49015366f0f49e1ff034f4def1478909d3343f3eddc919b25a40945"],
    [{ rule: "trimmedMean", trim: 2 }, "0x69a78774126b0467e6a0e4a810e48fbb1d4e5cee17faff0699c86db95b9eea10"],
    [{ rule: "multiKrum", byzantine: 2, select: 3 }, "0xc857da1a7a02ebc74d7c061223608f1b48a1febc01f21405fa70a737473b9f4b"],
    [{ rule: "fltrust", root: { source: "train", start: 0, end: 100 } }, "0xfc150debdf8fa260f29def2c6f6859dcdbdb89ea27e63398c39f24e0f1147bb1"],
  ];

  it("has fixed inputs", () => {
    assert.deepEqual(updates.map((u) => [u.slot, u.examples]), [[0, 43187], [2, 6181], [3, 5088], [5, 3560], [6, 39859], [8, 5759], [10, 9023]]);
    assert.equal(inputs, "0xf820ca3d724f1a09cc60c0b103b8cdc11704bd8439b00372ae21051564a2ea73");
  });

  for (const [rule, digest] of VECTORS) {
    it(`${rule.rule} gives keccak256 ${digest.slice(0, 10)}… of its binary32 output`, () => {
      const output = aggregateUpdates({ rule, updates, serverUpdate: rule.rule === "fltrust" ? serverUpdate : undefined });
      assert.equal(keccak256(Buffer.from(output.buffer)), digest);
    });
  }
});
