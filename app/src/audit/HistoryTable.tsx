import type { AuditEntry } from "../../../keepers/src/audit/auditTrail.ts";
import { Time } from "../ui/format.tsx";
import { EventFields } from "./EventFields.tsx";
import { eventLabel } from "./eventLabel.ts";

/** Audit entries as a table, oldest first: block, time, event, its fields and its transaction. */
export function HistoryTable({ entries, caption, testId = "history-event" }: { entries: readonly AuditEntry[]; caption: string; testId?: string }) {
  if (entries.length === 0) return <p>None.</p>;
  return (
    <table className="history-table">
      <caption>{caption}</caption>
      <thead><tr><th scope="col">Block</th><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Details</th><th scope="col">Transaction</th></tr></thead>
      <tbody>
        {entries.map((entry, i) => (
          <tr key={`${entry.transactionHash}-${entry.event}-${i}`} data-testid={testId} data-event={entry.event}>
            <td>{entry.blockNumber}</td>
            <td><Time seconds={entry.blockTimestamp} /></td>
            <td>{eventLabel(entry.event)}</td>
            <td><EventFields fields={entry.fields} /></td>
            <td><code title={entry.transactionHash}>{`${entry.transactionHash.slice(0, 10)}…`}</code></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
