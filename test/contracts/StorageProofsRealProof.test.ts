import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { readFile } from "node:fs/promises";
import { bytesToHex, getAddress, parseEventLogs } from "viem";
import type { ProtocolConnection } from "../../keepers/src/chain/protocolContracts.ts";
import { FIELD_MODULUS } from "../../keepers/src/commitments/field.ts";
import { compressProof, proofFromCalldata, proofFromSnarkjs, proofToCalldata, type ProofCalldata } from "../../keepers/src/proofs/proofEncoding.ts";
import { verifyStorageProofRecord } from "../../keepers/src/proofs/storageProofRecord.ts";
import { StorageProver } from "../../keepers/src/proofs/storageProver.ts";
import { nonCanonicalCompressedProofs, wrappedNegationLifts } from "../keepers/proofs/nonCanonicalWords.ts";
import type { ZkVectorFile } from "../keepers/proofs/zkVectors.ts";
import { networkHelpers, viem } from "./fixture.ts";
import { proveRealColumn, submitRealProof, withRealOpenRound } from "./storageProofRound.ts";

/** Whole-transaction gas goal of a proof submission (docs/storage-proofs.md). */
const SUBMIT_GAS_CEILING = 230_000n;
/** Field modulus of the BN254 base field (proof coordinates). */
const P = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

