import { useReadContract } from "wagmi";
import { Link } from "wouter";
import { jobSpecBlockCid } from "../../../keepers/src/jobs/jobSpecBlock.ts";
import type { SplitRange } from "../../../keepers/src/training/jobSpec.ts";
import { JobHistory } from "../audit/JobHistory.tsx";
import { useProtocol } from "../chain/useProtocol.ts";
import { BondFate } from "../jobs/BondFate.tsx";
import { ChallengeForm } from "../jobs/ChallengeForm.tsx";
import { Countdown } from "../jobs/Countdown.tsx";
import { DisputeList } from "../jobs/DisputeList.tsx";
import { JOB_QUERY, type JobData } from "../jobs/jobQuery.ts";
import { JobTimeline } from "../jobs/JobTimeline.tsx";
import { jobTimeline, metricPercent } from "../jobs/jobTimeline.ts";
import { TrainedModel } from "../jobs/TrainedModel.tsx";
import { useChainNow } from "../jobs/useChainNow.ts";
import { useJobSpec } from "../jobs/useJobSpec.ts";
import { useSubgraph } from "../subgraph/useSubgraph.ts";
import { AccountLink, duration, Time, Tokens } from "../ui/format.tsx";
import { QueryState } from "../ui/QueryState.tsx";

/** JobRegistry's JobStatus enum, by value. */
const STATUS_NAMES = ["None", "Bidding", "Assigned", "Submitted", "Disputed", "Finalized", "Cancelled", "Failed"] as const;

/** "1000 training images", or, for a split that keeps some labels only, which images and labels it reads. */
function trainingImages({ start, end, labels }: SplitRange): string {
  return labels === undefined ? `${end - start} training images` : `training images ${start}–${end - 1} labelled ${labels.join(", ")}`;
}

/**
 * One job, live: its status and deadline on-chain, its timeline from the subgraph, the bids, the
 * result (with the trained model to evaluate and draw for), who was paid what, its disputes and,
 * inside the challenge window, the form to challenge it.
 */
