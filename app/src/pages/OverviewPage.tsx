import { Link } from "wouter";
import type { RoundJobRow } from "../rounds/roundJobQuery.ts";
import { useSubgraph } from "../subgraph/useSubgraph.ts";
import { AccountLink, Tokens } from "../ui/format.tsx";
import { QueryState } from "../ui/QueryState.tsx";

type Overview = {
  jobs: { id: string; status: string; reward: string; provider: string | null; dataset: { id: string } }[];
  datasets: { id: string; status: string; k: number; n: number; owner: string }[];
  roundJobs: Pick<RoundJobRow, "id" | "status" | "slotCount" | "roundCount" | "dataset">[];
};

const OVERVIEW = `{
  jobs(first: 5, orderBy: postedAtBlock, orderDirection: desc) { id status reward provider dataset { id } }
  datasets(first: 5, orderBy: registeredAtBlock, orderDirection: desc) { id status k n owner }
  roundJobs(first: 5, orderBy: postedAtBlock, orderDirection: desc) { id status slotCount roundCount dataset { id } }
}`;

/** The landing page: the latest jobs, distributed jobs and datasets, live from the subgraph. */
export function OverviewPage() {
  const overview = useSubgraph<Overview>(OVERVIEW, {}, { live: true });
  return (
    <section>
      <h1>Verifiable training</h1>
      <p className="lead">Datasets stored erasure-coded with zero-knowledge storage proofs; training jobs escrowed, executed deterministically, open to challenge, and settled on-chain.</p>
      <QueryState query={overview}>
        {({ jobs, datasets, roundJobs }) => (
          <div className="columns">
            <div>
              <h2>Latest jobs</h2>
              {jobs.length === 0 ? <p>No job yet. <Link href="/jobs/new">Post the first one</Link>.</p> : (
                <ul className="list" data-testid="latest-jobs">
                  {jobs.map((job) => (
                    <li key={job.id}><Link href={`/jobs/${job.id}`}>Job {job.id}</Link> <span className={`badge status-${job.status}`}>{job.status}</span> on dataset {job.dataset.id}, reward <Tokens value={job.reward} />{job.provider && <> — <AccountLink address={job.provider} /></>}</li>
                  ))}
                </ul>
              )}
            </div>
            <div>
              <h2>Latest distributed jobs</h2>
              {roundJobs.length === 0 ? <p>No distributed job yet.</p> : (
                <ul className="list" data-testid="latest-round-jobs">
                  {roundJobs.map((job) => (
                    <li key={job.id}><Link href={`/round-jobs/${job.id}`}>Round job {job.id}</Link> <span className={`badge status-${job.status}`}>{job.status}</span> on dataset {job.dataset.id}, {job.slotCount} slots × {job.roundCount} rounds</li>
                  ))}
                </ul>
              )}
            </div>
            <div>
              <h2>Latest datasets</h2>
              {datasets.length === 0 ? <p>No dataset yet.</p> : (
                <ul className="list" data-testid="latest-datasets">
                  {datasets.map((d) => (
                    <li key={d.id}><Link href={`/datasets/${d.id}`}>Dataset {d.id}</Link> <span className={`badge status-${d.status}`}>{d.status}</span> {d.k}+{d.n - d.k} columns, owner <AccountLink address={d.owner} /></li>
                  ))}
                </ul>
              )}
            </div>
          </div>
        )}
      </QueryState>
    </section>
  );
}
