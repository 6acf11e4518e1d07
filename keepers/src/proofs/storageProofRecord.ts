import { readFile } from "node:fs/promises";
import { type Address, getAddress, hexToBigInt, hexToBytes, isAddress, isHex, parseEventLogs } from "viem";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import { VeritrainError } from "../errors.ts";
import { verifyGroth16Proof } from "./groth16Verifier.ts";
import { COMPRESSED_PROOF_BYTES, PROOF_MALFORMED, decompressProof } from "./proofEncoding.ts";
import { STORAGE_CIRCUIT_FILES, storageVerifyingKey } from "./storageProver.ts";
import { verifyingKeyHash } from "./verifyingKeyHash.ts";

/** A submitted storage proof as the storage role keeps it (`<dataDir>/proofs/<dataset>-<round>-<column>.json`). */
export type StorageProofRecord = {
  datasetId: string;
  round: string;
  column: number;
  prover: Address;
  /** `[columnRoot, prover, seed]`, decimal. */
  publicSignals: string[];
  /** The 128-byte compressed proof (docs/proof-encoding.md), 0x-hex. */
  proof: `0x${string}`;
};

/** Reads and checks the shape of a {@link StorageProofRecord} file. */
export async function readStorageProofRecord(path: string): Promise<StorageProofRecord> {
  const invalid = (field: string) =>
    new VeritrainError(`${path}: not a storage proof record (field ${field})`, { code: "PROOF_RECORD_INVALID", details: { path, field } });
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(await readFile(path, "utf8"));
  } catch (cause) {
    throw new VeritrainError(`${path}: cannot read a JSON proof record`, { code: "PROOF_RECORD_INVALID", details: { path }, cause });
  }
  const isDecimal = (v: unknown) => typeof v === "string" && /^(0|[1-9][0-9]*)$/.test(v);
  if (!isDecimal(value.datasetId)) throw invalid("datasetId");
  if (!isDecimal(value.round)) throw invalid("round");
  if (!Number.isSafeInteger(value.column) || (value.column as number) < 0) throw invalid("column");
  if (typeof value.prover !== "string" || !isAddress(value.prover)) throw invalid("prover");
  if (!Array.isArray(value.publicSignals) || value.publicSignals.length !== 3 || !value.publicSignals.every(isDecimal)) throw invalid("publicSignals");
  if (!isHex(value.proof) || hexToBytes(value.proof).length !== COMPRESSED_PROOF_BYTES) throw invalid("proof");
  return { ...(value as StorageProofRecord), prover: getAddress(value.prover) };
}

/** What {@link verifyStorageProofRecord} found. */
export type StorageProofVerdict = {
  valid: boolean;
  /** Why it is invalid (empty when valid). */
  reasons: string[];
  columnRoot: string;
  seed: string;
  /** The verifier version the dataset was bound to at its registration, whose key checked the proof. */
  verifierVersion: string;
  verifyingKeyHash: string;
};

/**
 * Verifies a storage proof off-chain against what the chain anchors: the column root registered
 * in DatasetRegistry, the round's seed from its `RoundOpened` event, the prover, and the verifying
 * key of the version the dataset was bound to at its registration (its hash must equal the local
 * key's; the verdict names the version). A proof that does not decode or is malformed (e.g. a
 * coordinate ≥ p) is invalid with a reason, as on-chain.
 *
 * @example
 * const verdict = await verifyStorageProofRecord({ chain, record: await readStorageProofRecord(file) });
 */
export async function verifyStorageProofRecord({ chain, record }: { chain: ProtocolConnection; record: StorageProofRecord }): Promise<StorageProofVerdict> {
  const { DatasetRegistry: registry, StorageProofs: storageProofs } = chain.contracts;
  const datasetId = BigInt(record.datasetId);
  const round = BigInt(record.round);
  const roots = await registry.read.columnRoots([datasetId]);
  const root = roots[record.column];
  if (root === undefined) {
    throw new VeritrainError(`dataset ${datasetId} has no column ${record.column}`, { code: "COLUMN_UNKNOWN", details: { ...record } });
  }
  const logs = await chain.publicClient.getLogs({
    address: storageProofs.address,
    event: storageProofs.abi.find((item) => item.type === "event" && item.name === "RoundOpened")!,
    args: { datasetId, round },
    fromBlock: 0n,
  });
  const [opened] = parseEventLogs({ abi: storageProofs.abi, logs, eventName: "RoundOpened" });
  if (!opened) throw new VeritrainError(`round ${round} of dataset ${datasetId} never opened`, { code: "ROUND_UNKNOWN", details: { ...record } });
  const bound = await storageProofs.read.versionOf([datasetId]);
  if (bound === 0n) {
    throw new VeritrainError(`dataset ${datasetId} is bound to no verifier version`, { code: "DATASET_UNBOUND", details: { datasetId: record.datasetId } });
  }
  const version = await storageProofs.read.verifierVersion([bound]);
  const localKey = JSON.parse(await readFile(STORAGE_CIRCUIT_FILES.verificationKey, "utf8"));
  const expected = [BigInt(root), hexToBigInt(record.prover), opened.args.seed];
  const reasons: string[] = [];
  if (verifyingKeyHash(localKey) !== version.verifyingKeyHash) reasons.push("the local verifying key is not the one the dataset is bound to");
  if (record.publicSignals.some((signal, i) => BigInt(signal) !== expected[i])) {
    reasons.push("the public signals are not [registered column root, prover, seed of this round]");
  }
  try {
    const proof = await decompressProof(hexToBytes(record.proof));
    if (!verifyGroth16Proof({ verifyingKey: await storageVerifyingKey(), proof, publicSignals: expected })) reasons.push("the proof does not verify");
  } catch (error) {
    // The chain counts a malformed proof (a coordinate ≥ p, a point off its curve) as an invalid
    // one, and so does the verdict.
    if (!(error instanceof VeritrainError) || error.code !== PROOF_MALFORMED) throw error;
    reasons.push(`the proof is malformed: ${error.message}`);
  }
  return {
    valid: reasons.length === 0,
    reasons,
    columnRoot: expected[0]!.toString(),
    seed: expected[2]!.toString(),
    verifierVersion: bound.toString(),
    verifyingKeyHash: version.verifyingKeyHash,
  };
}
