import { encodeAbiParameters, hexToBigInt, keccak256, type Address } from "viem";
import { VeritrainError } from "../errors.ts";

/** One entry of ValidatorCommittee's validator list, as `validators()` returns it. */
export type CommitteeDrawEntry = {
  account: Address;
  /** Block timestamp of the validator's `join`. */
  joinedAt: number;
  /** Block timestamp of its `exit`; 0 while active. */
  leftAt: number;
};

/** Parameters of {@link committeeDraw}. */
export type CommitteeDrawParameters = {
  /** The VRF word of `CommitteeDrawn`. */
  seed: bigint;
  /** The validator list at the VRF answer, in list order (`validators()` at the block before `CommitteeDrawn`). */
  entries: readonly CommitteeDrawEntry[];
  /** The list's length at the request (`requestOf(disputeId).range`). */
  range: number;
  /** Block timestamp of `CommitteeRequested` (`requestOf(disputeId).requestedAt`). */
  requestedAt: number;
  /** Seats (`config().size`). */
  size: number;
};

/** Positions visited at most per seat (`CommitteeDraw.VISITS_PER_SEAT`). */
export const VISITS_PER_SEAT = 4;

/**
 * The committee ValidatorCommittee draws for a dispute: the same rule as the Solidity
 * `CommitteeDraw.draw` (spelled out in `IValidatorCommittee`), so anyone can recompute a committee
 * from the seed, the request and the validator list. A partial Fisher–Yates shuffle of the first
 * `min(range, entries.length)` positions keyed by `keccak256(abi.encode(seed, i))`, visiting at most
 * `4 · size` positions and keeping the validators eligible at `requestedAt` (joined at or before it,
 * not left at or before it), in the order picked.
 *
 * @example
 * const members = committeeDraw({ seed, entries: await committee.read.validators(), range: Number(request.range), requestedAt: request.requestedAt, size: 9 });
 */
export function committeeDraw({ seed, entries, range, requestedAt, size }: CommitteeDrawParameters): Address[] {
  for (const [field, value] of [["range", range], ["requestedAt", requestedAt], ["size", size]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new VeritrainError(`${field} must be a non-negative integer, got ${value}`, { code: "COMMITTEE_DRAW_INVALID", details: { field, value } });
    }
  }
  const n = Math.min(range, entries.length);
  const visits = Math.min(n, VISITS_PER_SEAT * size);
  const order = new Map<number, number>();
  const at = (position: number) => order.get(position) ?? position;
  const members: Address[] = [];
  for (let i = 0; i < visits && members.length < size; i++) {
    const word = hexToBigInt(keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [seed, BigInt(i)])));
    const j = i + Number(word % BigInt(n - i));
    const [atI, atJ] = [at(i), at(j)];
    order.set(i, atJ);
    order.set(j, atI);
    const entry = entries[atJ]!;
    if (entry.joinedAt <= requestedAt && (entry.leftAt === 0 || entry.leftAt > requestedAt)) members.push(entry.account);
  }
  return members;
}
