import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeAbiParameters, keccak256, type Hex } from "viem";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { checkpointHash, decodeCheckpoint, encodeCheckpoint } from "../../../keepers/src/training/checkpoint.ts";
import { CheckpointTree } from "../../../keepers/src/training/checkpointTree.ts";
import type { TrainingState } from "../../../keepers/src/training/trainingState.ts";

/** A tiny model's state: 3 parameters, Adam (m, v), step 5, 4 steps per epoch. */
const TINY: TrainingState = {
  step: 5,
  params: Float32Array.from([1.5, -2, 0.1]),
  optimizerState: [Float32Array.from([0.25, 0, -0]), Float32Array.from([1e-8, 3, 0.5])],
};

describe("checkpoint layout", () => {
  it("encodes the canonical byte layout", () => {
    const bytes = encodeCheckpoint({ state: TINY, optimizer: "adam", stepsPerEpoch: 4 });
    assert.equal(bytes.length, 36 + 4 * 3 * 3);
    assert.equal(
      Buffer.from(bytes.subarray(0, 36)).toString("hex"),
      "5654434b" + "01000000" + "0500000000000000" + "01000000" + "01000000" + "01000000" + "03000000" + "02000000",
    );
    assert.equal(Buffer.from(bytes.subarray(36, 48)).toString("hex"), "0000c03f" + "000000c0" + "cdcccc3d");
    assert.equal(Buffer.from(bytes.subarray(56, 60)).toString("hex"), "00000080", "−0 keeps its sign bit");
  });

  it("hashes a tiny model to a fixed keccak256 (test vector)", () => {
    const bytes = encodeCheckpoint({ state: TINY, optimizer: "adam", stepsPerEpoch: 4 });
    assert.equal(checkpointHash(bytes), keccak256(bytes));
    assert.equal(checkpointHash(bytes), "0x47597097a4eb4ca3eeae1801aba7cc0f7a1e8ffa491eb8b1834d17e535bc5580");
  });

  it("changes the hash when one bit of one weight changes", () => {
    const flipped = structuredClone(TINY);
    new Uint32Array(flipped.params.buffer)[2]! ^= 1;
    assert.notEqual(
      checkpointHash(encodeCheckpoint({ state: flipped, optimizer: "adam", stepsPerEpoch: 4 })),
      checkpointHash(encodeCheckpoint({ state: TINY, optimizer: "adam", stepsPerEpoch: 4 })),
    );
  });

  it("decodes what it encodes and rejects malformed bytes", () => {
    const bytes = encodeCheckpoint({ state: TINY, optimizer: "adam", stepsPerEpoch: 4 });
    const decoded = decodeCheckpoint(bytes);
    assert.deepEqual(decoded.state, TINY);
    assert.equal(decoded.optimizer, "adam");
    assert.deepEqual([decoded.epoch, decoded.batch], [1, 1]);
    assert.throws(() => decodeCheckpoint(bytes.subarray(0, 40)), (e: unknown) => e instanceof VeritrainError && e.code === "CHECKPOINT_INVALID");
    const wrongMagic = Uint8Array.from(bytes);
    wrongMagic[0] = 0;
    assert.throws(() => decodeCheckpoint(wrongMagic), /magic/);
  });
});

describe("checkpoint Merkle tree", () => {
  const hashes: Hex[] = Array.from({ length: 5 }, (_, i) => keccak256(new Uint8Array([i])));

  it("uses OpenZeppelin's leaf encoding keccak256(keccak256(abi.encode(uint256 i, bytes32 hash)))", () => {
    const tree = new CheckpointTree(hashes);
    const proof = tree.proof(3);
    const inner = keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "bytes32" }], [3n, hashes[3]!]));
    assert.equal(proof.leaf, keccak256(inner));
    assert.ok(CheckpointTree.verify(tree.root, proof));
  });

  it("verifies every index and rejects a wrong hash, index or root", () => {
    const tree = new CheckpointTree(hashes);
    for (let i = 0; i < hashes.length; i++) {
      const proof = tree.proof(i);
      assert.equal(proof.hash, hashes[i]);
      assert.ok(CheckpointTree.verify(tree.root, proof));
      assert.ok(!CheckpointTree.verify(tree.root, { ...proof, index: (i + 1) % hashes.length }));
      assert.ok(!CheckpointTree.verify(tree.root, { ...proof, hash: hashes[(i + 1) % hashes.length]! }));
    }
    assert.ok(!CheckpointTree.verify(new CheckpointTree(hashes.slice(1)).root, tree.proof(0)));
    assert.throws(() => tree.proof(5), (e: unknown) => e instanceof VeritrainError && e.code === "CHECKPOINT_NOT_FOUND");
  });

  it("keeps leaves in checkpoint order (sortLeaves: false), so the root depends on the order", () => {
    assert.notEqual(new CheckpointTree(hashes).root, new CheckpointTree([...hashes].reverse()).root);
  });
});
