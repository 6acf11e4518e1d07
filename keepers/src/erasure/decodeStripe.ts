import { VeritrainError } from "../errors.ts";
import { assertShardLengths } from "./assertShardLengths.ts";
import { assertStripeCounts } from "./assertStripeCounts.ts";
import { invertMatrix } from "./invertMatrix.ts";
import { multiplyShards } from "./multiplyShards.ts";
import { parityMatrix } from "./parityMatrix.ts";

/** Parameters of {@link decodeStripe}. */
export type DecodeStripeParameters = {
  /** All n shard slots of the stripe in order (data 0..k−1, then parity); `undefined` = lost. */
  shards: readonly (Uint8Array | undefined)[];
  /** k, the number of data shards. */
  k: number;
};

/**
 * Returns the k data shards of a stripe from any k of its n shards. Present data shards are
 * returned as given (same objects); lost ones are rebuilt from the first k present shards, by
 * inverting their rows of the generator matrix.
 *
 * @example
 * const data = decodeStripe({ shards: [undefined, d1, d2, ...rest], k: 8 }); // rebuilds shard 0
 */
export function decodeStripe({ shards, k }: DecodeStripeParameters): Uint8Array[] {
  if (!Array.isArray(shards)) {
    throw new VeritrainError("shards must be an array of n slots (Uint8Array or undefined)", {
      code: "ERASURE_STRIPE_INVALID",
      details: { field: "shards" },
    });
  }
  assertStripeCounts({ dataCount: k, parityCount: shards.length - k, fields: { dataCount: "k", parityCount: "shards.length - k" } });
  const present = shards.flatMap((shard, index) => (shard === undefined ? [] : [index]));
  if (present.length < k) {
    throw new VeritrainError(`fewer than k shards: ${present.length} present, ${k} needed`, {
      code: "ERASURE_TOO_FEW_SHARDS",
      details: { present: present.length, needed: k, n: shards.length },
    });
  }
  assertShardLengths({ shards, field: "shards" });

  const lost = Array.from({ length: k }, (_, i) => i).filter((i) => shards[i] === undefined);
  if (lost.length === 0) return shards.slice(0, k) as Uint8Array[];

  // The first k present shards, by index, so the result does not depend on which extra shards arrived.
  const used = present.slice(0, k);
  const parity = parityMatrix({ dataCount: k, parityCount: shards.length - k });
  const rows = new Uint8Array(k * k);
  used.forEach((index, row) => {
    if (index < k) rows[row * k + index] = 1;
    else rows.set(parity.subarray((index - k) * k, (index - k + 1) * k), row * k);
  });
  const inverse = invertMatrix({ matrix: rows, size: k });
  const coefficients = new Uint8Array(lost.length * k);
  lost.forEach((dataIndex, row) => coefficients.set(inverse.subarray(dataIndex * k, (dataIndex + 1) * k), row * k));
  const rebuilt = multiplyShards({ coefficients, inputs: used.map((index) => shards[index]!) });

  let next = 0;
  return Array.from({ length: k }, (_, i) => shards[i] ?? rebuilt[next++]!);
}
