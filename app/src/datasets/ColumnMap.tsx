import { AccountLink, Time } from "../ui/format.tsx";
import type { DatasetColumn } from "./datasetQuery.ts";

type Step = { kind: "drawn" | "accepted"; account: string | null; at: string; version?: string };

/** A column's draws and acceptances in time order (a draw precedes the acceptance in its block). */
function columnHistory(column: DatasetColumn): Step[] {
  const drawn: Step[] = column.placements.map((placement) => ({ kind: "drawn", account: placement.provider, at: placement.blockTimestamp }));
  const accepted: Step[] = column.preparations.map((preparation) => ({ kind: "accepted", account: preparation.holder, at: preparation.blockTimestamp, version: preparation.version.id }));
  return [...drawn, ...accepted].sort((a, b) => Number(a.at) - Number(b.at));
}

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
                {columnHistory(column).map((step) => (
                  <li key={`${step.kind}-${step.at}-${String(step.account)}`}>
                    {step.kind === "drawn" ? (step.account ? <>drawn: <AccountLink address={step.account} /></> : "drawn: no provider free") : <>accepted by <AccountLink address={step.account} /> (verifier v{step.version})</>} <Time seconds={step.at} />
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
