import { getAddress, type Address } from "viem";
import { columnRoot } from "../../keepers/src/commitments/columnRoot.ts";
import { fieldToBytes32Hex } from "../../keepers/src/commitments/field.ts";
import { proofToCalldata, type ProofCalldata } from "../../keepers/src/proofs/proofEncoding.ts";
import type { StorageProver } from "../../keepers/src/proofs/storageProver.ts";
import { storageWitness } from "../../keepers/src/proofs/storageWitness.ts";
import { SeededRandom } from "../keepers/commitments/seededRandom.ts";
import { stake, viem, withDatasetOfRoots, type Protocol } from "./fixture.ts";

/** The two columns of the real-proof dataset: seeded bytes (about 30 and 25 leaves). */
export const REAL_COLUMNS = [new SeededRandom(1n).bytes(496 * 30 - 7), new SeededRandom(2n).bytes(496 * 25)] as const;
const commitments = await Promise.all(REAL_COLUMNS.map((column) => columnRoot({ column })));

/**
 * Dataset 1 registered with the real Poseidon roots of {@link REAL_COLUMNS}, both columns accepted
 * by their holders, and round 1 open (the dataset bound to the real development verifier that
 * VeritrainLocal registers as version 1).
 */
export async function withRealOpenRound() {
  return withRealOpenRoundBoundTo();
}

/** {@link withRealOpenRound} with the dataset bound to the version `addVersion` registers and returns (default: version 1). */
export async function withRealOpenRoundBoundTo(addVersion?: (p: Protocol) => Promise<number>) {
  const p = await withDatasetOfRoots([fieldToBytes32Hex(commitments[0]!.root), fieldToBytes32Hex(commitments[1]!.root)], addVersion);
  const holders = await p.datasetRegistry.read.holders([1n]);
  const holder = holders.map((address) => p.storageProviders.find((w) => getAddress(w.account.address) === address)!);
  for (const [column, wallet] of holder.entries()) await p.datasetRegistry.write.acceptColumn([1n, BigInt(column)], { account: wallet.account });
  const spare = p.storageProviders.at(-3)!;
  await stake(p, spare, await p.datasetRegistry.read.providerStake());
  await p.datasetRegistry.write.join(["/ip4/127.0.0.1/tcp/4001/p2p/spare"], { account: spare.account });
  await p.storageProofs.write.openRound([1n]);
  const [requested] = await p.storageProofs.getEvents.RoundRequested({ datasetId: 1n }, { fromBlock: 0n });
  await p.vrfCoordinator.write.fulfillRandomWords([requested!.args.requestId!, p.storageProofs.address]);
  return { ...p, holder, spare };
}

type RealRound = Awaited<ReturnType<typeof withRealOpenRound>>;

/**
 * A real proof of column `column` of dataset 1 in its current round, made as `prover` would
 * make it (public inputs read from StorageProofs.publicInputs for that prover).
 */
export async function proveRealColumn(p: RealRound, storageProver: StorageProver, column: 0 | 1, prover: Address): Promise<ProofCalldata> {
  const [root, , seed] = await p.storageProofs.read.publicInputs([1n, BigInt(column), prover]);
  const input = await storageWitness({ column: REAL_COLUMNS[column], columnRoot: root, prover, seed, leafCount: commitments[column]!.leafCount });
  return proofToCalldata((await storageProver.prove(input)).proof);
}

/** Submits `proof` for `column` of dataset 1 in `round` as `wallet`, with the terms StorageProofs computes for it; returns the receipt. */
export async function submitRealProof(p: RealRound, wallet: RealRound["holder"][number], column: bigint, proof: ProofCalldata, round = 1n) {
  const terms = await p.storageProofs.read.proofTerms([1n, column, getAddress(wallet.account.address)]);
  const hash = await p.storageProofs.write.submitProof([1n, round, column, [...proof], terms], { account: wallet.account });
  return (await viem.getPublicClient()).waitForTransactionReceipt({ hash });
}
