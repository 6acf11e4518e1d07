import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { getAddress } from "viem";
import { proofFromSnarkjs, proofToCalldata, type ProofCalldata } from "../../keepers/src/proofs/proofEncoding.ts";
import { liftsOf, nonCanonicalProofs } from "../keepers/proofs/nonCanonicalWords.ts";
import type { ZkVectorFile } from "../keepers/proofs/zkVectors.ts";
import { networkHelpers, viem } from "./fixture.ts";

const vectors: ZkVectorFile = JSON.parse(await readFile(new URL("../fixtures/zk/vectors/storageProof.json", import.meta.url), "utf8"));

async function deployVerifier() {
  return viem.deployContract("StorageProofVerifierV1");
}

type Verifier = Awaited<ReturnType<typeof deployVerifier>>;
type Term = readonly [bigint, bigint];

/** Each committed real proof with its calldata and the two terms the verifier computes for its public inputs. */
async function vectorCases(verifier: Verifier) {
  return Promise.all(
    vectors.proofs.map(async ({ proof, publicSignals }) => {
      const [root, prover, seed] = publicSignals.map(BigInt) as [bigint, bigint, bigint];
      const columnTerm: Term = await verifier.read.columnTerm([root, getAddress(`0x${prover.toString(16).padStart(40, "0")}`)]);
      const roundTerm: Term = await verifier.read.roundTerm([seed]);
      return { calldata: proofToCalldata(proofFromSnarkjs(proof)), columnTerm, roundTerm };
    }),
  );
}

const verify = (verifier: Verifier, calldata: ProofCalldata, columnTerm: Term, roundTerm: Term) =>
  verifier.read.verifyProof([[...calldata], [...columnTerm], [...roundTerm]]);

describe("StorageProofVerifierV1 (the committed development verifier)", () => {
  describe("verifyProof", () => {
    it("accepts every committed storage-circuit proof with the terms of its public inputs", async () => {
      const verifier = await networkHelpers.loadFixture(deployVerifier);
      for (const [i, { calldata, columnTerm, roundTerm }] of (await vectorCases(verifier)).entries()) {
        assert.equal(await verify(verifier, calldata, columnTerm, roundTerm), true, `proof ${i}`);
      }
    });

    describe("when a proof word is not below p", () => {
      it("returns false for each of the 8 words replaced by a value ≥ p (≡ it mod p, or a.y's wrapped negation)", async () => {
        const verifier = await networkHelpers.loadFixture(deployVerifier);
        for (const [i, { calldata, columnTerm, roundTerm }] of (await vectorCases(verifier)).entries()) {
          const variants = nonCanonicalProofs(calldata);
          assert.ok(variants.filter(({ word }) => word === "a.y").length > liftsOf(calldata[1]).length, "a.y has wrapped-negation variants");
          for (const { label, calldata: tampered } of variants) {
            assert.equal(await verify(verifier, tampered, columnTerm, roundTerm), false, `proof ${i}: ${label}`);
          }
        }
      });
    });

    describe("when a term coordinate is not below p", () => {
      it("returns false for each coordinate of either term replaced by a value + k·p", async () => {
        const verifier = await networkHelpers.loadFixture(deployVerifier);
        for (const [i, { calldata, columnTerm, roundTerm }] of (await vectorCases(verifier)).entries()) {
          for (const [name, term] of [["columnTerm", columnTerm], ["roundTerm", roundTerm]] as const) {
            for (const coordinate of [0, 1] as const) {
              for (const lifted of liftsOf(term[coordinate])) {
                const tampered: Term = coordinate === 0 ? [lifted, term[1]] : [term[0], lifted];
                const [column, round] = name === "columnTerm" ? [tampered, roundTerm] : [columnTerm, tampered];
                assert.equal(await verify(verifier, calldata, column, round), false, `proof ${i}: ${name}[${coordinate}] = ${lifted}`);
              }
            }
          }
        }
      });
    });
  });
});
