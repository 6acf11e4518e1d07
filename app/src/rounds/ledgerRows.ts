import type { Hex } from "viem";
import type { OwnerCommitmentData, SecAggPostData } from "./roundJobQuery.ts";

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
  unmask: LedgerPost | undefined;
};

const STAGE_FIELD = { Keys: "keys", Shares: "shares", Unmask: "unmask" } as const;

/**
 * A private-data job's ledger by round and slot, in that order: each slot's owner commitments and its keys,
 * shares and unmask posts (digest and size), for every (round, slot) with at least one of them.
 *
 * @example
 * const rows = ledgerRows({ posts: data.secAggPosts, commitments: data.ownerCommitments });
 */
export function ledgerRows({ posts, commitments }: { posts: readonly SecAggPostData[]; commitments: readonly OwnerCommitmentData[] }): LedgerRow[] {
  const rows = new Map<string, LedgerRow>();
  const rowOf = (round: number, slot: number) => {
    const key = `${round}/${slot}`;
    let row = rows.get(key);
    if (row === undefined) {
      row = { round, slot, owner: undefined, keys: undefined, shares: undefined, unmask: undefined };
      rows.set(key, row);
    }
    return row;
  };
  for (const { round, slot, dataRoot, noiseSeedCommitment } of commitments) rowOf(round.number, slot.number).owner = { dataRoot, noiseSeedCommitment };
  for (const { round, slot, stage, digest, message } of posts) rowOf(round.number, slot.number)[STAGE_FIELD[stage]] = { digest, bytes: (message.length - 2) / 2 };
  return [...rows.values()].sort((a, b) => a.round - b.round || a.slot - b.slot);
}
