import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { toHex } from "viem";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import { leafCountOf } from "../commitments/chunkPacking.ts";
import type { HeliaContentStore } from "../content/heliaContentStore.ts";
import { VeritrainError } from "../errors.ts";
import { STORAGE_CIRCUIT } from "../proofs/circuitParameters.ts";
import { compressProof, proofToCalldata } from "../proofs/proofEncoding.ts";
import type { StorageProofRecord } from "../proofs/storageProofRecord.ts";
import type { StorageProver } from "../proofs/storageProver.ts";
import { storageWitness } from "../proofs/storageWitness.ts";
import { readHeldColumn } from "./heldColumn.ts";

/** Round status `Open` in IStorageProofs.RoundStatus. */
const ROUND_OPEN = 2;

/** Parameters of {@link answerRound}. */
export type AnswerRoundParameters = {
  chain: ProtocolConnection;
  store: HeliaContentStore;
  prover: StorageProver;
  /** Where submitted proofs are kept (`proofs/<dataset>-<round>-<column>.json`). */
  dataDir: string;
  log: Logger;
  signal: AbortSignal;
  datasetId: bigint;
  round: bigint;
};

/**
 * Answers round `round` of dataset `datasetId`: for every audited column this keeper holds and
 * has not proved yet, builds the witness from its local shards, proves, and submits. Idempotent:
 * it reads the round's `proved` bitmap first, so a restart or a retry never submits twice, and a
 * round that is no longer open is skipped. Returns the number of proofs submitted.
 *
 * @example
 * await answerRound({ chain, store, prover, dataDir, log, signal, datasetId: 1n, round: 3n });
 */
export async function answerRound({ chain, store, prover, dataDir, log, signal, datasetId, round }: AnswerRoundParameters): Promise<number> {
  const storageProofs = chain.contracts.StorageProofs;
  const current = await storageProofs.read.currentRound([datasetId]);
  const context = { datasetId: datasetId.toString(), round: round.toString() };
  if (current.number !== round || current.status !== ROUND_OPEN) {
    log.info({ ...context, current: current.number.toString(), status: current.status }, "round skipped: not the open round");
    return 0;
  }
  const holders = await chain.contracts.DatasetRegistry.read.holders([datasetId]);
  const me = chain.account.address.toLowerCase();
  let submitted = 0;
  for (const [column, holder] of holders.entries()) {
    const bit = 1n << BigInt(column);
    if (holder.toLowerCase() !== me || (current.audited & bit) === 0n || (current.proved & bit) !== 0n) continue;
    const { manifest, held, bytes } = await readHeldColumn({ chain, store, datasetId, column, signal });
    if (!held) continue;
    if (manifest.columnTreeDepth !== STORAGE_CIRCUIT.depth) {
      throw new VeritrainError(`dataset ${datasetId} commits its columns at depth ${manifest.columnTreeDepth}; the storage circuit proves depth ${STORAGE_CIRCUIT.depth}`, {
        code: "CIRCUIT_DEPTH_MISMATCH",
        details: { ...context, depth: manifest.columnTreeDepth },
      });
    }
    const [columnRoot, , seed] = await storageProofs.read.publicInputs([datasetId, BigInt(column), chain.account.address]);
    const started = performance.now();
    const input = await storageWitness({
      column: bytes(),
      columnRoot,
      prover: chain.account.address,
      seed,
      leafCount: leafCountOf(manifest.layout.shardSize * manifest.layout.stripeCount),
    });
    const { proof, publicSignals } = await prover.prove(input);
    const proveMs = Math.round(performance.now() - started);
    await mkdir(join(dataDir, "proofs"), { recursive: true });
    const file = join(dataDir, "proofs", `${datasetId}-${round}-${column}.json`);
    const record: StorageProofRecord = {
      datasetId: datasetId.toString(),
      round: round.toString(),
      column,
      prover: chain.account.address,
      publicSignals: publicSignals.map(String),
      proof: toHex(await compressProof(proof)),
    };
    await writeFile(file, `${JSON.stringify(record, null, 2)}\n`);
    const terms = await storageProofs.read.proofTerms([datasetId, BigInt(column), chain.account.address]);
    await chain.send(() => storageProofs.write.submitProof([datasetId, round, BigInt(column), proofToCalldata(proof), terms]));
    submitted++;
    log.info({ ...context, column, proveMs, file }, "storage proof submitted");
  }
  return submitted;
}
