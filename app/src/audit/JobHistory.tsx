import { QueryState } from "../ui/QueryState.tsx";
import { HistoryTable } from "./HistoryTable.tsx";
import { useAuditTrail } from "./useAuditTrail.ts";

/**
 * A job's full history, oldest first — posted, bids, auction settled, result, challenges,
 * committee, verdicts, slashes, finalization, payment and refunds — as `veritrain audit job`
 * reconstructs it from the subgraph (its own live query: drop it into any page).
 *
 * @example
 * <JobHistory id="1" />
 */
export function JobHistory({ id }: { id: string }) {
  const trail = useAuditTrail({ kind: "job", id });
  return (
    <section aria-labelledby={`job-history-${id}`} data-testid="job-history">
      <h2 id={`job-history-${id}`}>History of job {id}</h2>
      <QueryState query={trail}>
        {({ history }) => <HistoryTable entries={history} caption={`${history.length} events, oldest first`} testId="job-history-event" />}
      </QueryState>
    </section>
  );
}
