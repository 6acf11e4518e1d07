import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import * as snarkjs from "snarkjs";
import { columnRoot } from "../../../keepers/src/commitments/columnRoot.ts";
import { FIELD_MODULUS } from "../../../keepers/src/commitments/field.ts";
import { proofToSnarkjs } from "../../../keepers/src/proofs/proofEncoding.ts";
import { STORAGE_CIRCUIT_FILES, StorageProver, type StorageProof } from "../../../keepers/src/proofs/storageProver.ts";
import { storageWitness, type StorageWitnessInput } from "../../../keepers/src/proofs/storageWitness.ts";
import { SeededRandom } from "../commitments/seededRandom.ts";

describe("the storage circuit with the committed proving key", { timeout: 300_000 }, () => {
  const address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
  const column = new SeededRandom(5n).bytes(496 * 300 + 100);
  let prover: StorageProver;
  let verificationKey: object;
  let commitment: { root: bigint; leafCount: number };
  let input: StorageWitnessInput;
  let proved: StorageProof;

  before(async () => {
    prover = await StorageProver.load();
    verificationKey = JSON.parse((await readFile(STORAGE_CIRCUIT_FILES.verificationKey)).toString());
    commitment = await columnRoot({ column });
    input = await storageWitness({ column, columnRoot: commitment.root, prover: address, seed: 987654321n, leafCount: commitment.leafCount });
    proved = await prover.prove(input);
  });

  after(() => prover?.close());

  it("proves a real column's challenge; snarkjs agrees the proof verifies against [columnRoot, prover, seed]", async () => {
    assert.deepEqual(proved.publicSignals, [commitment.root, BigInt(address), 987654321n]);
    assert.equal(await snarkjs.groth16.verify(verificationKey, proved.publicSignals, proofToSnarkjs(proved.proof)), true);
  });

  it("the proof fails for another root, prover or seed, or a swapped order", async () => {
    const [root, prover, seed] = proved.publicSignals;
    for (const signals of [[root + 1n, prover, seed], [root, prover + 1n, seed], [root, prover, seed + 1n], [root, seed, prover]]) {
      assert.equal(await snarkjs.groth16.verify(verificationKey, signals, proofToSnarkjs(proved.proof)), false);
    }
  });

  it("a tampered chunk cannot produce a proof", async () => {
    const chunks = input.chunks.map((chunk, i) => (i === 4 ? chunk.map((e, j) => (j === 0 ? String(BigInt(e) ^ 1n) : e)) : chunk));
    await assert.rejects(prover.prove({ ...input, chunks }), /Assert Failed/);
  });

  it("chunks opened for another seed's or another prover's challenge cannot produce a proof for this one", async () => {
    const otherSeed = await storageWitness({ column, columnRoot: commitment.root, prover: address, seed: 5n, leafCount: commitment.leafCount });
    await assert.rejects(prover.prove({ ...otherSeed, seed: input.seed }), /Assert Failed/);
    const otherProver = await storageWitness({ column, columnRoot: commitment.root, prover: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", seed: 987654321n, leafCount: commitment.leafCount });
    await assert.rejects(prover.prove({ ...otherProver, prover: input.prover }), /Assert Failed/);
  });

  it("a leaf count other than the committed one cannot produce a proof", async () => {
    await assert.rejects(prover.prove({ ...input, leafCount: String(commitment.leafCount + 1) }), /Assert Failed/);
    await assert.rejects(prover.prove({ ...input, seed: String(FIELD_MODULUS - 1n) }), /Assert Failed/);
  });

  it("the witness builder refuses a column that does not commit to the given root", async () => {
    const other = column.slice();
    other[1000]! ^= 1;
    await assert.rejects(storageWitness({ column: other, columnRoot: commitment.root, prover: address, seed: 1n, leafCount: commitment.leafCount }), {
      code: "COLUMN_ROOT_MISMATCH",
    });
  });

  it("concurrent first proofs share one snarkjs worker pool, and close() stops it (a leaked pool keeps the process alive)", async () => {
    const workerPorts = () => process.getActiveResourcesInfo().filter((resource) => resource === "MessagePort").length;
    await prover.close();
    const idle = workerPorts();
    const [first, second] = await Promise.all([prover.prove(input), prover.prove(input)]);
    assert.deepEqual(first.publicSignals, second.publicSignals);
    assert.ok(workerPorts() > idle, "the pool runs while the prover is open");
    await prover.close();
    assert.equal(workerPorts(), idle);
  });
});
