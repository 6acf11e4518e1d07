import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { bytesToHex, getAddress, keccak256, parseEther, stringToHex, type Address } from "viem";
import type { ProtocolConnection } from "../../../keepers/src/chain/protocolContracts.ts";
import { compressProof, proofFromCalldata, type ProofCalldata } from "../../../keepers/src/proofs/proofEncoding.ts";
import { verifyStorageProofRecord, type StorageProofRecord } from "../../../keepers/src/proofs/storageProofRecord.ts";
import { StorageProver } from "../../../keepers/src/proofs/storageProver.ts";
import { networkHelpers, viem, type Protocol } from "../../contracts/fixture.ts";
import { proveRealColumn, submitRealProof, withRealOpenRound, withRealOpenRoundBoundTo } from "../../contracts/storageProofRound.ts";

type RealRound = Awaited<ReturnType<typeof withRealOpenRound>>;

/** Registers test/contracts/utils/VerifierDouble.sol (it accepts any proof) as version 2, as governance would, and names it. */
async function addAcceptingVerifier(p: Protocol): Promise<number> {
  const double = await viem.deployContract("VerifierDouble");
  await networkHelpers.impersonateAccount(p.governance.address);
  await networkHelpers.setBalance(p.governance.address, parseEther("1"));
  await p.storageProofs.write.addVerifier([double.address, keccak256(stringToHex("another key"))], { account: p.governance.address });
  return 2;
}

/** The same dataset, holders and round, but the dataset bound to an accepting verifier of another key. */
async function withRoundOnAnotherVerifier() {
  return withRealOpenRoundBoundTo(addAcceptingVerifier);
}

/** Round 1 with column 0's genuine proof accepted; then its holder exits and the column is redrawn to the spare provider, who accepts it. */
async function withColumn0Reassigned() {
  const p = await withRealOpenRound();
  await submitRealProof(p, p.holder[0]!, 0n, genuineCalldata);
  await p.datasetRegistry.write.exit({ account: p.holder[0]!.account });
  await p.datasetRegistry.write.reassign([1n, 0n]);
  const requested = await p.datasetRegistry.getEvents.PlacementRequested({ datasetId: 1n }, { fromBlock: 0n });
  await p.vrfCoordinator.write.fulfillRandomWords([requested.at(-1)!.args.requestId!, p.datasetRegistry.address]);
  await p.datasetRegistry.write.acceptColumn([1n, 0n], { account: p.spare.account });
  return p;
}

let genuineCalldata: ProofCalldata;

