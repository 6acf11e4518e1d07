import { Link } from "wouter";
import type { AuditTrail } from "../../../keepers/src/audit/auditTrail.ts";
import { accountSummary } from "../audit/accountSummary.ts";
import { HistoryTable } from "../audit/HistoryTable.tsx";
import { useAuditTrail } from "../audit/useAuditTrail.ts";
import { duration, Time, Tokens } from "../ui/format.tsx";
import { QueryState } from "../ui/QueryState.tsx";

type AccountState = {
  account: { available: string; locked: string; unbonding: string; unbondingReadyAt: string; slashed: string } | null;
  storageProvider: { endpoint: string; stake: string; active: boolean; released: boolean } | null;
  validator: { stake: string; active: boolean; joinedAt: string; leftAt: string | null; releasableAt: string | null; released: boolean } | null;
  columns: { id: string; accepted: boolean; faulty: boolean; dataset: { id: string; status: string } }[];
  jobs: { id: string; status: string; price: string | null; payment: string | null }[];
};

/**
 * Any account's audit page — what `veritrain audit provider` prints, from the same query: current
 * stake and its history, storage-provider and validator membership, columns held, jobs won with
 * their payments, bids, storage proofs submitted and missed, slashes, payouts, disputes raised,
 * and the full history.
 */
export default function AccountPage({ address }: { address: string }) {
  const trail = useAuditTrail({ kind: "provider", id: address });
  return (
    <section>
      <h1>Account <code className="address">{address}</code></h1>
      <QueryState query={trail}>{(data) => <AccountView trail={data} />}</QueryState>
    </section>
  );
}

function AccountView({ trail }: { trail: AuditTrail }) {
  const state = trail.state as AccountState;
  const summary = accountSummary(trail.history);
  const { account, storageProvider, validator } = state;
  if (account === null && trail.history.length === 0) return <p data-testid="account-empty">This account has no stake and no history in the protocol.</p>;
  const unbondLeft = account ? Number(account.unbondingReadyAt) - Date.now() / 1000 : 0;
  return (
    <>
      <div className="columns">
        <table className="facts" data-testid="account-stake">
          <caption>Current stake</caption>
          <tbody>
            <tr><th scope="row">Available</th><td><Tokens value={account?.available ?? "0"} /></td></tr>
            <tr><th scope="row">Locked</th><td><Tokens value={account?.locked ?? "0"} /></td></tr>
            <tr>
              <th scope="row">Unbonding</th>
              <td><Tokens value={account?.unbonding ?? "0"} />{account && account.unbonding !== "0" && (unbondLeft > 0 ? ` — withdrawable in ${duration(unbondLeft)}` : " — withdrawable now")}</td>
            </tr>
            <tr><th scope="row">Slashed in total</th><td><Tokens value={account?.slashed ?? "0"} /></td></tr>
            <tr><th scope="row">Paid for jobs</th><td><Tokens value={summary.totals.paid} /></td></tr>
          </tbody>
        </table>
        <table className="facts" data-testid="account-roles">
          <caption>Roles</caption>
          <tbody>
            <tr>
              <th scope="row">Storage provider</th>
              <td>{storageProvider ? <>{storageProvider.active ? "active" : storageProvider.released ? "left, stake released" : "left"}, stake <Tokens value={storageProvider.stake} />, at <code>{storageProvider.endpoint}</code></> : "no"}</td>
            </tr>
            <tr>
              <th scope="row">Validator</th>
              <td data-testid="account-validator">
                {validator ? (
                  <>{validator.active ? "active" : validator.released ? "left, stake released" : "left"} since <Time seconds={validator.active ? validator.joinedAt : validator.leftAt} />, stake <Tokens value={validator.stake} />{!validator.active && !validator.released && <> (releasable <Time seconds={validator.releasableAt} />)</>}</>
                ) : "no"}
              </td>
            </tr>
            <tr>
              <th scope="row">Storage proofs</th>
              <td data-testid="account-proofs">{summary.proofs.accepted} accepted, {summary.proofs.missed} missed, {summary.proofs.rejected} rejected</td>
            </tr>
          </tbody>
        </table>
      </div>

      <h2>Jobs won</h2>
      {state.jobs.length === 0 ? <p>None.</p> : (
        <table>
          <thead><tr><th scope="col">Job</th><th scope="col">Status</th><th scope="col">Price</th><th scope="col">Paid</th></tr></thead>
          <tbody>
            {state.jobs.map((job) => (
              <tr key={job.id} data-testid="account-job-row">
                <td><Link href={`/jobs/${job.id}`}>Job {job.id}</Link></td>
                <td><span className={`badge status-${job.status}`}>{job.status}</span></td>
                <td><Tokens value={job.price} /></td>
                <td><Tokens value={job.payment} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Columns held</h2>
      {state.columns.length === 0 ? <p>None.</p> : (
        <table>
          <thead><tr><th scope="col">Dataset</th><th scope="col">Column</th><th scope="col">Accepted</th><th scope="col">Faulty</th></tr></thead>
          <tbody>
            {state.columns.map((column) => (
              <tr key={column.id} data-testid="account-column-row">
                <td><Link href={`/datasets/${column.dataset.id}`}>Dataset {column.dataset.id}</Link> <span className={`badge status-${column.dataset.status}`}>{column.dataset.status}</span></td>
                <td>{column.id.split("-")[1]}</td>
                <td>{column.accepted ? "yes" : "no"}</td>
                <td className={column.faulty ? "error" : undefined}>{column.faulty ? "faulty" : "no"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Stake history</h2>
      <HistoryTable entries={summary.stake} caption="Stake movements, oldest first" testId="account-stake-event" />
      <h2>Slashes</h2>
      <HistoryTable entries={summary.slashes} caption="Slashes and their causes" testId="account-slash-event" />
      <h2>Payouts</h2>
      <HistoryTable entries={summary.payouts} caption="Job payments received" testId="account-payout-event" />
      <h2>Bids</h2>
      <HistoryTable entries={summary.bids} caption="Bids placed" testId="account-bid-event" />
      <h2>Storage proofs</h2>
      <HistoryTable entries={summary.proofs.entries} caption="Storage proofs submitted and missed" testId="account-proof-event" />
      <h2>Disputes raised</h2>
      <HistoryTable entries={summary.disputes} caption="Challenges raised" testId="account-dispute-event" />
      <h2>Storage provider and validator</h2>
      <HistoryTable entries={[...summary.storage, ...summary.validator].sort((a, b) => a.blockNumber - b.blockNumber)} caption="Membership, columns drawn and accepted" testId="account-role-event" />
      <details>
        <summary>Full history ({trail.history.length} events)</summary>
        <HistoryTable entries={trail.history} caption="Every event, oldest first" testId="account-history-event" />
      </details>
    </>
  );
}
