import { useReadContract } from "wagmi";
import { Link } from "wouter";
import { useProtocol } from "../chain/useProtocol.ts";
import { BondFate } from "../jobs/BondFate.tsx";
import { Countdown } from "../jobs/Countdown.tsx";
import { DisputeList } from "../jobs/DisputeList.tsx";
import { useChainNow } from "../jobs/useChainNow.ts";
import { ContributionsTable } from "../rounds/ContributionsTable.tsx";
import { ledgerRows } from "../rounds/ledgerRows.ts";
import { LedgerTable } from "../rounds/LedgerTable.tsx";
import { ROUND_JOB_QUERY, type RoundJobData, type RoundJobStatusName } from "../rounds/roundJobQuery.ts";
import { phaseDeadline, roundProgress } from "../rounds/roundProgress.ts";
import { roundRows } from "../rounds/roundRows.ts";
import { RoundsTable } from "../rounds/RoundsTable.tsx";
import { SlotsTable } from "../rounds/SlotsTable.tsx";
import { useSubgraph } from "../subgraph/useSubgraph.ts";
import { AccountLink, duration, Time, Tokens } from "../ui/format.tsx";
import { QueryState } from "../ui/QueryState.tsx";
import { RawBlockLink } from "../ui/RawBlockLink.tsx";
import { ROUND_JOB_STATUS_NAMES, RoundJobStatus } from "../../../keepers/src/roundJobs/roundJobStatus.ts";

const TERMINAL = new Set<RoundJobStatusName>(["Finalized", "Cancelled", "Failed"]);

/**
 * One distributed (round) job, live: its status and the current phase's deadline on-chain, the
 * order, the slots, the rounds with every slot's committed update, a private-data job's ledger (owner
 * commitments, secure-aggregation posts), the bids, the disputes with their verdicts, and who was paid,
 * refunded and slashed.
 */
