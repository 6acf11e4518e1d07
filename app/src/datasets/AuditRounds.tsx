import type { Hex } from "viem";
import { AccountLink, Time } from "../ui/format.tsx";
import { setBits } from "../../../keepers/src/chain/setBits.ts";
import type { DatasetRound } from "./datasetQuery.ts";
import { VerifyProofButton } from "./VerifyProofButton.tsx";

const list = (columns: number[]) => (columns.length === 0 ? "none" : columns.join(", "));

/**
 * Every audit round of a dataset, newest first: status, seed, deadline, audited and proved columns,
 * and its proofs, each submitted one with a "Verify this proof" button.
 */
export function AuditRounds({ datasetId, rounds, boundKeyHash }: { datasetId: string; rounds: readonly DatasetRound[]; boundKeyHash: Hex | null }) {
  if (rounds.length === 0) return <p>No audit round yet: rounds start once the dataset is active.</p>;
  return (
    <ol className="rounds" reversed>
      {rounds.map((round) => (
        <li key={round.id} className="card" data-testid="round-row">
          <h3>Round {round.number} <span className={`badge status-${round.status}`}>{round.status}</span></h3>
          <table className="facts">
            <tbody>
              <tr><th scope="row">Seed</th><td><code>{round.seed ?? "awaiting the VRF"}</code></td></tr>
              <tr><th scope="row">Deadline</th><td><Time seconds={round.deadline} /></td></tr>
              <tr><th scope="row">Audited columns</th><td>{list(setBits(round.audited))}</td></tr>
              <tr><th scope="row">Proved columns</th><td>{round.status === "Closed" ? list(setBits(round.proved)) : "counted at close"}</td></tr>
            </tbody>
          </table>
          {round.proofs.length === 0 ? (
            <p>No proof yet.</p>
          ) : (
            <table>
              <caption>Proofs of round {round.number}</caption>
              <thead><tr><th scope="col">Column</th><th scope="col">Prover</th><th scope="col">Outcome</th><th scope="col">When</th><th scope="col">Check</th></tr></thead>
              <tbody>
                {[...round.proofs].sort((a, b) => a.column.index - b.column.index).map((proof) => (
                  <tr key={proof.id} data-testid="proof-row">
                    <td>{proof.column.index}</td>
                    <td><AccountLink address={proof.provider} /></td>
                    <td className={proof.outcome === "Accepted" ? "ok" : "error"}>{proof.outcome}</td>
                    <td><Time seconds={proof.blockTimestamp} /></td>
                    <td>
                      {proof.outcome === "Missed" || round.seed === null ? (
                        "no proof submitted"
                      ) : (
                        <VerifyProofButton
                          proof={{
                            datasetId,
                            round: round.number,
                            column: proof.column.index,
                            columnRoot: proof.column.root,
                            prover: proof.provider,
                            seed: round.seed,
                            transactionHash: proof.transactionHash,
                            boundKeyHash,
                          }}
                        />
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </li>
      ))}
    </ol>
  );
}
