import type { Hex } from "viem";
import type { NoiseSeedOpeningData, OwnerCommitmentData, SecAggPostData, SecAggRecoveryData } from "./roundJobQuery.ts";

/** A slot's post of one stage: the message's SHA-256 and its length in bytes. */
export type LedgerPost = { digest: Hex; bytes: number };

/** What one slot put on the ledger in one round of a private-data job. */
export type LedgerRow = {
  round: number;
  slot: number;
  /** Its commitments, made before its update (absent if it made none this round). */
  owner: { dataRoot: Hex; noiseSeedCommitment: Hex } | undefined;
  keys: LedgerPost | undefined;
  shares: LedgerPost | undefined;
  /** Its complaints about neighbours whose share envelopes failed (posted even when it has none). */
  complaints: LedgerPost | undefined;
  unmask: LedgerPost | undefined;
  /** Its recovery answers for neighbours out of the sum (its share of the owner's mask key), by owner slot ascending. */
  recoveries: (LedgerPost & { owner: number })[];
  /** Its noise seed opened to disputes' committees (an update in the clear, disputed), in the chain's order. */
  openings: LedgerPost[];
};

/** Parameters of {@link ledgerRows}: the subgraph's ledger entities of one job. */
export type LedgerRowsParameters = {
  posts: readonly SecAggPostData[];
  recoveries: readonly SecAggRecoveryData[];
  commitments: readonly OwnerCommitmentData[];
  openings: readonly NoiseSeedOpeningData[];
};

const STAGE_FIELD = { Keys: "keys", Shares: "shares", Complaints: "complaints", Unmask: "unmask" } as const;
const bytesOf = (message: Hex) => (message.length - 2) / 2;

/**
 * A private-data job's ledger by round and slot, in that order: each slot's owner commitments, its keys, shares,
 * complaints and unmask posts, its recovery shares and its noise-seed openings (digest and size), for every (round,
 * slot) with at least one of them.
 *
 * @example
 * const rows = ledgerRows({ posts: data.secAggPosts, recoveries: data.secAggRecoveries, commitments: data.ownerCommitments, openings: data.noiseSeedOpenings });
 */
export function ledgerRows({ posts, recoveries, commitments, openings }: LedgerRowsParameters): LedgerRow[] {
  const rows = new Map<string, LedgerRow>();
  const rowOf = (round: number, slot: number) => {
    const key = `${round}/${slot}`;
    let row = rows.get(key);
    if (row === undefined) {
      row = { round, slot, owner: undefined, keys: undefined, shares: undefined, complaints: undefined, unmask: undefined, recoveries: [], openings: [] };
      rows.set(key, row);
    }
    return row;
  };
  for (const { round, slot, dataRoot, noiseSeedCommitment } of commitments) rowOf(round.number, slot.number).owner = { dataRoot, noiseSeedCommitment };
  for (const { round, slot, stage, digest, message } of posts) rowOf(round.number, slot.number)[STAGE_FIELD[stage]] = { digest, bytes: bytesOf(message) };
  for (const { round, owner, slot, digest, message } of recoveries) rowOf(round.number, slot.number).recoveries.push({ owner: owner.number, digest, bytes: bytesOf(message) });
  for (const { round, slot, digest, envelopes } of openings) rowOf(round.number, slot.number).openings.push({ digest, bytes: bytesOf(envelopes) });
  const sorted = [...rows.values()].sort((a, b) => a.round - b.round || a.slot - b.slot);
  for (const row of sorted) row.recoveries.sort((a, b) => a.owner - b.owner);
  return sorted;
}
