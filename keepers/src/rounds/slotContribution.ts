import type { Hex } from "viem";
import type { ImageSet } from "../training/mnist.ts";
import { localUpdate } from "./localUpdate.ts";
import type { PreparedRoundJob } from "./preparedRoundJob.ts";
import { compressUpdate } from "./updateCompression.ts";
import { contributionDigest, encodeUpdate } from "./updateEncoding.ts";

/** Parameters of {@link slotContribution}. */
export type SlotContributionParameters = {
  job: PreparedRoundJob;
  slot: number;
  round: number;
  /** The round's global parameters (not modified). */
  global: Float32Array;
  /** With compression: the slot's residual after the previous round (undefined in round 0: all +0). */
  residual: Float32Array | undefined;
  threads: number;
  signal?: AbortSignal;
  /** A data owner's examples and DP noise seed (a private-data job, updates in the clear); default: the slot's part. */
  owned?: { set: ImageSet; noiseSeed: bigint | undefined };
};

/** What a slot publishes and commits for a round. */
export type SlotContribution = {
  /** The update blob (a raw IPFS block). */
  updateBytes: Uint8Array;
  /** With compression: the residual blob, published beside the update. */
  residualBytes: Uint8Array | undefined;
  /** The on-chain commitment (`contributionDigest`). */
  digest: Hex;
  /** The dense vector the aggregator decodes from `updateBytes`. */
  transmitted: Float32Array;
  /** With compression: the residual the slot carries to its next round. */
  residual: Float32Array | undefined;
};

/**
 * Slot `slot`'s contribution to round `round`: its {@link localUpdate} on its part (or its owner's examples), encoded
 * dense, or compressed with error feedback when the spec asks for it. Anyone holding the round's
 * global model (and the slot's previous residual) re-executes it bit for bit.
 *
 * @example
 * const { updateBytes, digest } = await slotContribution({ job, slot: 1, round: 0, global, residual: undefined, threads: 2 });
 */
export async function slotContribution({ job, slot, round, global, residual, threads, signal, owned }: SlotContributionParameters): Promise<SlotContribution> {
  const update = await localUpdate({ job, set: owned?.set ?? job.parts[slot]!, round, global, threads, signal, noiseSeed: owned?.noiseSeed });
  return encodeContribution({ job, slot, round, update, residual });
}

/**
 * What slot `slot` publishes and commits for `update`, its dense local update of round `round`: the update encoded
 * dense, or compressed with error feedback from `residual` when the spec asks for it.
 *
 * @example
 * const { digest } = encodeContribution({ job, slot: 1, round: 0, update, residual: undefined });
 */
export function encodeContribution({ job, slot, round, update, residual }: Pick<SlotContributionParameters, "job" | "slot" | "round" | "residual"> & { update: Float32Array }): SlotContribution {
  const compression = job.config.compression;
  if (compression === undefined) {
    const updateBytes = encodeUpdate({ round, slot, size: update.length, payload: { encoding: "denseF32", values: update } });
    return { updateBytes, residualBytes: undefined, digest: contributionDigest(updateBytes), transmitted: update, residual: undefined };
  }
  const compressed = compressUpdate({ round, slot, update, residual: residual ?? new Float32Array(update.length), compression });
  return {
    updateBytes: compressed.bytes,
    residualBytes: compressed.residualBytes,
    digest: contributionDigest(compressed.bytes),
    transmitted: compressed.transmitted,
    residual: compressed.residual,
  };
}
