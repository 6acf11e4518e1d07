import { x25519 } from "@noble/curves/ed25519.js";
import { equalBytes } from "@noble/curves/utils.js";
import { VeritrainError } from "../../errors.ts";
import { agreedKey, selfMaskCommitment } from "./keyAgreement.ts";
import { addMask } from "./maskExpansion.ts";
import type { SecAggConfig } from "./secAggConfig.ts";

/**
 * The secrets that unmask a round's sum, which the aggregator publishes once it has rebuilt them
 * (docs/secure-aggregation.md §7): b_u of every survivor, sk^mask_u of every participant that shared and
 * then dropped. Never both for one participant: the ledger puts each in exactly one set.
 */
export type RoundReveal = { selfMaskSeeds: ReadonlyMap<number, Uint8Array>; maskSecretKeys: ReadonlyMap<number, Uint8Array> };

/** What {@link removeMasks} needs besides the reveal. */
export type MaskedRound = {
  config: SecAggConfig;
  graph: readonly (readonly number[])[];
  /** U3 and U2 \ U3, each ascending. */
  survivors: readonly number[];
  dropped: readonly number[];
  /** Σ_{u ∈ U3} y_u mod 2^32. */
  maskedSum: Uint32Array;
  /** C_u of every survivor. */
  commitments: ReadonlyMap<number, Uint8Array>;
  /** pk^mask of every participant of U2. */
  maskPublicKeys: ReadonlyMap<number, Uint8Array>;
};

function mismatch(owner: number, secret: string, published: string): VeritrainError {
  return new VeritrainError(
    `the ${secret} of participant ${owner}, rebuilt from its shares or revealed, does not match its ${published}: a share or the reveal was altered; the sum cannot be trusted`,
    { code: "SECAGG_RECONSTRUCTION_MISMATCH", details: { owner, secret } },
  );
}

/**
 * Σ_{u ∈ U3} x_u mod 2^32 from the masked sum: checks each survivor's b_u against C_u and subtracts PRG(b_u);
 * checks each dropped u's sk^mask_u against pk^mask_u and, for each surviving neighbour v, removes the
 * pairwise mask σ(v, u) · PRG(s_uv) that v added. The aggregator and every verifier run this same function.
 *
 * @throws VeritrainError `SECAGG_RECONSTRUCTION_MISMATCH` for a secret that misses what its owner published.
 * @example
 * const sum = removeMasks(round, reveal);
 */
export function removeMasks(round: MaskedRound, reveal: RoundReveal): Uint32Array {
  const { config, graph } = round;
  const sum = Uint32Array.from(round.maskedSum);
  for (const owner of round.survivors) {
    const seed = reveal.selfMaskSeeds.get(owner)!;
    if (!equalBytes(selfMaskCommitment(config, owner, seed), round.commitments.get(owner)!)) throw mismatch(owner, "self-mask seed", "commitment");
    addMask(sum, seed, -1);
  }
  const surviving = new Set(round.survivors);
  for (const owner of round.dropped) {
    const secretKey = reveal.maskSecretKeys.get(owner)!;
    if (!equalBytes(x25519.getPublicKey(secretKey), round.maskPublicKeys.get(owner)!)) throw mismatch(owner, "mask secret key", "public key");
    for (const v of graph[owner]!) {
      if (!surviving.has(v)) continue;
      const seed = agreedKey({ config, purpose: "pairwiseMask", secretKey, publicKey: round.maskPublicKeys.get(v)!, between: [owner, v] });
      addMask(sum, seed, v < owner ? -1 : 1);
    }
  }
  return sum;
}
