import { VeritrainError } from "../errors.ts";
import type { AggregationRule } from "./aggregationRule.ts";
import { assertFiniteUpdate } from "./assertFiniteUpdate.ts";

/** One included slot's decoded update. */
export type SlotUpdate = {
  slot: number;
  /** Training examples in the slot's part (fedavg's weight), an integer ≥ 1. */
  examples: number;
  values: Float32Array;
};

/** Parameters of {@link aggregateUpdates}. */
export type AggregateUpdatesParameters = {
  rule: AggregationRule;
  /** The included slots' updates, slots strictly ascending, at least one, all the same length. */
  updates: readonly SlotUpdate[];
  /** fltrust only (required there, refused elsewhere): the update of a run on the rule's root set. */
  serverUpdate?: Float32Array;
};

/** The aggregate: binary32, one value per parameter. */
export type AggregateUpdatesReturnType = Float32Array;

function invalid(rule: string, details: Record<string, unknown> = {}): VeritrainError {
  return new VeritrainError(`cannot aggregate: ${rule}`, { code: "AGGREGATION_INPUT_INVALID", details: { rule, ...details } });
}

/**
 * Combines the included slots' updates into the round's aggregate, bit for bit as specified in
 * docs/distributed-training.md ("Aggregation rules"): binary64 arithmetic with + − × ÷ √ only,
 * every sum starting at +0 in a fixed order, one rounding to binary32 per result. Rule
 * parameters are clamped to the number of updates, so every rule is defined for n ≥ 1.
 *
 * @throws VeritrainError `UPDATE_NOT_FINITE` (details.slot, details.index) on NaN or ±∞ in an
 * update or in `serverUpdate` (slot "server"); `AGGREGATION_INPUT_INVALID` (details.rule) on
 * inconsistent inputs.
 * @example
 * const aggregate = aggregateUpdates({
 *   rule: { rule: "fedavg" },
 *   updates: [{ slot: 0, examples: 100, values: u0 }, { slot: 1, examples: 300, values: u1 }],
 * });
 */
export function aggregateUpdates({ rule, updates, serverUpdate }: AggregateUpdatesParameters): AggregateUpdatesReturnType {
  const first = updates[0];
  if (first === undefined) throw invalid("needs at least one update");
  const size = first.values.length;
  updates.forEach(({ slot, examples, values }, position) => {
    const previous = position === 0 ? -1 : updates[position - 1]!.slot;
    if (!Number.isSafeInteger(slot) || slot <= previous) throw invalid("slots must be integers in strictly ascending order", { slot });
    if (!Number.isSafeInteger(examples) || examples < 1) throw invalid("examples must be an integer ≥ 1", { slot, examples });
    if (values.length !== size) throw invalid("updates must all have the same length", { slot, length: values.length, expected: size });
  });
  if ((rule.rule === "fltrust") !== (serverUpdate !== undefined)) throw invalid("serverUpdate is required by fltrust and only by it");
  if (serverUpdate !== undefined && serverUpdate.length !== size) {
    throw invalid("serverUpdate must have the updates' length", { length: serverUpdate.length, expected: size });
  }
  for (const { slot, values } of updates) assertFiniteUpdate(values, slot);
  if (serverUpdate !== undefined) assertFiniteUpdate(serverUpdate, "server");

  const vectors = updates.map((update) => update.values);
  switch (rule.rule) {
    case "fedavg":
      return fedavg(updates, size);
    case "median":
      return perCoordinate(vectors, size, median);
    case "trimmedMean": {
      const trim = Math.min(rule.trim, Math.floor((vectors.length - 1) / 2));
      return perCoordinate(vectors, size, (sorted) => meanOf(sorted, trim, sorted.length - trim));
    }
    case "multiKrum":
      return multiKrum(vectors, size, rule.byzantine, rule.select);
    case "fltrust":
      return fltrust(vectors, size, serverUpdate!);
  }
}