export default function RoundJobPage({ id }: { id: string }) {
  const valid = /^\d+$/.test(id);
  const { RoundJobRegistry } = useProtocol();
  const query = useSubgraph<RoundJobData>(ROUND_JOB_QUERY, { id, job: id }, { live: true, enabled: valid });
  const onChain = useReadContract({ ...RoundJobRegistry, functionName: "getRoundJob", args: [valid ? BigInt(id) : 0n], query: { enabled: valid, refetchInterval: 1000 } });
  const now = useChainNow();
  if (!valid) return <section><h1>Round job {id}</h1><p role="alert" className="error">A round job id is a whole number.</p></section>;
  // Status 0 (None): no such job on-chain (yet).
  const chainStatus = onChain.data === undefined || onChain.data.status === RoundJobStatus.None ? undefined : (ROUND_JOB_STATUS_NAMES[onChain.data.status] as RoundJobStatusName);
  return (
    <section>
      <QueryState query={query}>
        {(data) => {
          const job = data.roundJob;
          if (job === null) return <><h1>Round job {id}</h1><p data-testid="round-job-missing">No round job {id} (yet): the subgraph has not seen it. <Link href="/jobs">All jobs</Link>.</p></>;
          // The chain is fresher than the subgraph; both agree once the indexer caught up.
          const status = chainStatus ?? job.status;
          const deadline = chainStatus === undefined ? Number(job.deadline) : Number(onChain.data!.deadline);
          const currentRound = chainStatus === undefined ? job.currentRound : onChain.data!.round;
          const phase = phaseDeadline(status);
          const rows = roundRows({ slots: job.slots, rounds: job.rounds, contributions: data.roundContributions, disputes: job.disputes, ended: TERMINAL.has(job.status) });
          const ledger = ledgerRows({ posts: data.secAggPosts, recoveries: data.secAggRecoveries, commitments: data.ownerCommitments, openings: data.noiseSeedOpenings });
          // The order commits its aggregation program: the aggregate referee decides disputes of the aggregate.
          const refereed = !/^0x0+$/.test(job.aggregation);
          return (
            <>
              <h1>Round job {job.id} <span className={`badge status-${status}`} data-testid="round-job-status">{status}</span></h1>
              <table className="facts">
                <tbody>
                  <tr><th scope="row">Progress</th><td data-testid="round-job-progress">{roundProgress({ status, currentRound, roundCount: job.roundCount })}</td></tr>
                  {phase !== undefined && <tr><th scope="row">{phase}</th><td data-testid="round-job-deadline"><Time seconds={deadline} /> — <Countdown deadline={deadline} now={now} /></td></tr>}
                  {status === "Disputed" && <tr><th scope="row">Clock stopped</th><td>until the dispute's verdict (below)</td></tr>}
                  {job.endedAt !== null && <tr><th scope="row">Ended</th><td><Time seconds={job.endedAt} /></td></tr>}
                  <tr><th scope="row">Consumer</th><td><AccountLink address={job.consumer} /></td></tr>
                  <tr><th scope="row">Dataset</th><td><Link href={`/datasets/${job.dataset.id}`}>Dataset {job.dataset.id}</Link></td></tr>
                  <tr><th scope="row">Posted</th><td><Time seconds={job.postedAt} /></td></tr>
                  <tr><th scope="row">Seed</th><td data-testid="round-job-seed">{job.seed ?? (status === "Seeding" ? "requested, not yet answered" : "–")}</td></tr>
                </tbody>
              </table>

              <h2>Order</h2>
              <table className="facts" data-testid="round-job-order">
                <tbody>
                  <tr><th scope="row">Job spec</th><td data-testid="round-job-spec"><RawBlockLink digest={job.specDigest} /></td></tr>
                  <tr><th scope="row">Slots × rounds</th><td>{job.slotCount} × {job.roundCount}</td></tr>
                  <tr><th scope="row">Price limit (per slot per round)</th><td><Tokens value={job.priceLimit} /></td></tr>
                  <tr><th scope="row">Minimum stake (per slot)</th><td><Tokens value={job.minStake} /></td></tr>
                  <tr><th scope="row">Periods</th><td>bidding {duration(Number(job.biddingPeriod))}, training {duration(Number(job.roundPeriod))} per round, aggregation {duration(Number(job.aggregationPeriod))}, challenge window {duration(Number(job.challengeWindow))}</td></tr>
                  <tr><th scope="row">On a fault</th><td>{job.continueOnFault ? "continue without the dropped slot" : "the job fails"}</td></tr>
                  <tr><th scope="row">Aggregate disputes</th><td data-testid="round-job-aggregation" data-aggregation={job.aggregation}>{!refereed ? "decided by a validator committee (the order commits no aggregation program)" : <>decided on-chain by the aggregate referee, no committee (aggregation program <code title={job.aggregation}>{`${job.aggregation.slice(0, 10)}…`}</code>)</>}</td></tr>
                </tbody>
              </table>

              <h2>Slots</h2>
              {job.slots.length === 0 ? <p>No slot assigned yet: the auction settles at the end of bidding.</p> : <SlotsTable slots={job.slots} />}

              <h2>Rounds</h2>
              {rows.length === 0 ? <p>No round started yet.</p> : (
                <>
                  <RoundsTable rows={rows} />
                  <ContributionsTable rows={rows} slotCount={job.slots.length} />
                </>
              )}

              {ledger.length > 0 && (
                <>
                  <h2>Private data and secure aggregation</h2>
                  <p>Each data owner committed to its examples and to the round's noise seed before its update; the keys, share envelopes, complaints and unmask shares are on the chain whole, so anyone recomputes each round's sum from them and the masked inputs.</p>
                  <LedgerTable rows={ledger} />
                </>
              )}

              <h2>Bids</h2>
              {data.roundBids.length === 0 ? <p>No bid yet.</p> : (
                <table data-testid="round-bids-table">
                  <thead><tr><th scope="col">Provider</th><th scope="col">Price per round</th><th scope="col">Event</th><th scope="col">Time</th></tr></thead>
                  <tbody>
                    {data.roundBids.map((bid) => (
                      <tr key={bid.id}><td><AccountLink address={bid.provider} /></td><td><Tokens value={bid.price} /></td><td>{bid.kind === "Placed" ? "placed" : "outbid, stake unlocked"}</td><td><Time seconds={bid.blockTimestamp} /></td></tr>
                    ))}
                  </tbody>
                </table>
              )}

              <h2>Payments</h2>
              <table className="facts" data-testid="round-job-payments">
                <tbody>
                  <tr><th scope="row">Escrowed by the consumer</th><td><Tokens value={job.escrow} /></td></tr>
                  <tr><th scope="row">Paid to the slots</th><td><Tokens value={job.paid} /></td></tr>
                  <tr><th scope="row">Refunded to the consumer</th><td><Tokens value={job.refund} /></td></tr>
                  <tr><th scope="row">Slashed (slots and aggregators)</th><td><Tokens value={job.slashed} /></td></tr>
                  {job.disputes.map((d) => (
                    <tr key={d.id}><th scope="row">Bond of dispute {d.id}</th><td><BondFate dispute={d} /></td></tr>
                  ))}
                </tbody>
              </table>

              <h2>Disputes</h2>
              {job.disputes.length === 0 ? <p>No dispute.</p> : <DisputeList disputes={job.disputes} now={now} refereed={refereed} />}
            </>
          );
        }}
      </QueryState>
    </section>
  );
}