export default function JobPage({ id }: { id: string }) {
  const valid = /^\d+$/.test(id);
  const { JobRegistry } = useProtocol();
  const history = useSubgraph<JobData>(JOB_QUERY, { id, job: id }, { live: true, enabled: valid });
  const onChain = useReadContract({ ...JobRegistry, functionName: "getJob", args: [valid ? BigInt(id) : 0n], query: { enabled: valid, refetchInterval: 1000 } });
  const now = useChainNow();
  const spec = useJobSpec(history.data?.job?.specDigest);
  if (!valid) return <section><h1>Job {id}</h1><p role="alert" className="error">A job id is a whole number.</p></section>;
  const chainJob = onChain.data !== undefined && onChain.data.status !== 0 ? onChain.data : undefined;
  const status = chainJob === undefined ? undefined : STATUS_NAMES[chainJob.status];
  const deadline = chainJob === undefined ? undefined : Number(chainJob.deadline);
  return (
    <section>
      <QueryState query={history}>
        {(data) => {
          const job = data.job;
          if (job === null) return <><h1>Job {id}</h1><p>No job {id} (yet): the subgraph has not seen it.</p></>;
          const shownStatus = status ?? job.status;
          const shownDeadline = deadline ?? Number(job.deadline);
          const challengeable = shownStatus === "Submitted" && shownDeadline > now;
          return (
            <>
              <h1>Job {job.id} <span className={`badge status-${shownStatus}`} data-testid="job-status">{shownStatus}</span></h1>
              <table className="facts">
                <tbody>
                  <tr><th scope="row">Consumer</th><td><AccountLink address={job.consumer} /></td></tr>
                  <tr><th scope="row">Dataset</th><td><Link href={`/datasets/${job.dataset.id}`}>Dataset {job.dataset.id}</Link></td></tr>
                  <tr><th scope="row">Job spec</th><td><code data-testid="job-spec-cid">{jobSpecBlockCid(job.specDigest).toString()}</code>{spec.data && <> — {spec.data.spec.epochs} epoch(s), {trainingImages(spec.data.spec.dataset.splits.train)}{spec.data.checkpointCount !== undefined && <>, {spec.data.checkpointCount} checkpoints</>}</>}</td></tr>
                  <tr><th scope="row">Reward (maximum price)</th><td><Tokens value={job.reward} /></td></tr>
                  <tr><th scope="row">Minimum stake</th><td><Tokens value={job.minStake} /></td></tr>
                  <tr><th scope="row">Periods</th><td>bidding {duration(Number(job.biddingPeriod))}, execution {duration(Number(job.executionPeriod))}, challenge window {duration(Number(job.challengeWindow))}</td></tr>
                  <tr><th scope="row">Current phase ends</th><td data-testid="job-deadline">{["Bidding", "Assigned", "Submitted"].includes(shownStatus) ? <><Time seconds={shownDeadline} /> — <Countdown deadline={shownDeadline} now={now} /></> : "–"}</td></tr>
                </tbody>
              </table>

              <h2>Timeline</h2>
              <JobTimeline steps={jobTimeline(data, status === undefined || deadline === undefined ? undefined : { status, deadline })} now={now} />

              <h2>Bids</h2>
              {data.bids.length === 0 ? <p>No bid yet.</p> : (
                <table data-testid="bids-table">
                  <thead><tr><th scope="col">Provider</th><th scope="col">Price</th><th scope="col">Time</th></tr></thead>
                  <tbody>
                    {data.bids.map((bid) => (
                      <tr key={bid.id} className={bid.provider === job.provider ? "leading" : undefined}><td><AccountLink address={bid.provider} /></td><td><Tokens value={bid.price} /></td><td><Time seconds={bid.blockTimestamp} /></td></tr>
                    ))}
                  </tbody>
                </table>
              )}

              {job.resultDigest !== null && job.traceRoot !== null && job.metric !== null && (
                <>
                  <h2>Result</h2>
                  <table className="facts" data-testid="job-result">
                    <tbody>
                      <tr><th scope="row">Claimed accuracy</th><td data-testid="claimed-metric">{metricPercent(job.metric)}</td></tr>
                      <tr><th scope="row">Result digest</th><td><code className="hash">{job.resultDigest}</code></td></tr>
                      <tr><th scope="row">Trace root</th><td><code className="hash">{job.traceRoot}</code></td></tr>
                    </tbody>
                  </table>
                  <TrainedModel result={{ jobId: BigInt(job.id), resultDigest: job.resultDigest, specDigest: job.specDigest, traceRoot: job.traceRoot }} metric={job.metric} />
                </>
              )}

              <h2>Payments</h2>
              <table className="facts" data-testid="job-payments">
                <tbody>
                  <tr><th scope="row">Paid to the provider</th><td>{job.payment === null ? "–" : <><Tokens value={job.payment} /> to <AccountLink address={job.provider} /></>}</td></tr>
                  <tr><th scope="row">Refunded to the consumer</th><td><Tokens value={job.refund} /></td></tr>
                  <tr><th scope="row">Slashed from providers</th><td><Tokens value={job.slashed} /></td></tr>
                  {job.disputes.map((d) => (
                    <tr key={d.id}><th scope="row">Bond of dispute {d.id}</th><td><BondFate dispute={d} /></td></tr>
                  ))}
                </tbody>
              </table>

              {job.disputes.length > 0 && (
                <>
                  <h2>Disputes</h2>
                  <DisputeList disputes={job.disputes} now={now} />
                </>
              )}
              {(shownStatus === "Submitted" || shownStatus === "Disputed") && <ChallengeForm jobId={BigInt(job.id)} checkpointCount={spec.data?.checkpointCount} open={challengeable} />}

              <p>The parties' own trails: consumer <AccountLink address={job.consumer} />{job.provider && <>, provider <AccountLink address={job.provider} /></>}.</p>
              <JobHistory id={job.id} />
            </>
          );
        }}
      </QueryState>
    </section>
  );
}
