import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeAbiParameters, keccak256, type Hex } from "viem";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { checkpointHash, decodeCheckpoint, encodeCheckpoint } from "../../../keepers/src/training/checkpoint.ts";
import { CheckpointTree } from "../../../keepers/src/training/checkpointTree.ts";
import type { EngineVersion } from "../../../keepers/src/training/jobSpec.ts";
import type { TrainingState } from "../../../keepers/src/training/trainingState.ts";
import { WordTree } from "../../../keepers/src/trainingVm/wordTree.ts";

/** A tiny model's state: 3 parameters, Adam (m, v), step 5, 4 steps per epoch. */
const TINY: TrainingState = {
  step: 5,
  params: Float32Array.from([1.5, -2, 0.1]),
  optimizerState: [Float32Array.from([0.25, 0, -0]), Float32Array.from([1e-8, 3, 0.5])],
};

const V1 = "veritrain-train/1";
const V2 = "veritrain-train/2";

/** TINY's (or `state`'s) canonical bytes under an engine version. */
const encode = (engineVersion: EngineVersion, state = TINY) => encodeCheckpoint({ state, optimizer: "adam", stepsPerEpoch: 4, engineVersion });

describe("checkpoint layout", () => {
  it("encodes the canonical byte layout", () => {
    const bytes = encode(V2);
    assert.deepEqual(encode(V1), bytes, "the versions differ only in NaNs");
    assert.equal(bytes.length, 36 + 4 * 3 * 3);
    assert.equal(
      Buffer.from(bytes.subarray(0, 36)).toString("hex"),
      "5654434b" + "01000000" + "0500000000000000" + "01000000" + "01000000" + "01000000" + "03000000" + "02000000",
    );
    assert.equal(Buffer.from(bytes.subarray(36, 48)).toString("hex"), "0000c03f" + "000000c0" + "cdcccc3d");
    assert.equal(Buffer.from(bytes.subarray(56, 60)).toString("hex"), "00000080", "−0 keeps its sign bit");
  });

  it("hashes a tiny model with keccak256 under engine version 1 (test vector)", () => {
    const bytes = encode(V1);
    assert.equal(checkpointHash({ bytes, engineVersion: V1 }), keccak256(bytes));
    assert.equal(checkpointHash({ bytes, engineVersion: V1 }), "0x47597097a4eb4ca3eeae1801aba7cc0f7a1e8ffa491eb8b1834d17e535bc5580");
  });

  it("hashes a tiny model to its word-tree root under engine version 2 (test vector)", () => {
    const bytes = encode(V2);
    // 72 bytes are 3 words: the smallest tree that holds them has depth 2, zero-padded to 4 words.
    assert.equal(checkpointHash({ bytes, engineVersion: V2 }), new WordTree(bytes, 2).root);
    assert.equal(checkpointHash({ bytes, engineVersion: V2 }), "0xa5cca16a6cf6780265784499f27e733f7b28f2eb944ba42517a4e567281fa27d");
    assert.equal(checkpointHash({ bytes: new Uint8Array(36), engineVersion: V2 }), new WordTree(new Uint8Array(36), 1).root, "a tree has depth 1 at least");
  });

  it("changes the hash when one bit of one weight changes", () => {
    const flipped = structuredClone(TINY);
    new Uint32Array(flipped.params.buffer)[2]! ^= 1;
    for (const engineVersion of [V1, V2] as const) {
      assert.notEqual(checkpointHash({ bytes: encode(engineVersion, flipped), engineVersion }), checkpointHash({ bytes: encode(engineVersion), engineVersion }));
    }
  });

  it("writes a NaN with a payload as the canonical NaN under engine version 2 and as is under version 1", () => {
    const withNaN = (bits: number) => {
      const state = structuredClone(TINY);
      new Uint32Array(state.params.buffer)[1] = bits;
      return state;
    };
    const payload = withNaN(0xffc12345); // a negative quiet NaN with a payload
    const canonical = withNaN(0x7fc00000);
    const v1 = encode(V1, payload);
    assert.equal(Buffer.from(v1.subarray(40, 44)).toString("hex"), "4523c1ff");
    assert.equal(checkpointHash({ bytes: v1, engineVersion: V1 }), keccak256(v1));
    assert.notEqual(checkpointHash({ bytes: v1, engineVersion: V1 }), checkpointHash({ bytes: encode(V1, canonical), engineVersion: V1 }));
    const v2 = encode(V2, payload);
    assert.equal(Buffer.from(v2.subarray(40, 44)).toString("hex"), "0000c07f");
    assert.deepEqual(v2, encode(V2, canonical));
    assert.equal(checkpointHash({ bytes: v2, engineVersion: V2 }), checkpointHash({ bytes: encode(V2, canonical), engineVersion: V2 }));
  });

  it("decodes what it encodes and rejects malformed bytes", () => {
    const bytes = encode(V2);
    const decoded = decodeCheckpoint(bytes);
    assert.deepEqual(decoded.state, TINY);
    assert.equal(decoded.optimizer, "adam");
    assert.equal(decodeCheckpoint(encodeCheckpoint({ state: TINY, optimizer: "adamw", stepsPerEpoch: 2, engineVersion: "veritrain-train/2" })).optimizer, "adamw");
    const unknownOptimizer = Uint8Array.from(bytes);
    unknownOptimizer[24] = 3;
    assert.throws(() => decodeCheckpoint(unknownOptimizer), /unknown optimizer id 3/);
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