/** Σ n_s·u_s,i over slots in order, divided by Σ n_s. */
function fedavg(updates: readonly SlotUpdate[], size: number): Float32Array {
  let total = 0;
  for (const { examples } of updates) total += examples;
  const result = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    let sum = 0;
    for (const { examples, values } of updates) sum += examples * values[i]!;
    result[i] = sum / total;
  }
  return result;
}

/** Applies `reduce` to each coordinate's values sorted ascending (−0 before +0). */
function perCoordinate(vectors: readonly Float32Array[], size: number, reduce: (sorted: Float32Array) => number): Float32Array {
  const column = new Float32Array(vectors.length);
  const result = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    vectors.forEach((values, s) => (column[s] = values[i]!));
    result[i] = reduce(column.sort());
  }
  return result;
}

function median(sorted: Float32Array): number {
  const n = sorted.length;
  const half = n >> 1;
  return n % 2 === 1 ? sorted[half]! : (sorted[half - 1]! + sorted[half]!) / 2;
}

/** +0 + v[from] + … + v[to − 1], binary64, left to right. */
function sumOf(values: Float32Array | Float64Array, from: number, to: number): number {
  let sum = 0;
  for (let j = from; j < to; j++) sum += values[j]!;
  return sum;
}

function meanOf(values: Float32Array, from: number, to: number): number {
  return sumOf(values, from, to) / (to - from);
}

/**
 * Multi-Krum (Blanchard et al. 2017) with f' = min(f, max(0, n − 3)) presumed Byzantine: each
 * update's score sums its k = max(0, n − f' − 2) smallest squared distances to the others; the
 * m' = min(m, n − f') lowest scores (ties → lower slot) are averaged unweighted in slot order.
 */
function multiKrum(vectors: readonly Float32Array[], size: number, byzantine: number, select: number): Float32Array {
  const n = vectors.length;
  const assumed = Math.min(byzantine, Math.max(0, n - 3));
  const neighbours = Math.max(0, n - assumed - 2);
  const chosenCount = Math.min(select, n - assumed);
  const distance = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      const u = vectors[a]!;
      const v = vectors[b]!;
      let sum = 0;
      for (let i = 0; i < size; i++) {
        const d = u[i]! - v[i]!;
        sum += d * d;
      }
      distance[a * n + b] = distance[b * n + a] = sum;
    }
  }
  const scores = vectors.map((_, a) => sumOf(distance.subarray(a * n, (a + 1) * n).filter((_, b) => b !== a).sort(), 0, neighbours));
  const chosen = scores
    .map((score, index) => ({ score, index }))
    .sort((x, y) => x.score - y.score || x.index - y.index)
    .slice(0, chosenCount)
    .map(({ index }) => index)
    .sort((x, y) => x - y);
  const result = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    let sum = 0;
    for (const index of chosen) sum += vectors[index]![i]!;
    result[i] = sum / chosenCount;
  }
  return result;
}

/**
 * FLTrust (Cao et al. 2021) against the root-set update g: trust TS_s = max(0, cos(u_s, g)), each
 * update rescaled to ‖g‖, weighted by TS_s; all +0 when ‖g‖ = 0 or no update is trusted.
 */
function fltrust(vectors: readonly Float32Array[], size: number, server: Float32Array): Float32Array {
  const result = new Float32Array(size);
  const serverNorm = Math.sqrt(dot(server, server));
  if (serverNorm === 0) return result;
  let totalTrust = 0;
  const weights = vectors.map((values) => {
    const norm = Math.sqrt(dot(values, values));
    if (norm === 0) return 0;
    const cosine = dot(values, server) / (norm * serverNorm);
    const trust = cosine > 0 ? cosine : 0;
    totalTrust += trust;
    return trust * (serverNorm / norm);
  });
  if (totalTrust === 0) return result;
  for (let i = 0; i < size; i++) {
    let sum = 0;
    vectors.forEach((values, s) => (sum += weights[s]! * values[i]!));
    result[i] = sum / totalTrust;
  }
  return result;
}

/** +0 + a₀b₀ + … + a_{D−1}b_{D−1}, binary64, coordinate order. */
function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
