import { AGGREGATE_SLOT } from "../../../keepers/src/roundJobs/roundJobStatus.ts";
import type { RoundDisputeData } from "./roundJobQuery.ts";

/**
 * What a round dispute accuses: a slot's update, or the round's aggregate (slot 255).
 *
 * @example
 * disputeSubject(255); // "the aggregate"
 */
export function disputeSubject(slot: number): string {
  return slot === AGGREGATE_SLOT ? "the aggregate" : `slot ${slot}'s update`;
}

/**
 * A round dispute's verdict in a sentence: the accused was wrong (and what followed) or the
 * challenger was.
 *
 * @example
 * roundVerdict({ slot: 1, providerWrong: true }); // "slot 1's update was wrong: …"
 */
export function roundVerdict({ slot, providerWrong }: { slot: number; providerWrong: boolean }): string {
  if (!providerWrong) return `the challenger was wrong: ${disputeSubject(slot)} stands`;
  return slot === AGGREGATE_SLOT
    ? "the aggregate was wrong: its aggregator was slashed and the aggregate voided"
    : `${disputeSubject(slot)} was wrong: the slot was slashed and dropped, the round aggregated without it`;
}

/** The coordinate AggregateRefuted names for a refuted header or length (IAggregateReferee's `HEADER`). */
const HEADER = 2n ** 32n - 1n;

/**
 * Who decides a round dispute when no committee does, in a sentence; undefined when a committee does. A dispute
 * without a claimed hash is one of availability: the accused publishes its blob on-chain by the deadline or loses. A
 * dispute of the aggregate of a job whose order commits its aggregation program (`refereed`) goes to the aggregate
 * referee (docs/dispute-game.md §5, §7).
 *
 * @example
 * roundDecider({ slot: 255, claimedHash: "0x12…", refereed: true }); // "none: the aggregate referee …"
 */
export function roundDecider({ slot, claimedHash, refereed }: { slot: number; claimedHash: string; refereed: boolean }): string | undefined {
  if (/^0x0+$/.test(claimedHash)) {
    return `none: an availability dispute, ${slot === AGGREGATE_SLOT ? "the aggregator" : "the slot"} publishes the blob on-chain by the deadline or loses`;
  }
  if (slot === AGGREGATE_SLOT && refereed) return "none: the aggregate referee recomputes one coordinate on-chain from proven words";
  return undefined;
}

/** A binary32 word as its value and its bits, e.g. "0.5 (0x3f000000)". */
function word(bits: bigint): string {
  const value = new Float32Array(Uint32Array.of(Number(bits)).buffer)[0]!;
  return `${Object.is(value, -0) ? "-0" : String(value)} (0x${bits.toString(16).padStart(8, "0")})`;
}

/** One side of a refuted coordinate, (parameter << 32 | momentum): the parameter, and the momentum when either side has one. */
function coordinateWords(pair: bigint, momentum: boolean): string {
  return `parameter ${word(pair >> 32n)}${momentum ? `, momentum ${word(pair & 0xffffffffn)}` : ""}`;
}

/**
 * The aggregate referee's side of a refereed dispute, in a sentence: its refutation (the coordinate, what was posted and
 * what the recomputation gives; or the header), else the challenger's evidence so far; undefined before any.
 *
 * @example
 * refereeEvidence({ evidenceCoordinate: "5000", wordsProven: 3, refutations: [] }); // "3 words proven for coordinate 5000 …"
 */
export function refereeEvidence({ evidenceCoordinate, wordsProven, refutations }: Pick<RoundDisputeData, "evidenceCoordinate" | "wordsProven" | "refutations">): string | undefined {
  const [refuted] = refutations;
  if (refuted !== undefined) {
    const coordinate = BigInt(refuted.coordinate);
    if (coordinate === HEADER) return "refuted from the posted global model's header or length";
    const [posted, computed] = [BigInt(refuted.posted), BigInt(refuted.computed)];
    const momentum = ((posted | computed) & 0xffffffffn) !== 0n;
    const sentence = `refuted at coordinate ${coordinate}: posted ${coordinateWords(posted, momentum)}; the referee computes ${coordinateWords(computed, momentum)}`;
    return posted === computed ? `${sentence} (not finite: no global model holds NaN or ±∞)` : sentence;
  }
  if (evidenceCoordinate === null) return undefined;
  return `${wordsProven} word${wordsProven === 1 ? "" : "s"} proven for coordinate ${evidenceCoordinate}, not yet decided`;
}
