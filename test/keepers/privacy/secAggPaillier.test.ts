import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { generateRandomKeys, type KeyPair } from "paillier-bigint";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { paillierAddUpdates, paillierDecryptSum, paillierEncryptUpdate, paillierLayout } from "../../../keepers/src/privacy/secAgg/paillierPacking.ts";
import { quantisation, quantise } from "../../../keepers/src/privacy/secAgg/quantisation.ts";
import { secAggConfig } from "../../../keepers/src/privacy/secAgg/secAggConfig.ts";
import { SplitMix64 } from "../../../keepers/src/training/prng.ts";
import { plainSum, runRound } from "./secAggHarness.ts";

const refused = (call: () => unknown, code: string) => assert.throws(call, (e: unknown) => e instanceof VeritrainError && e.code === code);

describe("Paillier packing", () => {
  it("packs w = bitlength(2nR) bits per slot and ⌊(bits(N) − 1)/w⌋ slots per plaintext", () => {
    assert.deepEqual({ ...paillierLayout(2048, quantisation({ clip: 1, fractionBits: 26, participants: 16 })) }, { slotBits: 32, slots: 63, offset: 2 ** 26, participants: 16 });
    assert.deepEqual({ ...paillierLayout(2048, quantisation({ clip: 1, fractionBits: 24, participants: 4 })) }, { slotBits: 28, slots: 73, offset: 2 ** 24, participants: 4 });
    refused(() => paillierLayout(20, quantisation({ clip: 1, fractionBits: 24, participants: 4 })), "PAILLIER_LAYOUT_INVALID");
  });

  describe("with a 1024-bit key (test size; the bench uses 2048)", () => {
    const n = 4;
    const length = 150;
    const q = quantisation({ clip: 1, fractionBits: 24, participants: n });
    let keys: KeyPair;
    before(async () => {
      keys = await generateRandomKeys(1024);
    });

    it("decrypts the homomorphic sum of n = 4 packed updates to SecAgg+'s exact sum of the same quantised updates", async () => {
      const random = SplitMix64.keyed({ seed: 4n, domain: 98n, index: 0n });
      const inputs = Array.from({ length: n }, () => quantise(Float64Array.from({ length }, () => 3 * random.nextUnit() - 1.5), q));
      const layout = paillierLayout(keys.publicKey.bitLength, q);
      assert.equal(layout.slots, 36);
      const encrypted = inputs.map((words) => paillierEncryptUpdate(keys.publicKey, layout, words));
      assert.equal(encrypted[0]!.length, Math.ceil(length / 36));
      const sum = paillierDecryptSum(keys.privateKey, layout, paillierAddUpdates(keys.publicKey, encrypted), n, length);
      assert.deepEqual(sum, plainSum(inputs, [0, 1, 2, 3]));
      const secAgg = await runRound(secAggConfig({ roundSeed: new Uint8Array(32).fill(4), participants: n, vectorLength: length }), inputs);
      assert.deepEqual(sum, secAgg.sum);
    });

    it("keeps the extremes ±R of every participant in their slots (no carry between slots)", () => {
      const layout = paillierLayout(keys.publicKey.bitLength, q);
      const high = new Uint32Array(40).fill(q.bound);
      const low = new Uint32Array(40).fill(2 ** 32 - q.bound);
      for (const set of [[high, high, high, high], [low, low, low, low], [high, low, high, low]]) {
        const sum = paillierDecryptSum(keys.privateKey, layout, paillierAddUpdates(keys.publicKey, set.map((words) => paillierEncryptUpdate(keys.publicKey, layout, words))), 4, 40);
        assert.deepEqual(sum, plainSum(set, [0, 1, 2, 3]));
      }
    });

    it("refuses a word outside [−R, R] and more contributions than the layout allows", () => {
      const layout = paillierLayout(keys.publicKey.bitLength, q);
      refused(() => paillierEncryptUpdate(keys.publicKey, layout, Uint32Array.of(q.bound + 1)), "PAILLIER_LAYOUT_INVALID");
      refused(() => paillierDecryptSum(keys.privateKey, layout, [], 5, 0), "PAILLIER_LAYOUT_INVALID");
    });
  });
});
