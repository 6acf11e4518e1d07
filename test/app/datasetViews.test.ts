import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeFunctionData, zeroAddress } from "viem";
import { manifestBlockCid, manifestCidOf } from "../../keepers/src/datasets/manifest.ts";
import { setBits } from "../../keepers/src/chain/setBits.ts";
import { chartSummary, roundChartData } from "../../app/src/datasets/roundChartData.ts";
import { submittedProof } from "../../app/src/datasets/submittedProof.ts";
import { StorageProofsAbi } from "../../app/src/generated/abis.ts";

describe("dataset views", () => {
  describe("setBits", () => {
    it("lists the set bits of a round bitmap, ascending", () => {
      assert.deepEqual(setBits("11"), [0, 1, 3]);
      assert.deepEqual(setBits(1n << 40n), [40]);
      assert.deepEqual(setBits("0"), []);
    });
    it("reads a round not yet opened or closed as no column", () => {
      assert.deepEqual(setBits(null), []);
      assert.deepEqual(setBits(undefined), []);
    });
  });

  describe("roundChartData", () => {
    const proofs = (...outcomes: ("Accepted" | "Rejected" | "Missed")[]) => outcomes.map((outcome) => ({ outcome }));
    it("counts accepted and missed (or rejected) proofs per round, oldest first", () => {
      const bars = roundChartData([
        { number: "2", status: "Open", audited: "15", proofs: proofs("Accepted") },
        { number: "1", status: "Closed", audited: "7", proofs: proofs("Accepted", "Missed", "Rejected") },
      ]);
      assert.deepEqual(bars, [
        { round: 1, audited: 3, accepted: 1, missed: 2, pending: 0 },
        { round: 2, audited: 4, accepted: 1, missed: 0, pending: 3 },
      ]);
    });
    it("summarises the chart for screen readers", () => {
      assert.equal(
        chartSummary([{ round: 1, audited: 3, accepted: 3, missed: 0, pending: 0 }, { round: 2, audited: 3, accepted: 1, missed: 0, pending: 2 }]),
        "Proofs per audit round, 2 rounds: 4 accepted, 0 missed. Round 1: 3 accepted, 0 missed. Round 2: 1 accepted, 0 missed, 2 pending.",
      );
    });
  });

  describe("submittedProof", () => {
    const proof = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n] as const;
    it("decodes the proof and its coordinates from submitProof calldata", () => {
      const input = encodeFunctionData({ abi: StorageProofsAbi, functionName: "submitProof", args: [3n, 2n, 5n, proof, { column: [9n, 10n], round: [11n, 12n], verifier: zeroAddress }] });
      assert.deepEqual(submittedProof(input), { datasetId: 3n, round: 2n, column: 5n, proof });
    });
    it("rejects a transaction that is not a proof submission", () => {
      assert.throws(() => submittedProof(encodeFunctionData({ abi: StorageProofsAbi, functionName: "closeRound", args: [1n] })), /calls closeRound, not submitProof/);
    });
  });

  describe("manifestCidOf", () => {
    it("derives the registered manifest's dag-cbor CID and its raw block from the on-chain digest", () => {
      const digest = `0x${"ab".repeat(32)}` as const;
      const cid = manifestCidOf(digest);
      assert.equal(cid.code, 0x71);
      assert.equal(Buffer.from(cid.multihash.digest).toString("hex"), "ab".repeat(32));
      assert.equal(manifestBlockCid(cid).code, 0x55);
    });
  });
});