describe("StorageProofs with real Groth16 proofs and the development verifier", { timeout: 600_000 }, () => {
  let prover: StorageProver;
  /** Real proofs in round 1: column 0 by its holder; column 1 by its holder; column 1 bound to column 0's holder. */
  let proofs: { column0: ProofCalldata; column1: ProofCalldata; column1ForOtherProver: ProofCalldata };

  before(async () => {
    prover = await StorageProver.load();
    const p = await networkHelpers.loadFixture(withRealOpenRound);
    const [holder0, holder1] = p.holder.map((w) => getAddress(w.account.address));
    proofs = {
      column0: await proveRealColumn(p, prover, 0, holder0!),
      column1: await proveRealColumn(p, prover, 1, holder1!),
      column1ForOtherProver: await proveRealColumn(p, prover, 1, holder0!),
    };
  });

  after(() => prover?.close());

  /** Submits `proof` for `column` in round `round` from `wallet`; returns the receipt's outcome. */
  async function submit(p: Awaited<ReturnType<typeof withRealOpenRound>>, wallet: (typeof p.holder)[number], column: bigint, proof: ProofCalldata, round = 1n) {
    const receipt = await submitRealProof(p, wallet, column, proof, round);
    const accepted = parseEventLogs({ abi: p.storageProofs.abi, logs: receipt.logs, eventName: "ProofAccepted" }).length === 1;
    const rejected = parseEventLogs({ abi: p.storageProofs.abi, logs: receipt.logs, eventName: "ProofRejected" }).length === 1;
    return { accepted, rejected, gasUsed: receipt.gasUsed };
  }

  it("publicInputs is [registered root, prover, the round's seed]", async () => {
    const p = await networkHelpers.loadFixture(withRealOpenRound);
    const round = await p.storageProofs.read.currentRound([1n]);
    const prover = getAddress(p.holder[0]!.account.address);
    const root = BigInt((await p.datasetRegistry.read.columnRoots([1n]))[0]!);
    assert.deepEqual(await p.storageProofs.read.publicInputs([1n, 0n, prover]), [root, BigInt(prover), round.seed]);
  });

  it("the development verifier accepts every storage-circuit test vector and nothing with a changed input", async () => {
    const p = await networkHelpers.loadFixture(withRealOpenRound);
    const verifier = p.storageProofVerifier;
    const vectors: ZkVectorFile = JSON.parse(await readFile(new URL("../fixtures/zk/vectors/storageProof.json", import.meta.url), "utf8"));
    for (const { proof, publicSignals } of vectors.proofs) {
      const [root, prover, seed] = publicSignals.map(BigInt) as [bigint, bigint, bigint];
      const words = proofToCalldata(proofFromSnarkjs(proof));
      const verify = async (r: bigint, a: bigint, s: bigint) =>
        verifier.read.verifyProof([words, await verifier.read.columnTerm([r, getAddress(`0x${a.toString(16).padStart(40, "0")}`)]), await verifier.read.roundTerm([s])]);
      assert.equal(await verify(root, prover, seed), true);
      for (const [r, a, s] of [
        [root + 1n, prover, seed],
        [root, prover ^ 1n, seed],
        [root, prover, seed + 1n],
      ] as const) {
        assert.equal(await verify(r, a, s), false);
      }
    }
  });

  it("accepts each holder's real proof, within the gas ceiling", async () => {
    const p = await networkHelpers.loadFixture(withRealOpenRound);
    const first = await submit(p, p.holder[0]!, 0n, proofs.column0);
    const second = await submit(p, p.holder[1]!, 1n, proofs.column1);
    assert.deepEqual([first.accepted, second.accepted], [true, true]);
    console.log(`submitProof gas: ${first.gasUsed} (first of the round), ${second.gasUsed}`);
    assert.ok(first.gasUsed <= SUBMIT_GAS_CEILING && second.gasUsed <= SUBMIT_GAS_CEILING, `${first.gasUsed}, ${second.gasUsed}`);
    const round = await p.storageProofs.read.currentRound([1n]);
    assert.equal(round.proved & round.audited, round.audited);
  });

  it("rejects a proof for another column, and slashes the holder who sent it", async () => {
    const p = await networkHelpers.loadFixture(withRealOpenRound);
    const before = await p.datasetRegistry.read.lockedStakeOf([p.holder[1]!.account.address]);
    const outcome = await submit(p, p.holder[1]!, 1n, proofs.column0);
    assert.deepEqual([outcome.accepted, outcome.rejected], [false, true]);
    assert.ok((await p.datasetRegistry.read.lockedStakeOf([p.holder[1]!.account.address])) < before);
  });

  it("rejects a proof bound to another prover", async () => {
    const p = await networkHelpers.loadFixture(withRealOpenRound);
    const outcome = await submit(p, p.holder[1]!, 1n, proofs.column1ForOtherProver);
    assert.deepEqual([outcome.accepted, outcome.rejected], [false, true]);
  });

  it("rejects a proof of an old round in the next round", async () => {
    const p = await networkHelpers.loadFixture(withRealOpenRound);
    assert.equal((await submit(p, p.holder[0]!, 0n, proofs.column0)).accepted, true);
    assert.equal((await submit(p, p.holder[1]!, 1n, proofs.column1)).accepted, true);
    await networkHelpers.time.increase(Number(await p.storageProofs.read.nextRoundAt([1n])) - (await networkHelpers.time.latest()) + 1);
    await p.storageProofs.write.closeRound([1n]);
    await p.storageProofs.write.openRound([1n]);
    const requests = await p.storageProofs.getEvents.RoundRequested({ datasetId: 1n }, { fromBlock: 0n });
    await p.vrfCoordinator.write.fulfillRandomWords([requests.at(-1)!.args.requestId!, p.storageProofs.address]);
    const outcome = await submit(p, p.holder[0]!, 0n, proofs.column0, 2n);
    assert.deepEqual([outcome.accepted, outcome.rejected], [false, true]);
  });

  it("rejects malformed proofs on-chain: a coordinate >= p, a.y re-encoded past 2^256, a point off the curve, swapped G2 coordinates", async () => {
    const good = proofs.column0;
    const malformed: [string, ProofCalldata][] = [
      ["a.x + p", [good[0] + P, ...good.slice(1)] as unknown as ProofCalldata],
      ["a off the curve", [good[0], (good[1] + 1n) % P, ...good.slice(2)] as unknown as ProofCalldata],
      ["b.x coordinates swapped", [good[0], good[1], good[3], good[2], ...good.slice(4)] as unknown as ProofCalldata],
      ["c.y replaced by r", [...good.slice(0, 7), FIELD_MODULUS] as unknown as ProofCalldata],
      // What the verifier accepted as a.y before it checked every word < p.
      ["a.y + (2^256 mod p) + k·p", [good[0], wrappedNegationLifts(good[1]).at(-1)!, ...good.slice(2)] as unknown as ProofCalldata],
    ];
    for (const [label, proof] of malformed) {
      const p = await networkHelpers.loadFixture(withRealOpenRound);
      const outcome = await submit(p, p.holder[0]!, 0n, proof);
      assert.deepEqual([outcome.accepted, outcome.rejected], [false, true], label);
    }
  });

  it("`proof verify` agrees with the chain: the kept proof valid, each non-canonical x coordinate invalid", async () => {
    const p = await networkHelpers.loadFixture(withRealOpenRound);
    const holder = getAddress(p.holder[0]!.account.address);
    // verifyStorageProofRecord reads only these two contracts and the logs.
    const chain = { contracts: { DatasetRegistry: p.datasetRegistry, StorageProofs: p.storageProofs }, publicClient: await viem.getPublicClient(), deploymentBlock: 0n } as unknown as ProtocolConnection;
    const publicSignals = (await p.storageProofs.read.publicInputs([1n, 0n, holder])).map(String);
    const verdictOf = (bytes: Uint8Array) =>
      verifyStorageProofRecord({ chain, record: { datasetId: "1", round: "1", column: 0, prover: holder, publicSignals, proof: bytesToHex(bytes) } });
    const good = proofs.column0;
    const bytes = await compressProof(proofFromCalldata(good));
    const verdict = await verdictOf(bytes);
    assert.deepEqual([verdict.valid, verdict.reasons, verdict.verifierVersion], [true, [], "1"], "checked with the version bound at registration");
    // The 128 bytes carry x coordinates only; b.x0 always has room for a lift, the others when below 2^254 − p.
    const variants = nonCanonicalCompressedProofs(bytes, good);
    assert.ok(variants.some(({ word }) => word === "b.x0"));
    for (const { label, bytes: tampered, calldata } of variants) {
      const tamperedVerdict = await verdictOf(tampered);
      assert.equal(tamperedVerdict.valid, false, label);
      assert.match(tamperedVerdict.reasons.join("; "), /the proof is malformed: . must have coordinates in \[0, p\)/, label);
      await networkHelpers.loadFixture(withRealOpenRound); // each submission in a fresh round
      const outcome = await submit(p, p.holder[0]!, 0n, calldata);
      assert.deepEqual([outcome.accepted, outcome.rejected], [false, true], `on-chain: ${label}`);
    }
  });
});
