import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { VeritrainError } from "../errors.ts";

/** Optimised-Poseidon constants for one width t (the form used by circomlib's poseidon.circom). */
export type PoseidonConstants = {
  /** State width: number of inputs + 1. */
  t: number;
  /** Number of partial rounds (full rounds are always 8). */
  partialRounds: number;
  /** Round constants C, flattened. */
  c: bigint[];
  /** Sparse matrices of the partial rounds, (2t - 1) per round, flattened. */
  s: bigint[];
  /** MDS matrix M[row][column]. */
  m: bigint[][];
  /** Pre-sparse matrix P[row][column], applied once before the partial rounds. */
  p: bigint[][];
};

/** Partial rounds per width t = 2..17, as in circomlib (index t - 2). */
const PARTIAL_ROUNDS = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68] as const;

/** Smallest and largest supported state widths (1 to 16 inputs, like circomlib's Poseidon(n)). */
export const MIN_WIDTH = 2;
export const MAX_WIDTH = 17;

type ConstantsFile = { C: string[][]; S: string[][]; M: string[][][]; P: string[][][] };

let cached: ConstantsFile | undefined;

/**
 * Reads circomlibjs's `poseidon_constants_opt.json`, the very constants of circomlib's
 * `Poseidon(n)` circuit, so the software hash and the circuit cannot drift apart.
 */
function constantsFile(): ConstantsFile {
  if (cached === undefined) {
    const entry = createRequire(import.meta.url).resolve("circomlibjs");
    const path = join(dirname(entry), "..", "src", "poseidon_constants_opt.json");
    cached = JSON.parse(readFileSync(path, "utf8")) as ConstantsFile;
  }
  return cached;
}

/**
 * The optimised constants for state width `t` (2..17).
 *
 * @example
 * const { partialRounds } = poseidonConstants(3); // 57
 */
export function poseidonConstants(t: number): PoseidonConstants {
  const file = constantsFile();
  const index = t - MIN_WIDTH;
  const c = file.C[index];
  const s = file.S[index];
  const m = file.M[index];
  const p = file.P[index];
  const partialRounds = PARTIAL_ROUNDS[index];
  if (c === undefined || s === undefined || m === undefined || p === undefined || partialRounds === undefined) {
    throw new VeritrainError(`Poseidon width t must be an integer in [${MIN_WIDTH}, ${MAX_WIDTH}] (1 to 16 inputs), got ${t}`, {
      code: "POSEIDON_WIDTH_INVALID",
      details: { field: "t", value: t },
    });
  }
  return {
    t,
    partialRounds,
    c: c.map(BigInt),
    s: s.map(BigInt),
    m: m.map((row) => row.map(BigInt)),
    p: p.map((row) => row.map(BigInt)),
  };
}
