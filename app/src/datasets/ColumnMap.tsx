import { AccountLink, Time } from "../ui/format.tsx";
import type { DatasetColumn } from "./datasetQuery.ts";

/**
 * The column → holder map: each column's registered root, current holder, whether it accepted
 * and whether it was found faulty, and its placement history (draws and acceptances, oldest first).
 */
export function ColumnMap({ columns, k }: { columns: readonly DatasetColumn[]; k: number }) {
  if (columns.length === 0) return <p>No column placed yet.</p>;
  return (
    <table data-testid="column-map">
      <thead>
        <tr><th scope="col">Column</th><th scope="col">Root</th><th scope="col">Holder</th><th scope="col">Accepted</th><th scope="col">Faulty</th><th scope="col">Placement history</th></tr>
      </thead>
      <tbody>
        {columns.map((column) => (
          <tr key={column.id} data-testid="column-row">
            <th scope="row">{column.index} <small className="muted">{column.index < k ? "data" : "parity"}</small></th>
            <td><code title={column.root}>{`${column.root.slice(0, 10)}…${column.root.slice(-6)}`}</code></td>
            <td><AccountLink address={column.holder} /></td>
            <td>{column.accepted ? "yes" : "no"}</td>
            <td className={column.faulty ? "error" : undefined}>{column.faulty ? "faulty" : "no"}</td>
            <td>
              <ul className="history">
                {column.placements.map((placement) => (
                  <li key={placement.transactionHash + String(placement.provider)}>
                    {placement.provider ? <>drawn: <AccountLink address={placement.provider} /></> : "drawn: no provider free"} <Time seconds={placement.blockTimestamp} />
                  </li>
                ))}
                {column.preparations.map((preparation) => (
                  <li key={preparation.blockTimestamp + preparation.holder}>
                    accepted by <AccountLink address={preparation.holder} /> (verifier v{preparation.version.id}) <Time seconds={preparation.blockTimestamp} />
                  </li>
                ))}
              </ul>
              {column.placements.length > 1 && <span className="badge">reassigned {column.placements.length - 1}×</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
