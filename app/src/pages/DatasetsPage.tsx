import { Link } from "wouter";
import { useSubgraph } from "../subgraph/useSubgraph.ts";
import { AccountLink, Time } from "../ui/format.tsx";
import { QueryState } from "../ui/QueryState.tsx";

type DatasetRow = {
  id: string;
  status: string;
  owner: string;
  k: number;
  n: number;
  shardSize: number;
  byteLength: string;
  endsAt: string;
  columns: { accepted: boolean }[];
  jobs: { id: string }[];
};

const DATASETS = `{
  datasets(first: 100, orderBy: registeredAtBlock, orderDirection: desc) {
    id status owner k n shardSize byteLength endsAt columns(first: 1000) { accepted } jobs(first: 1000) { id }
  }
}`;

/** Every dataset the subgraph knows, newest first, each linking to its page. */
export default function DatasetsPage() {
  const datasets = useSubgraph<{ datasets: DatasetRow[] }>(DATASETS, {}, { live: true });
  return (
    <section>
      <h1>Datasets</h1>
      <p>Datasets stored erasure-coded by the storage providers, each column audited with storage proofs.</p>
      <QueryState query={datasets}>
        {({ datasets: rows }) =>
          rows.length === 0 ? (
            <p data-testid="datasets-empty">No dataset has been registered yet.</p>
          ) : (
            <table data-testid="datasets-table">
              <thead>
                <tr>
                  <th scope="col">Dataset</th><th scope="col">Status</th><th scope="col">Owner</th><th scope="col">Layout (k + n−k)</th>
                  <th scope="col">Shard size</th><th scope="col">Bytes</th><th scope="col">Columns accepted</th><th scope="col">Term ends</th><th scope="col">Jobs</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((dataset) => (
                  <tr key={dataset.id} data-testid="dataset-row">
                    <td><Link href={`/datasets/${dataset.id}`}>Dataset {dataset.id}</Link></td>
                    <td><span className={`badge status-${dataset.status}`}>{dataset.status}</span></td>
                    <td><AccountLink address={dataset.owner} /></td>
                    <td>{dataset.k} + {dataset.n - dataset.k}</td>
                    <td>{dataset.shardSize.toLocaleString()} B</td>
                    <td>{Number(dataset.byteLength).toLocaleString()}</td>
                    <td>{dataset.columns.filter((column) => column.accepted).length}/{dataset.n}</td>
                    <td>{dataset.endsAt === "0" ? "not active yet" : <Time seconds={dataset.endsAt} />}</td>
                    <td>{dataset.jobs.length}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryState>
    </section>
  );
}
