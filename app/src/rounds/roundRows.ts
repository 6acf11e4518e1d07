import type { Hex } from "viem";
import { setBits } from "../../../keepers/src/chain/setBits.ts";
import type { ContributionData, RoundDisputeData, RoundSlotData, TrainingRoundData } from "./roundJobQuery.ts";

/**
 * A slot's part in one round: its committed update (found wrong by a dispute, or not), no update
 * by the closed training deadline, an update still due, or nothing because it left the job earlier.
 */
export type ContributionCell =
  | { slot: number; state: "committed"; digest: Hex; at: number; transactionHash: string; foundWrong: boolean }
  | { slot: number; state: "missing" | "due" | "gone" };

/** A round as the round job page shows it: its facts, slot lists from its bitmaps, every slot's cell and its disputes. */
export type RoundRow = Omit<TrainingRoundData, "includedSlots" | "earnedSlots"> & {
  /** Slots the current aggregate includes (none before one is posted). */
  includedSlots: number[];
  /** Slots that earned the round (none before it completed). */
  earnedSlots: number[];
  /** One cell per slot, slot order. */
  contributions: ContributionCell[];
  disputes: RoundDisputeData[];
};

/** Parameters of {@link roundRows}. */
export type RoundRowsParameters = {
  slots: readonly RoundSlotData[];
  rounds: readonly TrainingRoundData[];
  contributions: readonly ContributionData[];
  disputes: readonly RoundDisputeData[];
  /** The job reached a terminal status: an update not committed by then never will be. */
  ended: boolean;
};

/**
 * A round job's rounds, oldest first, each with its slots' contributions: committed (with the
 * digest, hence the update's raw-block CID), missing (training closed without it, or the job
 * ended), due (training still open) or gone (the slot was dropped in an earlier round).
 *
 * @example
 * const rows = roundRows({ slots: job.slots, rounds: job.rounds, contributions: data.roundContributions, disputes: job.disputes, ended: false });
 * rows[0].contributions; // [{ slot: 0, state: "committed", digest: "0x…", … }, { slot: 1, state: "due" }]
 */
export function roundRows({ slots, rounds, contributions, disputes, ended }: RoundRowsParameters): RoundRow[] {
  return [...rounds].sort((a, b) => a.number - b.number).map((round) => ({
    ...round,
    includedSlots: setBits(round.includedSlots),
    earnedSlots: setBits(round.earnedSlots),
    disputes: disputes.filter((d) => d.round.number === round.number),
    contributions: [...slots].sort((a, b) => a.number - b.number).map((slot): ContributionCell => {
      const committed = contributions.find((c) => c.round.number === round.number && c.slot.number === slot.number);
      if (committed !== undefined) {
        const foundWrong = slot.droppedReason === "FoundWrong" && slot.droppedRound?.number === round.number;
        return { slot: slot.number, state: "committed", digest: committed.digest, at: Number(committed.blockTimestamp), transactionHash: committed.transactionHash, foundWrong };
      }
      if (slot.droppedRound !== null && slot.droppedRound.number < round.number) return { slot: slot.number, state: "gone" };
      return { slot: slot.number, state: round.closed || ended ? "missing" : "due" };
    }),
  }));
}
