import { encodeAbiParameters, hexToBigInt, keccak256 } from "viem";
import { VeritrainError } from "../errors.ts";

/** Parameters of {@link randomDraw}. */
export type RandomDrawParameters = {
  /** The VRF word the draw is keyed by. */
  seed: bigint;
  /** Size of the list drawn from. */
  count: number;
  /** How many distinct indices to draw (<= count). */
  size: number;
};

/**
 * The first `size` positions of the seeded partial Fisher–Yates shuffle of [0, count): the
 * same draw as the Solidity `RandomDraw.distinctIndices` that draws validator committees, so
 * anyone can recompute a committee from the seed in its event and the list at that block.
 * (Column placements use the bounded `placementDraw` of `./placementDraw.ts` instead.)
 *
 * @example
 * const members = randomDraw({ seed, count: validators.length, size: 9 }).map((i) => validators[i]);
 */
export function randomDraw({ seed, count, size }: RandomDrawParameters): number[] {
  if (!Number.isInteger(size) || size < 0 || size > count) {
    throw new VeritrainError(`size must be an integer in [0, count=${count}], got ${size}`, {
      code: "RANDOM_DRAW_INVALID_SIZE",
      details: { field: "size", value: size, count },
    });
  }
  const order = Array.from({ length: count }, (_, i) => i);
  const picked: number[] = [];
  for (let i = 0; i < size; i++) {
    const word = hexToBigInt(keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [seed, BigInt(i)])));
    const j = i + Number(word % BigInt(count - i));
    [order[i], order[j]] = [order[j]!, order[i]!];
    picked.push(order[i]!);
  }
  return picked;
}
