import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesToNumberLE } from "@noble/curves/utils.js";
import { VeritrainError } from "../../errors.ts";
import { agreedKeyOfScalar } from "./keyAgreement.ts";
import { addMask } from "./maskExpansion.ts";
import type { SecAggConfig } from "./secAggConfig.ts";
import type { EdwardsPoint } from "./verifiableShares.ts";

const Point = ed25519.Point;

/**
 * The secrets that unmask a round's sum, which the aggregator publishes once it has rebuilt them
 * (docs/secure-aggregation.md §7): b_u of every survivor and the scalar of sk^mask_u (its X25519 scalar mod L) of
 * every participant that cleared the complaints stage and then dropped, 32 bytes little-endian. Never b and the mask
 * key of one participant: the ledger puts each in exactly one set.
 */
export type RoundReveal = { selfMaskSeeds: ReadonlyMap<number, Uint8Array>; maskKeyScalars: ReadonlyMap<number, Uint8Array> };

/** What {@link removeMasks} needs besides the reveal. */
export type MaskedRound = {
  config: SecAggConfig;
  graph: readonly (readonly number[])[];
  /** U3 and C \ U3, each ascending. */
  survivors: readonly number[];
  dropped: readonly number[];
  /** Σ_{u ∈ U3} y_u mod 2^32. */
  maskedSum: Uint32Array;
  /** b_u·B (the C_0 of b_u's sharing) of every survivor. */
  selfMaskPoints: ReadonlyMap<number, EdwardsPoint>;
  /** The mask key's point (its possession proof's A) of every participant of C. */
  maskKeyPoints: ReadonlyMap<number, EdwardsPoint>;
};

function mismatch(owner: number, secret: string): VeritrainError {
  return new VeritrainError(
    `the ${secret} of participant ${owner}, rebuilt from its shares or revealed, is not the scalar its commitment fixes: the reveal was altered; the sum cannot be trusted`,
    { code: "SECAGG_RECONSTRUCTION_MISMATCH", details: { owner, secret } },
  );
}

/** The scalar a secret's 32 bytes hold, if it is below L, not 0, and a·B is `point`. */
function scalarOf(secret: Uint8Array, point: EdwardsPoint): bigint | undefined {
  const scalar = bytesToNumberLE(secret);
  return scalar > 0n && scalar < Point.Fn.ORDER && Point.BASE.multiply(scalar).equals(point) ? scalar : undefined;
}

/**
 * Σ_{u ∈ U3} x_u mod 2^32 from the masked sum: checks each survivor's b_u against b_u·B and subtracts PRG(b_u);
 * for each dropped u and each surviving neighbour v, removes the pairwise mask σ(v, u) · PRG(s_uv) that v added: s_uv
 * from a_u (checked against u's mask key's point) and v's mask key's point (`agreedKeyOfScalar`). The aggregator and
 * every verifier run this same function.
 *
 * @throws VeritrainError `SECAGG_RECONSTRUCTION_MISMATCH` for a secret that is not the scalar its owner committed to.
 * @example
 * const sum = removeMasks(round, reveal);
 */
export function removeMasks(round: MaskedRound, reveal: RoundReveal): Uint32Array {
  const { config, graph } = round;
  const sum = Uint32Array.from(round.maskedSum);
  for (const owner of round.survivors) {
    const seed = reveal.selfMaskSeeds.get(owner)!;
    if (scalarOf(seed, round.selfMaskPoints.get(owner)!) === undefined) throw mismatch(owner, "self-mask seed");
    addMask(sum, seed, -1);
  }
  const surviving = new Set(round.survivors);
  for (const owner of round.dropped) {
    const scalar = scalarOf(reveal.maskKeyScalars.get(owner)!, round.maskKeyPoints.get(owner)!);
    if (scalar === undefined) throw mismatch(owner, "mask key");
    for (const v of graph[owner]!) {
      if (!surviving.has(v)) continue;
      const seed = agreedKeyOfScalar({ config, purpose: "pairwiseMask", scalar, point: round.maskKeyPoints.get(v)!, between: [owner, v] });
      addMask(sum, seed, v < owner ? -1 : 1);
    }
  }
  return sum;
}
