import type { Hex } from "viem";
import type { LedgerPost, LedgerRow } from "./ledgerRows.ts";

const short = (hex: Hex) => `${hex.slice(0, 10)}…${hex.slice(-6)}`;

function Post({ post }: { post: LedgerPost | undefined }) {
  return post === undefined ? <td>–</td> : <td title={post.digest}><code>{short(post.digest)}</code> <small>{post.bytes} B</small></td>;
}

/**
 * A private-data job's ledger (docs/secure-aggregation.md §4): per round and slot, the data owner's commitments
 * to its examples (Poseidon root) and to the round's noise seed, then the SHA-256 and size of its keys, share
 * envelopes, complaints (about neighbours whose envelopes failed; often none) and unmask shares, and its shares of
 * the mask keys of neighbours whose masked inputs were withdrawn (§7), whose bytes are on the chain. With the masked
 * inputs (the updates above) it is the round's whole transcript: anyone recomputes the round's sum from it. Last, the
 * noise-seed openings of an owner whose update in the clear was disputed (docs/distributed-training.md, "Noise-seed
 * openings"): envelopes only the dispute's committee can open.
 *
 * @example
 * <LedgerTable rows={ledgerRows({ posts, commitments })} />
 */
export function LedgerTable({ rows }: { rows: readonly LedgerRow[] }) {
  return (
    <table className="compact" data-testid="ledger-table">
      <caption>Owner commitments and secure-aggregation posts, by round and slot</caption>
      <thead>
        <tr>
          <th scope="col">Round</th><th scope="col">Slot</th><th scope="col">Data root</th><th scope="col">Noise-seed commitment</th>
          <th scope="col">Keys</th><th scope="col">Share envelopes</th><th scope="col">Complaints</th><th scope="col">Unmask shares</th><th scope="col">Recovery shares</th>
          <th scope="col">Noise-seed openings</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr
            key={`${row.round}/${row.slot}`}
            data-testid="ledger-row"
            data-round={row.round}
            data-slot={row.slot}
            data-data-root={row.owner?.dataRoot ?? ""}
            data-noise-seed={row.owner?.noiseSeedCommitment ?? ""}
            data-keys={row.keys?.digest ?? ""}
            data-shares={row.shares?.digest ?? ""}
            data-complaints={row.complaints?.digest ?? ""}
            data-unmask={row.unmask?.digest ?? ""}
            data-recoveries={row.recoveries.map((r) => `${r.owner}:${r.digest}`).join(" ")}
            data-openings={row.openings.map((o) => o.digest).join(" ")}
          >
            <td>{row.round}</td>
            <td>{row.slot}</td>
            <td>{row.owner === undefined ? "–" : <code title={row.owner.dataRoot}>{short(row.owner.dataRoot)}</code>}</td>
            <td>{row.owner === undefined ? "–" : <code title={row.owner.noiseSeedCommitment}>{short(row.owner.noiseSeedCommitment)}</code>}</td>
            <Post post={row.keys} />
            <Post post={row.shares} />
            <Post post={row.complaints} />
            <Post post={row.unmask} />
            <td>
              {row.recoveries.length === 0 ? "–" : row.recoveries.map((r) => (
                <span key={r.owner} title={r.digest}>of slot {r.owner}: <code>{short(r.digest)}</code> <small>{r.bytes} B</small> </span>
              ))}
            </td>
            <td>
              {row.openings.length === 0 ? "–" : row.openings.map((o, i) => (
                <span key={i} title={o.digest}><code>{short(o.digest)}</code> <small>{o.bytes} B</small> </span>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
