import { Link } from "wouter";
import { Countdown } from "../jobs/Countdown.tsx";
import { useSubgraph } from "../subgraph/useSubgraph.ts";
import { AccountLink } from "../ui/format.tsx";
import { QueryState } from "../ui/QueryState.tsx";
import { phaseDeadline, roundProgress } from "./roundProgress.ts";
import { ROUND_JOBS_QUERY, type RoundJobRow } from "./roundJobQuery.ts";

/**
 * Every distributed (round) job, newest first, live from the subgraph: status, P slots × R
 * rounds, the round under way, dataset, consumer and the current phase's countdown.
 *
 * @example
 * <RoundJobsTable now={useChainNow()} />
 */
export function RoundJobsTable({ now }: { now: number }) {
  const jobs = useSubgraph<{ roundJobs: RoundJobRow[] }>(ROUND_JOBS_QUERY, {}, { live: true });
  return (
    <QueryState query={jobs}>
      {({ roundJobs }) => roundJobs.length === 0 ? <p>No distributed job yet.</p> : (
        <table data-testid="round-jobs-table">
          <thead>
            <tr><th scope="col">Job</th><th scope="col">Status</th><th scope="col">Slots × rounds</th><th scope="col">Progress</th><th scope="col">Dataset</th><th scope="col">Consumer</th><th scope="col">Deadline</th></tr>
          </thead>
          <tbody>
            {roundJobs.map((job) => (
              <tr key={job.id} data-testid="round-job-row">
                <td><Link href={`/round-jobs/${job.id}`}>Round job {job.id}</Link></td>
                <td><span className={`badge status-${job.status}`}>{job.status}</span></td>
                <td>{job.slotCount} × {job.roundCount}</td>
                <td>{roundProgress(job)}</td>
                <td><Link href={`/datasets/${job.dataset.id}`}>Dataset {job.dataset.id}</Link></td>
                <td><AccountLink address={job.consumer} /></td>
                <td>{phaseDeadline(job.status) === undefined ? "–" : <Countdown deadline={Number(job.deadline)} now={now} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </QueryState>
  );
}
