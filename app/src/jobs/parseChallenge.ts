import type { Hex } from "viem";

/** A challenge as typed: the checkpoint index and the hash the challenger's re-execution found. */
export type ChallengeForm = { checkpointIndex: string; claimedHash: string };

/**
 * Checks a challenge before anything is signed: the index is a checkpoint of the result
 * (0 … `checkpointCount` − 1, when the job's spec is known; any uint64 otherwise), the hash 32
 * bytes of hex (as `veritrain` prints it) and not zero (Disputes refuses the zero hash).
 *
 * @example
 * const { value, errors } = parseChallenge({ checkpointIndex: "3", claimedHash: "0xab…" }, 5);
 */
export function parseChallenge(form: ChallengeForm, checkpointCount?: number): { value?: { checkpointIndex: bigint; claimedHash: Hex }; errors: Partial<Record<keyof ChallengeForm, string>> } {
  const errors: Partial<Record<keyof ChallengeForm, string>> = {};
  const index = form.checkpointIndex.trim();
  const last = checkpointCount === undefined ? 2n ** 64n - 1n : BigInt(checkpointCount - 1);
  if (!/^\d+$/.test(index)) errors.checkpointIndex = "Enter the checkpoint index as a whole number.";
  else if (BigInt(index) > last) errors.checkpointIndex = checkpointCount === undefined ? "The index is too large (uint64)." : `This result has checkpoints 0 to ${last}.`;
  const hash = form.claimedHash.trim().toLowerCase();
  if (!/^0x[0-9a-f]{64}$/.test(hash)) errors.claimedHash = "Enter the hash as 0x followed by 64 hex digits (32 bytes).";
  else if (/^0x0{64}$/.test(hash)) errors.claimedHash = "The hash must not be zero.";
  if (Object.keys(errors).length > 0) return { errors };
  return { value: { checkpointIndex: BigInt(index), claimedHash: hash as Hex }, errors };
}
