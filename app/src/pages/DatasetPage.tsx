import { Link } from "wouter";
import { manifestBlockCid, manifestCidOf } from "../../../keepers/src/datasets/manifest.ts";
import { useAppConfig } from "../config/appContext.ts";
import { AuditRounds } from "../datasets/AuditRounds.tsx";
import { ColumnMap } from "../datasets/ColumnMap.tsx";
import { DATASET_QUERY, type DatasetDetail } from "../datasets/datasetQuery.ts";
import { DatasetSlashes } from "../datasets/DatasetSlashes.tsx";
import { ProofsChart } from "../datasets/ProofsChart.tsx";
import { roundChartData } from "../datasets/roundChartData.ts";
import { useSubgraph } from "../subgraph/useSubgraph.ts";
import { AccountLink, duration, Time, Tokens } from "../ui/format.tsx";
import { QueryState } from "../ui/QueryState.tsx";
import { rawBlockUrl } from "../ui/rawBlockUrl.ts";

/**
 * One dataset: its layout and commitments, the column → holder map with reassignments, every
 * audit round with its proofs (each verifiable in the browser), a chart of proofs per round, the
 * slashes, and the jobs trained on it.
 */
export default function DatasetPage({ id }: { id: string }) {
  const query = useSubgraph<{ dataset: DatasetDetail | null }>(DATASET_QUERY, { id }, { live: true });
  return (
    <section>
      <h1>Dataset {id}</h1>
      <QueryState query={query}>
        {({ dataset }) => (dataset === null ? <p data-testid="dataset-missing">No dataset {id} in the subgraph. <Link href="/datasets">All datasets</Link>.</p> : <DatasetView dataset={dataset} />)}
      </QueryState>
    </section>
  );
}

function DatasetView({ dataset }: { dataset: DatasetDetail }) {
  const { ipfsGatewayUrl } = useAppConfig();
  const manifestCid = manifestCidOf(dataset.manifestDigest);
  const blockCid = manifestBlockCid(manifestCid).toString();
  const boundKeyHash = dataset.verifierVersion?.verifyingKeyHash ?? null;
  return (
    <>
      <p><span className={`badge status-${dataset.status}`} data-testid="dataset-status">{dataset.status}</span> owned by <AccountLink address={dataset.owner} /></p>
      <div className="columns">
        <table className="facts" data-testid="dataset-layout">
          <caption>Layout</caption>
          <tbody>
            <tr><th scope="row">Columns (k + n−k)</th><td>{dataset.k} data + {dataset.n - dataset.k} parity = {dataset.n}</td></tr>
            <tr><th scope="row">Shard size</th><td>{dataset.shardSize.toLocaleString()} bytes</td></tr>
            <tr><th scope="row">Stripes</th><td>{dataset.stripeCount}</td></tr>
            <tr><th scope="row">Byte length</th><td>{Number(dataset.byteLength).toLocaleString()}</td></tr>
          </tbody>
        </table>
        <table className="facts">
          <caption>Terms</caption>
          <tbody>
            <tr><th scope="row">Payment</th><td><Tokens value={dataset.payment} /></td></tr>
            <tr><th scope="row">Term</th><td>{duration(Number(dataset.term))}</td></tr>
            <tr><th scope="row">Term ends</th><td>{dataset.endsAt === "0" ? "not active yet" : <Time seconds={dataset.endsAt} />}</td></tr>
            {dataset.perColumn !== null && <tr><th scope="row">Paid per column</th><td><Tokens value={dataset.perColumn} /></td></tr>}
            {dataset.refund !== null && <tr><th scope="row">Refunded</th><td><Tokens value={dataset.refund} /></td></tr>}
          </tbody>
        </table>
      </div>
      <table className="facts">
        <caption>Commitments</caption>
        <tbody>
          <tr><th scope="row">Manifest digest</th><td><code>{dataset.manifestDigest}</code></td></tr>
          <tr>
            <th scope="row">Manifest CID</th>
            <td>
              <code data-testid="manifest-cid">{manifestCid.toString()}</code>{" "}
              <a href={rawBlockUrl(ipfsGatewayUrl, blockCid)} title={`raw block ${blockCid}`}>raw block</a>
            </td>
          </tr>
          <tr><th scope="row">Dataset root</th><td><code>{dataset.datasetRoot}</code></td></tr>
          <tr>
            <th scope="row">Verifier version</th>
            <td>{dataset.verifierVersion ? <>v{dataset.verifierVersion.id} at <code>{dataset.verifierVersion.verifier}</code>, key hash <code>{dataset.verifierVersion.verifyingKeyHash}</code></> : "none"}</td>
          </tr>
        </tbody>
      </table>

      <h2>Columns and holders</h2>
      <ColumnMap columns={dataset.columns} k={dataset.k} />

      <h2>Proofs per audit round</h2>
      <ProofsChart bars={roundChartData(dataset.rounds)} />

      <h2>Audit rounds</h2>
      <AuditRounds datasetId={dataset.id} rounds={dataset.rounds} boundKeyHash={boundKeyHash} />

      <h2>Slashes</h2>
      <DatasetSlashes faults={dataset.faults} />

      <h2>Jobs on this dataset</h2>
      {dataset.jobs.length === 0 ? (
        <p>No job has been posted on this dataset.</p>
      ) : (
        <table>
          <thead><tr><th scope="col">Job</th><th scope="col">Status</th><th scope="col">Consumer</th><th scope="col">Provider</th><th scope="col">Reward</th></tr></thead>
          <tbody>
            {dataset.jobs.map((job) => (
              <tr key={job.id} data-testid="dataset-job-row">
                <td><Link href={`/jobs/${job.id}`}>Job {job.id}</Link></td>
                <td><span className={`badge status-${job.status}`}>{job.status}</span></td>
                <td><AccountLink address={job.consumer} /></td>
                <td><AccountLink address={job.provider} /></td>
                <td><Tokens value={job.reward} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