describe("verifyStorageProofRecord checks what submitProof checks, as the chain was in the record's round", { timeout: 600_000 }, () => {
  let prover: StorageProver;
  /** Column 0's real proof in round 1 by its holder, as the storage role keeps it. */
  let genuine: StorageProofRecord;
  let holders: [Address, Address];

  before(async () => {
    // One real proof (about 10 CPU-seconds): the committed vectors' seeds and roots are not a round's.
    prover = await StorageProver.load();
    const p = await networkHelpers.loadFixture(withRealOpenRound);
    holders = p.holder.map((w) => getAddress(w.account.address)) as [Address, Address];
    genuineCalldata = await proveRealColumn(p, prover, 0, holders[0]);
    const publicSignals = (await p.storageProofs.read.publicInputs([1n, 0n, holders[0]])).map(String);
    genuine = { datasetId: "1", round: "1", column: 0, prover: holders[0], publicSignals, proof: bytesToHex(await compressProof(proofFromCalldata(genuineCalldata))) };
  });

  after(() => prover?.close());

  /** The keeper's view of the fixture's chain (verifyStorageProofRecord reads these two contracts and the logs). */
  const chainOf = async (p: RealRound): Promise<ProtocolConnection> =>
    ({ contracts: { DatasetRegistry: p.datasetRegistry, StorageProofs: p.storageProofs }, publicClient: await viem.getPublicClient(), deploymentBlock: 0n }) as unknown as ProtocolConnection;

  it("the genuine record is valid, naming the round's holder, seed and bound version", async () => {
    const p = await networkHelpers.loadFixture(withRealOpenRound);
    await submitRealProof(p, p.holder[0]!, 0n, genuineCalldata);
    const verdict = await verifyStorageProofRecord({ chain: await chainOf(p), record: genuine });
    assert.deepEqual(verdict.reasons, []);
    assert.equal(verdict.valid, true);
    assert.deepEqual([verdict.holder, verdict.seed, verdict.verifierVersion], [holders[0], genuine.publicSignals[2], "1"]);
  });

  describe("when the record's prover did not hold the column in that round", () => {
    it("is invalid with that reason (another holder of the dataset claims it)", async () => {
      const p = await networkHelpers.loadFixture(withRealOpenRound);
      const record = { ...genuine, prover: holders[1], publicSignals: [genuine.publicSignals[0]!, BigInt(holders[1]).toString(), genuine.publicSignals[2]!] };
      const verdict = await verifyStorageProofRecord({ chain: await chainOf(p), record });
      assert.equal(verdict.valid, false);
      assert.ok(verdict.reasons.includes(`${holders[1]} did not hold column 0 of dataset 1 in round 1: ${holders[0]} did`), verdict.reasons.join("; "));
    });

    it("uses the holder of the round, not today's: after a redraw the genuine record stays valid and the new holder's claim is refused", async () => {
      const p = await networkHelpers.loadFixture(withColumn0Reassigned);
      const spare = getAddress(p.spare.account.address);
      assert.equal((await p.datasetRegistry.read.columnOf([1n, 0n]))[0], spare, "the spare holds column 0 now");
      const chain = await chainOf(p);
      assert.deepEqual((await verifyStorageProofRecord({ chain, record: genuine })).reasons, []);
      const claimed = await verifyStorageProofRecord({ chain, record: { ...genuine, prover: spare, publicSignals: [genuine.publicSignals[0]!, BigInt(spare).toString(), genuine.publicSignals[2]!] } });
      assert.equal(claimed.valid, false);
      assert.ok(claimed.reasons.includes(`${spare} did not hold column 0 of dataset 1 in round 1: ${holders[0]} did`), claimed.reasons.join("; "));
      assert.ok(claimed.reasons.includes(`the verifier of version 1 (${p.storageProofVerifier.address}) rejects the proof`), claimed.reasons.join("; "));
    });
  });

  describe("when the record's round or seed is not the chain's", () => {
    it("a round that never opened is invalid with that reason", async () => {
      const p = await networkHelpers.loadFixture(withRealOpenRound);
      const verdict = await verifyStorageProofRecord({ chain: await chainOf(p), record: { ...genuine, round: "2" } });
      assert.equal(verdict.valid, false);
      assert.deepEqual([verdict.reasons[0], verdict.seed, verdict.holder], ["round 2 of dataset 1 never opened", null, null]);
    });

    it("another seed is invalid with that reason", async () => {
      const p = await networkHelpers.loadFixture(withRealOpenRound);
      const seed = BigInt(genuine.publicSignals[2]!);
      const verdict = await verifyStorageProofRecord({ chain: await chainOf(p), record: { ...genuine, publicSignals: [genuine.publicSignals[0]!, genuine.publicSignals[1]!, (seed + 1n).toString()] } });
      assert.equal(verdict.valid, false);
      assert.deepEqual(verdict.reasons, [`public signal 2 (seed) is ${seed + 1n}, the chain's is ${seed}`]);
    });

    it("a proof the chain never accepted is invalid once the round's deadline passed", async () => {
      const p = await networkHelpers.loadFixture(withRealOpenRound);
      const { deadline } = await p.storageProofs.read.currentRound([1n]);
      await networkHelpers.time.increaseTo(deadline);
      const verdict = await verifyStorageProofRecord({ chain: await chainOf(p), record: genuine });
      assert.equal(verdict.valid, false);
      assert.deepEqual(verdict.reasons, [`the chain accepted no proof of column 0 from ${holders[0]} in round 1 before its deadline ${deadline} (${new Date(Number(deadline) * 1000).toISOString()})`]);
    });
  });

  describe("when the dataset is bound to another verifier", () => {
    it("is invalid with that reason, even though that verifier accepts anything", async () => {
      const p = await networkHelpers.loadFixture(withRoundOnAnotherVerifier);
      const verdict = await verifyStorageProofRecord({ chain: await chainOf(p), record: genuine });
      assert.equal(verdict.valid, false);
      assert.equal(verdict.verifierVersion, "2");
      assert.deepEqual(verdict.reasons, ["the local verifying key is not the one of version 2, which the dataset is bound to"]);
    });
  });
});
