import { useId, useState } from "react";
import { Link } from "wouter";
import { Countdown } from "../jobs/Countdown.tsx";
import { useChainNow } from "../jobs/useChainNow.ts";
import { RoundJobsTable } from "../rounds/RoundJobsTable.tsx";
import { useSubgraph } from "../subgraph/useSubgraph.ts";
import { AccountLink, Tokens } from "../ui/format.tsx";
import { QueryState } from "../ui/QueryState.tsx";

/** The subgraph's JobStatus values, in the order of a job's life. */
const STATUSES = ["Bidding", "Assigned", "Submitted", "Disputed", "Finalized", "Cancelled", "Failed"] as const;
// Phases whose deadline is still ahead of them (the others ended).
const OPEN = new Set(["Bidding", "Assigned", "Submitted"]);

type JobRow = { id: string; status: string; dataset: { id: string }; consumer: string; provider: string | null; reward: string; price: string | null; deadline: string };

const JOBS = `query Jobs($where: Job_filter) {
  jobs(first: 200, orderBy: postedAtBlock, orderDirection: desc, where: $where) { id status dataset { id } consumer provider reward price deadline }
}`;

/** Every job, newest first, live from the subgraph, filtered by status; then the distributed (round) jobs. */
export default function JobsPage() {
  const [status, setStatus] = useState("");
  const jobs = useSubgraph<{ jobs: JobRow[] }>(JOBS, { where: status === "" ? {} : { status } }, { live: true });
  const now = useChainNow();
  const filterId = useId();
  return (
    <section>
      <h1>Jobs</h1>
      <p><Link href="/jobs/new">Post a job</Link></p>
      <div className="field">
        <label htmlFor={filterId}>Status</label>
        <select id={filterId} value={status} onChange={(e) => setStatus(e.target.value)} data-testid="jobs-status-filter">
          <option value="">All</option>
          {STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
      </div>
      <QueryState query={jobs}>
        {({ jobs: rows }) => rows.length === 0 ? <p>{status === "" ? "No job yet." : `No ${status} job.`}</p> : (
          <table className="jobs-table" data-testid="jobs-table">
            <thead>
              <tr><th scope="col">Job</th><th scope="col">Status</th><th scope="col">Dataset</th><th scope="col">Consumer</th><th scope="col">Provider</th><th scope="col">Reward</th><th scope="col">Price</th><th scope="col">Deadline</th></tr>
            </thead>
            <tbody>
              {rows.map((job) => (
                <tr key={job.id} data-testid="job-row">
                  <td><Link href={`/jobs/${job.id}`}>Job {job.id}</Link></td>
                  <td><span className={`badge status-${job.status}`}>{job.status}</span></td>
                  <td><Link href={`/datasets/${job.dataset.id}`}>Dataset {job.dataset.id}</Link></td>
                  <td><AccountLink address={job.consumer} /></td>
                  <td><AccountLink address={job.provider} /></td>
                  <td><Tokens value={job.reward} /></td>
                  <td><Tokens value={job.price} /></td>
                  <td>{OPEN.has(job.status) ? <Countdown deadline={Number(job.deadline)} now={now} /> : "–"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
      <h2>Distributed jobs</h2>
      <p>Jobs trained by several providers ("slots") in rounds, each round's updates aggregated into the next global model.</p>
      <RoundJobsTable now={now} />
    </section>
  );
}
