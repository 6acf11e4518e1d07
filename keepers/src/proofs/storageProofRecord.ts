import { readFile } from "node:fs/promises";
import { type Address, getAddress, getContract, hexToBigInt, hexToBytes, isAddress, isAddressEqual, isHex, parseAbi, type ContractEventArgs } from "viem";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import { readEvents } from "../chain/readEvents.ts";
import { VeritrainError } from "../errors.ts";
import { verifyGroth16Proof } from "./groth16Verifier.ts";
import { COMPRESSED_PROOF_BYTES, PROOF_MALFORMED, decompressProof, proofToCalldata } from "./proofEncoding.ts";
import { storageProofStatement } from "./storageProofStatement.ts";
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
  /** Each check that failed, one sentence each (empty when valid). */
  reasons: string[];
  /** The registered root of the record's column (null: the dataset has no such column). */
  columnRoot: string | null;
  /** The round's seed from its `RoundOpened` event (null: the round never opened). */
  seed: string | null;
  /** Who held the column in that round: the last acceptance before the round opened (null: no one). */
  holder: Address | null;
  /** The verifier version the dataset was bound to at its registration (0: none), whose verifier checks the proof. */
  verifierVersion: string;
  /** That version's verifying-key hash (null: no version). */
  verifyingKeyHash: string | null;
};

/** The storage-proof verifier interface (IStorageProofVerifier): StorageProofs calls exactly this. */
const VERIFIER_ABI = parseAbi([
  "function columnTerm(uint256 columnRoot, address prover) view returns (uint256[2])",
  "function roundTerm(uint256 seed) view returns (uint256[2])",
  "function verifyProof(uint256[8] proof, uint256[2] columnTerm, uint256[2] roundTerm) view returns (bool)",
]);

/**
 * Verifies a storage proof record off-chain against everything `StorageProofs.submitProof` checks,
 * as the chain was in the record's round:
 *
 * - the round opened (`RoundOpened`: its seed, deadline and audited columns) and audited the column;
 * - the prover held the column in that round: the last `ColumnPrepared` (emitted by every
 *   acceptance) before the round opened names it. Holders change by reassignment, so the current
 *   holder proves nothing about an old round; a column owing a proof is never redrawn before the
 *   round closes, so the holder at the opening is the one the contract let submit;
 * - the chain accepted a proof of the column from the prover before the round's deadline
 *   (`ProofAccepted`), or the deadline has not passed yet; a `ProofRejected` is a failure;
 * - the public signals are `[registered column root, prover, the round's seed]`;
 * - the proof verifies with the verifier of the version the dataset was bound to at registration
 *   (called on-chain exactly as `submitProof` calls it, with the terms of that root, prover and
 *   seed), and, when the local verifying key is that version's key (same hash), locally with
 *   mcl-wasm too, without trusting the RPC. A proof that does not decode or is malformed (e.g. a
 *   coordinate ≥ p) is invalid, as on-chain.
 *
 * The round's state comes from events, not archive reads of old state (`blockNumber`): Hardhat
 * serves those, but public L2 RPCs often keep only recent state, while logs are served for every
 * block, and these events carry exactly what the contract stored (seed, deadline, audited bitmap,
 * holder at acceptance). Roots and the bound version are written once at registration, so the
 * current values are the round's. Every failed check is a reason; `valid` only when none failed.
 *
 * @example
 * const verdict = await verifyStorageProofRecord({ chain, record: await readStorageProofRecord(file) });
 */
