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
    input = await storageWitness({ column, columnRoot: commitment.root, boundSeed: 987654321n, leafCount: commitment.leafCount });
    proved = await prover.prove(input);
  });

  after(() => prover?.close());

  it("proves a real column's challenge; snarkjs agrees the proof verifies against [columnRoot, boundSeed]", async () => {
    assert.deepEqual(proved.publicSignals, [commitment.root, 987654321n]);
    assert.equal(await snarkjs.groth16.verify(verificationKey, proved.publicSignals, proofToSnarkjs(proved.proof)), true);
  });

  it("the proof fails for another root, another bound seed (round, column or prover) or a swapped order", async () => {
    const [root, seed] = proved.publicSignals;
    for (const signals of [[root + 1n, seed], [root, seed + 1n], [seed, root]]) {
      assert.equal(await snarkjs.groth16.verify(verificationKey, signals, proofToSnarkjs(proved.proof)), false);
    }
  });

  it("a tampered chunk cannot produce a proof", async () => {
    const chunks = input.chunks.map((chunk, i) => (i === 4 ? chunk.map((e, j) => (j === 0 ? String(BigInt(e) ^ 1n) : e)) : chunk));
    await assert.rejects(prover.prove({ ...input, chunks }), /Assert Failed/);
  });

  it("chunks opened for another seed's challenge cannot produce a proof for this seed", async () => {
    const other = await storageWitness({ column, columnRoot: commitment.root, boundSeed: 5n, leafCount: commitment.leafCount });
    await assert.rejects(prover.prove({ ...other, boundSeed: input.boundSeed }), /Assert Failed/);
  });

  it("a leaf count other than the committed one cannot produce a proof", async () => {
    await assert.rejects(prover.prove({ ...input, leafCount: String(commitment.leafCount + 1) }), /Assert Failed/);
    await assert.rejects(prover.prove({ ...input, boundSeed: String(FIELD_MODULUS - 1n) }), /Assert Failed/);
  });

  it("the witness builder refuses a column that does not commit to the given root", async () => {
    const other = column.slice();
    other[1000]! ^= 1;
    await assert.rejects(storageWitness({ column: other, columnRoot: commitment.root, boundSeed: 1n, leafCount: commitment.leafCount }), {
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
