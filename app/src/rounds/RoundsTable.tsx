import { AccountLink, Time } from "../ui/format.tsx";
import { RawBlockLink } from "../ui/RawBlockLink.tsx";
import type { RoundRow } from "./roundRows.ts";

const list = (slots: number[]) => (slots.length === 0 ? "none" : slots.join(", "));

/**
 * A round job's rounds, oldest first: when each started, its training deadline and close, its
 * aggregation deadline, the current aggregate (global model digest linked by its raw-block CID,
 * who posted it, the slots it includes), completion with the slots that earned the round, and
 * how many aggregates were voided.
 *
 * @example
 * <RoundsTable rows={roundRows({ … })} />
 */
export function RoundsTable({ rows }: { rows: readonly RoundRow[] }) {
  return (
    <table className="compact" data-testid="rounds-table">
      <thead>
        <tr>
          <th scope="col">Round</th><th scope="col">Started</th><th scope="col">Training deadline</th><th scope="col">Training</th><th scope="col">Aggregation deadline</th>
          <th scope="col">Aggregate</th><th scope="col">Aggregator</th><th scope="col">Included slots</th><th scope="col">Completed</th><th scope="col">Earned by</th><th scope="col">Voided aggregates</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((round) => (
          <tr key={round.number} data-testid="round-row" data-round={round.number} data-aggregate={round.aggregateDigest ?? ""} data-included={round.includedSlots.join(",")} data-earned={round.earnedSlots.join(",")}>
            <td>{round.number}</td>
            <td><Time seconds={round.startedAt} /></td>
            <td><Time seconds={round.trainingDeadline} /></td>
            <td>{round.closed ? "closed" : "open"}</td>
            <td><Time seconds={round.aggregationDeadline} /></td>
            <td>{round.aggregateDigest === null ? "not posted" : <RawBlockLink digest={round.aggregateDigest} short />}</td>
            <td><AccountLink address={round.aggregator} /></td>
            <td>{round.aggregateDigest === null ? "–" : list(round.includedSlots)}</td>
            <td className={round.completed ? "ok" : undefined}>{round.completed ? "yes" : "no"}</td>
            <td>{round.completed ? list(round.earnedSlots) : "–"}</td>
            <td>{round.voidedAggregates}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