export async function verifyStorageProofRecord({ chain, record }: { chain: ProtocolConnection; record: StorageProofRecord }): Promise<StorageProofVerdict> {
  const { DatasetRegistry: registry, StorageProofs: storageProofs } = chain.contracts;
  const { publicClient } = chain;
  const datasetId = BigInt(record.datasetId);
  const round = BigInt(record.round);
  const { column, prover } = record;
  const reasons: string[] = [];
  const events = <Name extends "RoundOpened" | "ColumnPrepared" | "ProofAccepted" | "ProofRejected">(eventName: Name, args: ContractEventArgs<typeof storageProofs.abi, Name>) =>
    readEvents({ chain, contract: storageProofs, eventName, args });

  const root = (await registry.read.columnRoots([datasetId]))[column];
  if (root === undefined) reasons.push(`dataset ${datasetId} has no column ${column}`);
  const [opened] = await events("RoundOpened", { datasetId, round });
  let holder: Address | null = null;
  if (!opened) {
    reasons.push(`round ${round} of dataset ${datasetId} never opened`);
  } else {
    if (((opened.args.audited >> BigInt(column)) & 1n) === 0n) reasons.push(`column ${column} was not audited in round ${round}: no holder had accepted it when the round opened`);
    const before = (log: { blockNumber: bigint; logIndex: number }) =>
      log.blockNumber < opened.blockNumber || (log.blockNumber === opened.blockNumber && log.logIndex < opened.logIndex);
    holder = (await events("ColumnPrepared", { datasetId, column: BigInt(column) })).filter(before).at(-1)?.args.holder ?? null;
    if (holder === null || !isAddressEqual(holder, prover)) {
      reasons.push(`${prover} did not hold column ${column} of dataset ${datasetId} in round ${round}: ${holder ?? "no one"} did`);
    }
    const ofColumn = <T extends { args: { column: bigint; provider: Address } }>(logs: T[]) => logs.filter((log) => log.args.column === BigInt(column));
    const rejected = ofColumn(await events("ProofRejected", { datasetId, round }));
    const accepted = ofColumn(await events("ProofAccepted", { datasetId, round })).filter((log) => isAddressEqual(log.args.provider, prover));
    const deadline = opened.args.deadline;
    if (rejected.length > 0) {
      reasons.push(`the chain rejected the proof of column ${column} that ${rejected[0]!.args.provider} submitted in round ${round}`);
    } else if (accepted.length === 0 && (await publicClient.getBlock()).timestamp >= deadline) {
      reasons.push(`the chain accepted no proof of column ${column} from ${prover} in round ${round} before its deadline ${deadline} (${new Date(Number(deadline) * 1000).toISOString()})`);
    }
  }
  const seed = opened?.args.seed;
  const expected = [root === undefined ? undefined : BigInt(root), hexToBigInt(prover), seed];
  SIGNAL_NAMES.forEach((name, i) => {
    const signal = BigInt(record.publicSignals[i]!);
    if (expected[i] !== undefined && signal !== expected[i]) reasons.push(`public signal ${i} (${name}) is ${signal}, the chain's is ${expected[i]}`);
  });

  const bound = await storageProofs.read.versionOf([datasetId]);
  const version = bound === 0n ? undefined : await storageProofs.read.verifierVersion([bound]);
  if (version === undefined) reasons.push(`dataset ${datasetId} is bound to no verifier version`);
  const localKey = JSON.parse(await readFile(STORAGE_CIRCUIT_FILES.verificationKey, "utf8"));
  const localKeyIsBound = version !== undefined && verifyingKeyHash(localKey) === version.verifyingKeyHash;
  if (version !== undefined && !localKeyIsBound) reasons.push(`the local verifying key is not the one of version ${bound}, which the dataset is bound to`);
  if (root !== undefined && seed !== undefined && version !== undefined) {
    const statement = storageProofStatement({ columnRoot: root, prover, seed });
    reasons.push(...(await proofFailures({ chain, record, statement, verifier: version.verifier, bound, localKeyIsBound })));
  }
  return {
    valid: reasons.length === 0,
    reasons,
    columnRoot: root === undefined ? null : BigInt(root).toString(),
    seed: seed === undefined ? null : seed.toString(),
    holder,
    verifierVersion: bound.toString(),
    verifyingKeyHash: version?.verifyingKeyHash ?? null,
  };
}

/** The public signals in order, as reasons name them. */
const SIGNAL_NAMES = ["column root", "prover", "seed"] as const;

/** Why the record's proof fails for `statement` = [root, prover, seed]: malformed, rejected by the bound verifier, or (with the bound key) by the local check. */
async function proofFailures({ chain, record, statement, verifier, bound, localKeyIsBound }: {
  chain: ProtocolConnection;
  record: StorageProofRecord;
  statement: readonly [bigint, bigint, bigint];
  verifier: Address;
  bound: bigint;
  localKeyIsBound: boolean;
}): Promise<string[]> {
  let proof: Awaited<ReturnType<typeof decompressProof>>;
  try {
    proof = await decompressProof(hexToBytes(record.proof));
  } catch (error) {
    // The chain counts a malformed proof (a coordinate ≥ p, a point off its curve) as an invalid
    // one, and so does the verdict.
    if (!(error instanceof VeritrainError) || error.code !== PROOF_MALFORMED) throw error;
    return [`the proof is malformed: ${error.message}`];
  }
  const failures: string[] = [];
  const [root, prover, seed] = statement;
  const contract = getContract({ address: verifier, abi: VERIFIER_ABI, client: chain.publicClient });
  const terms = [await contract.read.columnTerm([root, record.prover]), await contract.read.roundTerm([seed])] as const;
  if (!(await contract.read.verifyProof([proofToCalldata(proof), ...terms]))) failures.push(`the verifier of version ${bound} (${verifier}) rejects the proof`);
  if (localKeyIsBound && !verifyGroth16Proof({ verifyingKey: await storageVerifyingKey(), proof, publicSignals: [root, prover, seed] })) {
    failures.push("the proof does not verify with the local verifying key");
  }
  return failures;
}
