import { encodeAbiParameters, hexToBigInt, keccak256, zeroAddress, type Address } from "viem";
import { VeritrainError } from "../errors.ts";

/** One entry of ValidatorCommittee's validator list, as `validators()` returns it (all zero: a slot emptied by a release). */
export type CommitteeDrawEntry = {
  account: Address;
  /** Block timestamp of the validator's `join`. */
  joinedAt: number;
  /** Block timestamp of its `exit`; 0 while active. */
  leftAt: number;
};

/** Parameters of {@link committeeDraw}. */
export type CommitteeDrawParameters = {
  /** The VRF word of `CommitteeDrawn` (or `CommitteeDrawUnfinished`). */
  seed: bigint;
  /** The validator list, in list order (`validators()` at any block after the request's second and before `requestedAt` + `exitDelay`: entries never move, and those that fill emptied slots later are not eligible). */
  entries: readonly CommitteeDrawEntry[];
  /** The list's length at the request (`requestOf(disputeId).range`). */
  range: number;
  /** Block timestamp of `CommitteeRequested` (`requestOf(disputeId).requestedAt`). */
  requestedAt: number;
  /** Seats (`config().size`). */
  size: number;
};

/**
 * The committee ValidatorCommittee draws for a dispute: the same rule as the Solidity
 * `CommitteeDraw.draw` (spelled out in `IValidatorCommittee`), so anyone can recompute a committee
 * from the seed, the request and the validator list. A partial Fisher–Yates shuffle of the first
 * `range` positions keyed by `keccak256(abi.encode(seed, i))` that keeps the validators eligible at
 * `requestedAt` (joined at or before it, not left at or before it), in the order picked, until `size` are
 * picked or every position is visited (the VRF callback runs the first `4 · size` steps, `continueDraw` the
 * rest when they do not finish: the committee is the same).
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
  if (range > entries.length) {
    throw new VeritrainError(`range ${range} exceeds the list's ${entries.length} entries: the list never shrinks, so it is not the list of this request's chain`, {
      code: "COMMITTEE_DRAW_INVALID",
      details: { field: "range", value: range },
    });
  }
  const order = new Map<number, number>();
  const at = (position: number) => order.get(position) ?? position;
  const members: Address[] = [];
  for (let i = 0; i < range && members.length < size; i++) {
    const word = hexToBigInt(keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [seed, BigInt(i)])));
    const j = i + Number(word % BigInt(range - i));
    const [atI, atJ] = [at(i), at(j)];
    order.set(i, atJ);
    order.set(j, atI);
    const entry = entries[atJ]!;
    if (entry.account !== zeroAddress && entry.joinedAt <= requestedAt && (entry.leftAt === 0 || entry.leftAt > requestedAt)) members.push(entry.account);
  }
  return members;
}
