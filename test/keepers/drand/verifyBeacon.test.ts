import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hashToG1 } from "../../../keepers/src/drand/hashToG1.ts";
import { DRAND_BN254_DST, drandRoundMessage, verifyBeacon } from "../../../keepers/src/drand/verifyBeacon.ts";
import { BN254_TEST_NETWORK, EVMNET, EVMNET_BEACONS, HASH_TO_CURVE_VECTORS, publicKeyWords, signatureWords } from "../../contracts/drandVectors.ts";
import { testBeaconKey } from "./testBeacon.ts";

const P = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47n;

describe("drand BN254 checks off chain", () => {
  it("hashToG1 matches the independent implementation's vectors", () => {
    assert.equal(DRAND_BN254_DST, EVMNET.dst);
    for (const v of HASH_TO_CURVE_VECTORS) {
      assert.deepEqual(hashToG1(v.message, EVMNET.dst), { x: BigInt(v.x), y: BigInt(v.y) }, v.message);
      if (v.round !== undefined) assert.equal(drandRoundMessage(v.round), v.message);
    }
  });

  it("verifyBeacon accepts real evmnet and test-network beacons and refuses them for other rounds", async () => {
    for (const b of EVMNET_BEACONS) {
      const publicKey = publicKeyWords(EVMNET.publicKey);
      assert.equal(await verifyBeacon({ round: b.round, signature: signatureWords(b.signature), publicKey }), true);
      assert.equal(await verifyBeacon({ round: b.round + 1n, signature: signatureWords(b.signature), publicKey }), false);
    }
    const [first] = BN254_TEST_NETWORK.beacons;
    assert.equal(
      await verifyBeacon({ round: first!.round, signature: signatureWords(first!.signature), publicKey: publicKeyWords(BN254_TEST_NETWORK.publicKey) }),
      true,
    );
  });

  it("verifyBeacon throws DRAND_BEACON_INVALID for a signature off the curve, non-canonical or at infinity", async () => {
    const [b] = EVMNET_BEACONS;
    const [x, y] = signatureWords(b!.signature);
    const publicKey = publicKeyWords(EVMNET.publicKey);
    for (const signature of [[x ^ 1n, y], [x + P, y], [0n, 0n]] as const) {
      await assert.rejects(verifyBeacon({ round: b!.round, signature, publicKey }), { code: "DRAND_BEACON_INVALID" });
    }
  });

  it("a test key signs beacons the same checks accept", async () => {
    const key = await testBeaconKey(0xdeadbeefn);
    assert.equal(await verifyBeacon({ round: 7n, signature: key.sign(7n), publicKey: key.publicKey }), true);
    assert.equal(await verifyBeacon({ round: 8n, signature: key.sign(7n), publicKey: key.publicKey }), false);
  });
});
