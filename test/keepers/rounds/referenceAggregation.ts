/**
 * An independent reference for the aggregation rules (docs/distributed-training.md), written
 * with exact arithmetic instead of binary64: every binary32 is an integer multiple of 2^-149, so
 * sums, products and squared distances are exact BigInts, and each result is rounded once from
 * its exact rational value, to binary64 and then to binary32 (the path the specification's
 * correctly rounded division followed by fround takes). It equals the engine whenever the
 * engine's binary64 sums are exact, which holds on the grid data the tests feed it.
 * FLTrust's cosine and rescaling are irrational: after the exact dot products it follows the
 * specification's binary64 formula.
 */
import type { AggregationRule } from "../../../keepers/src/rounds/aggregationRule.ts";
import type { SlotUpdate } from "../../../keepers/src/rounds/aggregateUpdates.ts";

/** x · 2^149 for a binary32 x: an exact integer. */
export function scaled(x: number): bigint {
  const bits = new DataView(Float32Array.of(x).buffer).getUint32(0, true);
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = BigInt(bits & 0x7fffff);
  const magnitude = exponent === 0 ? mantissa : (mantissa | 0x800000n) << BigInt(exponent - 1);
  return bits >>> 31 === 1 ? -magnitude : magnitude;
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** 2^e as an exact binary64, −1074 ≤ e ≤ 1023. */
function powerOfTwo(e: number): number {
  if (e < -1022) return Number.MIN_VALUE * powerOfTwo(e + 1074);
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(e + 1023) << 52n);
  return view.getFloat64(0);
}

/** The binary64 nearest (ties to even) to numerator / (denominator · 2^shift); zero is +0. */
export function nearestFloat64(numerator: bigint, denominator: bigint, shift: number): number {
  if (numerator === 0n) return 0;
  const negative = numerator < 0n !== denominator < 0n;
  const a = numerator < 0n ? -numerator : numerator;
  const b = denominator < 0n ? -denominator : denominator;
  // value = q · 2^e with q < 2^53: start from an exponent that is exact or one too low.
  for (let e = Math.max(-1074, bitLength(a) - bitLength(b) - shift - 53); ; e++) {
    const s = -e - shift;
    const top = s >= 0 ? a << BigInt(s) : a;
    const bottom = s >= 0 ? b : b << BigInt(-s);
    let q = top / bottom;
    if (q >= 1n << 53n) continue;
    const r = top - q * bottom;
    if (2n * r > bottom || (2n * r === bottom && q % 2n === 1n)) q += 1n;
    const value = Number(q) * powerOfTwo(e);
    return negative ? -value : value;
  }
}

/** fround of the binary64 nearest to numerator / (denominator · 2^shift). */
function round32(numerator: bigint, denominator: bigint, shift: number): number {
  return Math.fround(nearestFloat64(numerator, denominator, shift));
}

/** Ascending by exact value, −0 before +0, by insertion (a different algorithm from the engine's). */
function sortedAscending(values: number[]): number[] {
  const out: number[] = [];
  for (const value of values) {
    let at = out.length;
    while (at > 0 && (out[at - 1]! > value || (out[at - 1] === 0 && value === 0 && Object.is(value, -0) && !Object.is(out[at - 1], -0)))) at--;
    out.splice(at, 0, value);
  }
  return out;
}

function exactMean(values: readonly number[]): number {
  return round32(values.reduce((sum, v) => sum + scaled(v), 0n), BigInt(values.length), 149);
}

function column(updates: readonly SlotUpdate[], i: number): number[] {
  return updates.map((u) => u.values[i]!);
}

/** The reference aggregate of `updates` under `rule`. */
export function referenceAggregate(rule: AggregationRule, updates: readonly SlotUpdate[], serverUpdate?: Float32Array): Float32Array {
  const n = updates.length;
  const size = updates[0]!.values.length;
  const out = new Float32Array(size);
  if (rule.rule === "fedavg") {
    const total = updates.reduce((sum, u) => sum + BigInt(u.examples), 0n);
    for (let i = 0; i < size; i++) out[i] = round32(updates.reduce((sum, u) => sum + BigInt(u.examples) * scaled(u.values[i]!), 0n), total, 149);
  } else if (rule.rule === "median") {
    for (let i = 0; i < size; i++) {
      const sorted = sortedAscending(column(updates, i));
      if (n % 2 === 1) out[i] = sorted[(n - 1) / 2]!;
      else {
        const [a, b] = [sorted[n / 2 - 1]!, sorted[n / 2]!];
        const bothNegativeZero = Object.is(a, -0) && Object.is(b, -0);
        out[i] = bothNegativeZero ? -0 : round32(scaled(a) + scaled(b), 2n, 149);
      }
    }
  } else if (rule.rule === "trimmedMean") {
    // Trim at most as many as leave one value: with n values, ⌊(n − 1)/2⌋ from each end.
    let trim = rule.trim;
    while (n - 2 * trim < 1) trim--;
    for (let i = 0; i < size; i++) out[i] = exactMean(sortedAscending(column(updates, i)).slice(trim, n - trim));
  } else if (rule.rule === "multiKrum") {
    // With n updates at most n − 3 are presumed Byzantine (none below 3); each score sums the
    // n − f − 2 nearest squared distances (none when that is below 1); at most n − f are chosen.
    const f = n >= 3 ? Math.min(rule.byzantine, n - 3) : 0;
    const nearest = n - f - 2 > 0 ? n - f - 2 : 0;
    const chosenCount = rule.select < n - f ? rule.select : n - f;
    const squared = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, c) => sum + (scaled(x) - scaled(b[c]!)) ** 2n, 0n);
    const scores = updates.map((u, a) => {
      const distances = updates.filter((_, b) => b !== a).map((v) => squared(u.values, v.values)).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
      return distances.slice(0, nearest).reduce((sum, d) => sum + d, 0n);
    });
    const chosen: number[] = [];
    while (chosen.length < chosenCount) {
      let best = -1;
      for (let a = 0; a < n; a++) if (!chosen.includes(a) && (best < 0 || scores[a]! < scores[best]!)) best = a;
      chosen.push(best);
    }
    chosen.sort((x, y) => x - y);
    for (let i = 0; i < size; i++) out[i] = exactMean(chosen.map((a) => updates[a]!.values[i]!));
  } else {
    const g = serverUpdate!;
    const exactDot = (a: Float32Array, b: Float32Array) => nearestFloat64(a.reduce((sum, x, c) => sum + scaled(x) * scaled(b[c]!), 0n), 1n, 298);
    const gNorm = Math.sqrt(exactDot(g, g));
    if (gNorm === 0) return out;
    const trust = updates.map((u) => {
      const norm = Math.sqrt(exactDot(u.values, u.values));
      if (norm === 0) return { ts: 0, weight: 0 };
      const ts = Math.max(0, exactDot(u.values, g) / (norm * gNorm));
      return { ts, weight: ts * (gNorm / norm) };
    });
    const total = trust.reduce((sum, t) => sum + t.ts, 0);
    if (total === 0) return out;
    for (let i = 0; i < size; i++) out[i] = trust.reduce((sum, t, s) => sum + t.weight * updates[s]!.values[i]!, 0) / total;
  }
  return out;
}
