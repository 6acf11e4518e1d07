import { setBits } from "../../../keepers/src/chain/setBits.ts";

/** An audit round as the dataset page reads it from the subgraph. */
export type ChartRound = {
  number: string;
  status: "Requested" | "Open" | "Closed";
  audited: string | null;
  proofs: { outcome: "Accepted" | "Rejected" | "Missed" }[];
};

/** One bar group of the proofs chart: a round's audited columns by outcome. */
export type RoundBar = {
  round: number;
  audited: number;
  accepted: number;
  /** Missed at the round's close, or rejected by the verifier: both fault the column. */
  missed: number;
  /** Audited columns of an open round with no proof yet. */
  pending: number;
};

/**
 * The proofs chart's data: per round, oldest first, how many audited columns were proved, missed
 * (or rejected) and, while the round is open, are still owed.
 *
 * @example
 * roundChartData([{ number: "1", status: "Closed", audited: "7", proofs: [{ outcome: "Accepted" }, …] }]);
 */
export function roundChartData(rounds: readonly ChartRound[]): RoundBar[] {
  return [...rounds]
    .sort((a, b) => Number(a.number) - Number(b.number))
    .map((round) => {
      const audited = setBits(round.audited).length;
      const accepted = round.proofs.filter((proof) => proof.outcome === "Accepted").length;
      const missed = round.proofs.length - accepted;
      return { round: Number(round.number), audited, accepted, missed, pending: round.status === "Open" ? Math.max(0, audited - accepted - missed) : 0 };
    });
}

/**
 * The chart in one sentence, for its `aria-label`: totals and each round's counts.
 *
 * @example
 * chartSummary([{ round: 1, audited: 3, accepted: 3, missed: 0, pending: 0 }]);
 * // "Proofs per audit round, 1 round: 3 accepted, 0 missed. Round 1: 3 accepted, 0 missed."
 */
export function chartSummary(bars: readonly RoundBar[]): string {
  const sum = (key: "accepted" | "missed") => bars.reduce((total, bar) => total + bar[key], 0);
  const rounds = bars.map((bar) => `Round ${bar.round}: ${bar.accepted} accepted, ${bar.missed} missed${bar.pending > 0 ? `, ${bar.pending} pending` : ""}.`);
  return [`Proofs per audit round, ${bars.length} round${bars.length === 1 ? "" : "s"}: ${sum("accepted")} accepted, ${sum("missed")} missed.`, ...rounds].join(" ");
}
