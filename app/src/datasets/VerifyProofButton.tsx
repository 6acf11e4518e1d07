import { useState } from "react";
import { isAddressEqual, type Address, type Hex } from "viem";
import { usePublicClient } from "wagmi";
import { storageProofStatement } from "../../../keepers/src/proofs/storageProofStatement.ts";
import { submittedProof } from "./submittedProof.ts";

/** A submitted proof with what it must prove, from the subgraph. */
export type ProofToVerify = {
  datasetId: string;
  round: string;
  column: number;
  columnRoot: Hex;
  prover: Address;
  seed: string;
  transactionHash: Hex;
  /** The dataset's bound verifier version's key hash (null: bound to none). */
  boundKeyHash: Hex | null;
};

type Outcome = { valid: boolean; reason: string; ms: number; loadMs: number } | { error: string };

/**
 * "Verify this proof": fetches the proof from its `submitProof` transaction and checks it in the
 * browser against the column's registered root, the prover and the round's seed, with the
 * dataset's verifying key. The verifier (mcl-wasm, ~0.5 MB) is loaded only when pressed.
 */
export function VerifyProofButton({ proof }: { proof: ProofToVerify }) {
  const client = usePublicClient();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();

  const verify = async () => {
    setBusy(true);
    setOutcome(undefined);
    try {
      if (!client) throw new Error("no connection to the chain");
      if (proof.boundKeyHash === null) throw new Error(`dataset ${proof.datasetId} is bound to no verifier version`);
      const tx = await client.getTransaction({ hash: proof.transactionHash });
      const call = submittedProof(tx.input);
      if (`${call.datasetId}` !== proof.datasetId || `${call.round}` !== proof.round || Number(call.column) !== proof.column) {
        throw new Error(`transaction ${proof.transactionHash} submitted dataset ${call.datasetId} round ${call.round} column ${call.column}, not this proof`);
      }
      if (!isAddressEqual(tx.from, proof.prover)) throw new Error(`transaction ${proof.transactionHash} was sent by ${tx.from}, not the prover ${proof.prover}`);
      const loadStart = performance.now();
      const { verifyStoredProof } = await import("./verifyStoredProof.ts");
      const start = performance.now();
      const statement = storageProofStatement({ columnRoot: proof.columnRoot, prover: proof.prover, seed: BigInt(proof.seed) });
      const verdict = await verifyStoredProof({ proof: call.proof, statement, boundKeyHash: proof.boundKeyHash });
      const end = performance.now();
      setOutcome({ ...verdict, ms: end - start, loadMs: start - loadStart });
    } catch (error) {
      setOutcome({ error: (error as Error).message.split("\n")[0] ?? String(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <span className="proof-verify">
      <button type="button" onClick={() => void verify()} disabled={busy} aria-label={`Verify this proof (column ${proof.column}, round ${proof.round})`}>
        {busy ? "Verifying…" : "Verify this proof"}
      </button>
      <span role="status" data-testid="proof-verify-result">
        {outcome === undefined ? null : "error" in outcome ? (
          <span className="error">could not verify: {outcome.error}</span>
        ) : (
          <span className={outcome.valid ? "verify-valid" : "verify-invalid"} title={outcome.reason}>
            {outcome.valid ? "valid ✓" : "invalid ✗"} — {outcome.reason} ({Math.round(outcome.ms)} ms{outcome.loadMs >= 1 ? `, after ${Math.round(outcome.loadMs)} ms loading the verifier` : ""})
          </span>
        )}
      </span>
    </span>
  );
}
