import assert from "node:assert/strict";
import { createCipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, hkdfSync } from "node:crypto";
import { describe, it } from "node:test";
import { x25519 } from "@noble/curves/ed25519.js";
import { combine, split } from "shamir-secret-sharing";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { agreedKey, KDF_LABEL, selfMaskCommitment } from "../../../keepers/src/privacy/secAgg/keyAgreement.ts";
import { proveKeyPossession, verifyKeyPossession } from "../../../keepers/src/privacy/secAgg/keyPossession.ts";
import { addMask } from "../../../keepers/src/privacy/secAgg/maskExpansion.ts";
import { neighbourGraph, ringOrder } from "../../../keepers/src/privacy/secAgg/neighbourGraph.ts";
import { dequantiseMean, dequantiseSum, maxFractionBits, quantisation, quantise } from "../../../keepers/src/privacy/secAgg/quantisation.ts";
import { secAggConfig } from "../../../keepers/src/privacy/secAgg/secAggConfig.ts";
import { ENVELOPE_BYTES, openShares, sealShares } from "../../../keepers/src/privacy/secAgg/shareEnvelope.ts";
import { CHI2_255_P1E6, chiSquareBytes } from "./secAggHarness.ts";

const seedOf = (byte: number) => new Uint8Array(32).fill(byte);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const refused = (call: () => unknown, code: string) => assert.throws(call, (e: unknown) => e instanceof VeritrainError && e.code === code);

describe("secAggConfig", () => {
  it("defaults to k = min(n, 2⌊n/3⌋ + 3) and t = ⌊k/2⌋ + 1: ⌊n/3⌋ dropouts and ⌊n/3⌋ colluders leave the ring connected", () => {
    for (const [n, k, t] of [[3, 3, 2], [4, 4, 3], [6, 6, 4], [8, 7, 4], [16, 13, 7], [100, 69, 35]] as const) {
      const config = secAggConfig({ roundSeed: seedOf(1), participants: n, vectorLength: 8 });
      assert.deepEqual([config.neighbourhood, config.threshold], [k, t]);
      const bound = Math.floor(n / 3);
      assert.ok(k - t >= bound && t - 1 >= bound, "tolerates ⌊n/3⌋ dropouts, ⌊n/3⌋ colluders cannot rebuild a secret");
      assert.ok(k === n || 2 * bound <= k - 2, "the ring stays connected without ⌊n/3⌋ dropouts and ⌊n/3⌋ colluders");
    }
  });

  it("refuses a seed that is not 32 bytes, n < 3, an even k below n, a minority threshold, t > k", () => {
    const base = { roundSeed: seedOf(1), participants: 16, vectorLength: 8 };
    for (const bad of [{ roundSeed: new Uint8Array(31) }, { participants: 2 }, { neighbourhood: 10 }, { neighbourhood: 11, threshold: 5 }, { neighbourhood: 11, threshold: 12 }, { vectorLength: 0 }]) {
      refused(() => secAggConfig({ ...base, ...bad }), "SECAGG_CONFIG_INVALID");
    }
    assert.equal(secAggConfig({ ...base, participants: 4, neighbourhood: 3 }).threshold, 2);
  });
});

describe("quantisation", () => {
  const q = quantisation({ clip: 1, fractionBits: 4, participants: 4 });

  it("clips, scales by 2^f and rounds half to even into words mod 2^32 (hand-computed values)", () => {
    const values = [0.5, -2, 1e-9, 0.03125, 0.09375, -0.03125, -0.09375, 3, 1 / 3];
    // 0.5·16 = 8; −2 → −1 → −16; 0.5 → 0; 1.5 → 2; −0.5 → 0; −1.5 → −2; 3 → 1 → 16; 5.33… → 5
    const expected = [8, 2 ** 32 - 16, 0, 0, 2, 0, 2 ** 32 - 2, 16, 5];
    assert.deepEqual([...quantise(values, q)], expected);
  });

  it("dequantises a sum by reading words as int32 and multiplying by 2^−f", () => {
    const sum = Uint32Array.of(16, 2 ** 32 - 16, 64, 2 ** 32 - 64, 3);
    assert.deepEqual([...dequantiseSum(sum, 4, q)], [1, -1, 4, -4, 0.1875]);
    refused(() => dequantiseSum(sum, 5, q), "SECAGG_QUANTISATION_INVALID");
  });

  it("takes the mean of a sum: the exact value over the count, in binary64, rounded once to binary32", () => {
    const sum = Uint32Array.of(16, 2 ** 32 - 16, 1);
    assert.deepEqual([...dequantiseMean(sum, 2, q)], [0.5, -0.5, 0.03125]);
    assert.deepEqual([...dequantiseMean(sum, 3, q)], [Math.fround(1 / 3), Math.fround(-1 / 3), Math.fround(0.0625 / 3)]);
    refused(() => dequantiseMean(sum, 0, q), "SECAGG_QUANTISATION_INVALID");
  });

  it("needs n · R ≤ 2^31 − 1 and finds the largest such f", () => {
    assert.equal(quantisation({ clip: 1, fractionBits: 26, participants: 16 }).bound, 2 ** 26);
    refused(() => quantisation({ clip: 1, fractionBits: 27, participants: 16 }), "SECAGG_QUANTISATION_INVALID");
    assert.equal(maxFractionBits({ clip: 1, participants: 16 }), 26);
    assert.equal(maxFractionBits({ clip: 8, participants: 4 }), 25);
    assert.equal(maxFractionBits({ clip: 0.1, participants: 1000 }), 24);
  });

  it("refuses NaN and ±∞ inputs and bad parameters", () => {
    refused(() => quantise([0, Number.NaN], q), "SECAGG_QUANTISATION_INVALID");
    refused(() => quantise([Number.POSITIVE_INFINITY], q), "SECAGG_QUANTISATION_INVALID");
    refused(() => quantisation({ clip: 0, fractionBits: 4, participants: 4 }), "SECAGG_QUANTISATION_INVALID");
    refused(() => quantisation({ clip: 1, fractionBits: 31, participants: 1 }), "SECAGG_QUANTISATION_INVALID");
  });
});

describe("neighbour graph", () => {
  const config = secAggConfig({ roundSeed: seedOf(9), participants: 16, neighbourhood: 11, vectorLength: 8 });

  it("orders the ring by SHA-256(label ‖ seed ‖ uint32le(id)) (node:crypto as the reference hash)", () => {
    const key = (id: number) => createHash("sha256").update("veritrain/secagg/v1/neighbour-order").update(config.roundSeed).update(Uint8Array.of(id, 0, 0, 0)).digest("hex");
    const expected = Array.from({ length: 16 }, (_, id) => id).sort((a, b) => (key(a) < key(b) ? -1 : 1));
    assert.deepEqual(ringOrder(config), expected);
    assert.deepEqual(expected, [7, 6, 4, 10, 3, 11, 15, 2, 8, 13, 1, 9, 0, 5, 14, 12], "the test vector of docs/secure-aggregation.md");
    assert.deepEqual(neighbourGraph(config)[0], [0, 1, 2, 5, 6, 7, 8, 9, 12, 13, 14]);
  });

  it("gives every participant itself and (k − 1)/2 ring neighbours on each side, symmetrically", () => {
    const graph = neighbourGraph(config);
    const order = ringOrder(config);
    for (let u = 0; u < 16; u++) {
      assert.equal(graph[u]!.length, 11);
      assert.ok(graph[u]!.includes(u));
      for (const v of graph[u]!) assert.ok(graph[v]!.includes(u), `${v} ∈ N(${u}) but not the reverse`);
      const position = order.indexOf(u);
      const outside = [6, 7, 8, 9, 10].map((d) => order[(position + d) % 16]!);
      for (const v of outside) assert.ok(!graph[u]!.includes(v));
    }
  });

  it("depends on the round seed, and is complete when k = n", () => {
    const other = neighbourGraph(secAggConfig({ roundSeed: seedOf(10), participants: 16, neighbourhood: 11, vectorLength: 8 }));
    assert.notDeepEqual(other, neighbourGraph(config));
    const complete = neighbourGraph(secAggConfig({ roundSeed: seedOf(9), participants: 5, neighbourhood: 5, vectorLength: 8 }));
    assert.deepEqual(complete, Array.from({ length: 5 }, () => [0, 1, 2, 3, 4]));
  });
});

describe("key agreement and mask expansion", () => {
  const config = secAggConfig({ roundSeed: seedOf(3), participants: 4, vectorLength: 8 });
  const rawKeyObject = (secretKey: Uint8Array) => {
    const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
    const jwk = { kty: "OKP", crv: "X25519", d: b64(secretKey), x: b64(x25519.getPublicKey(secretKey)) };
    return { privateKey: createPrivateKey({ key: jwk, format: "jwk" }), publicKey: createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, format: "jwk" }) };
  };

  it("derives HKDF-SHA256(X25519(sk_u, pk_v), roundSeed, label ‖ min ‖ max), equal to node:crypto's X25519 + HKDF, same from both sides", () => {
    const skU = seedOf(0x11);
    const skV = seedOf(0x22);
    const ours = agreedKey({ config, purpose: "pairwiseMask", secretKey: skU, publicKey: x25519.getPublicKey(skV), between: [3, 1] });
    const theirs = agreedKey({ config, purpose: "pairwiseMask", secretKey: skV, publicKey: x25519.getPublicKey(skU), between: [1, 3] });
    const shared = diffieHellman({ privateKey: rawKeyObject(skU).privateKey, publicKey: rawKeyObject(skV).publicKey });
    const info = Buffer.concat([Buffer.from(KDF_LABEL.pairwiseMask), Buffer.from([1, 0, 0, 0, 3, 0, 0, 0])]);
    const reference = new Uint8Array(hkdfSync("sha256", shared, config.roundSeed, info, 32));
    assert.equal(hex(ours), hex(reference));
    assert.equal(hex(ours), "8c92e5a790fdcf12e5f88d1b3941ad93ae3a0b4fb6186313f0bba2f8843cbebd", "the test vector of docs/secure-aggregation.md");
    assert.equal(hex(theirs), hex(reference));
    const encryption = agreedKey({ config, purpose: "shareEncryption", secretKey: skU, publicKey: x25519.getPublicKey(skV), between: [3, 1] });
    assert.equal(hex(encryption), "a3d7e19bca1e1c21fe51161d150ec2135f8f4bcdb69e8e38eac91814afb38bf3");
  });

  it("refuses a low-order public key (all-zero shared secret)", () => {
    refused(() => agreedKey({ config, purpose: "pairwiseMask", secretKey: seedOf(0x11), publicKey: new Uint8Array(32), between: [0, 1] }), "SECAGG_KEY_INVALID");
  });

  it("expands a seed with the ChaCha20 keystream: RFC 8439 A.1 test vector #1, and node:crypto's chacha20 on a long vector", () => {
    const words = new Uint32Array(4);
    addMask(words, new Uint8Array(32), 1);
    assert.deepEqual([...words], [0xade0b876, 0x903df1a0, 0xe56a5d40, 0x28bd8653]);

    const seed = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
    const long = new Uint32Array(1001);
    addMask(long, seed, 1);
    const stream = createCipheriv("chacha20", seed, new Uint8Array(16)).update(new Uint8Array(4004));
    const reference = Uint32Array.from({ length: 1001 }, (_, i) => stream.readUInt32LE(4 * i));
    assert.deepEqual(long, reference);
    addMask(long, seed, -1);
    assert.ok(long.every((word) => word === 0), "adding then subtracting a mask gives back the input");
  });

  it("commits to b_u with SHA-256(label ‖ seed ‖ uint32le(u) ‖ b_u)", () => {
    const expected = createHash("sha256").update("veritrain/secagg/v1/self-mask-commitment").update(config.roundSeed).update(Uint8Array.of(2, 0, 0, 0)).update(seedOf(5)).digest("hex");
    assert.equal(hex(selfMaskCommitment(config, 2, seedOf(5))), expected);
    assert.equal(expected, "700c55c1ba22557699d7eac49d5a5d11aac63f96d04ee904ba6db85871dafb62");
  });
});

describe("key-possession proofs (Schnorr, Fiat–Shamir, on edwards25519)", () => {
  const config = secAggConfig({ roundSeed: seedOf(3), participants: 4, vectorLength: 8 });
  const context = { config, id: 3, purpose: "pairwiseMask" } as const;
  const secretKey = seedOf(0x11);
  const publicKey = x25519.getPublicKey(secretKey);
  const proof = proveKeyPossession(context, secretKey, publicKey);
  const refusedBecause = (call: () => unknown, why: RegExp) =>
    assert.throws(call, (e: unknown) => e instanceof VeritrainError && e.code === "SECAGG_KEY_INVALID" && why.test(String(e.details.why)));

  it("proves the key node:crypto derives from the secret (A's Montgomery u), deterministically: the test vector of docs/secure-aggregation.md", () => {
    // node:crypto derives the public key from the secret alone (PKCS #8 of X25519, OID 1.3.101.110).
    const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b656e04220420", "hex"), secretKey]);
    const jwk = createPublicKey(createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" })).export({ format: "jwk" });
    assert.equal(Buffer.from(jwk.x!, "base64url").toString("hex"), hex(publicKey));
    verifyKeyPossession(context, publicKey, proof);
    assert.equal(hex(proof), hex(proveKeyPossession(context, secretKey, publicKey)));
    assert.equal(hex(proof), "be3ee60d2c6c9d61791e9ec02825f7268654ac8c914a8839efff3070f3a9ffa95d73d64b15e0358ccdd60b4f6e3d3b26e0e4dec4fd8568507ef39b36620638e07c7de96f161686bc9e302ce996bea0d8e8885a246cdc5695ef92c1742f91e70f");
  });

  it("binds the proof to its round, participant, purpose and key: replayed anywhere else it fails", () => {
    const otherRound = secAggConfig({ roundSeed: seedOf(4), participants: 4, vectorLength: 8 });
    refusedBecause(() => verifyKeyPossession({ ...context, config: otherRound }, publicKey, proof), /z·B ≠ R \+ c·A/);
    refusedBecause(() => verifyKeyPossession({ ...context, id: 2 }, publicKey, proof), /z·B ≠ R \+ c·A/);
    refusedBecause(() => verifyKeyPossession({ ...context, purpose: "shareEncryption" }, publicKey, proof), /z·B ≠ R \+ c·A/);
    refusedBecause(() => verifyKeyPossession(context, x25519.getPublicKey(seedOf(0x22)), proof), /A is not the public key's point/);
  });

  it("refuses a proof made without the key, altered bytes, z ≥ L, a small-order A and a wrong length", () => {
    refusedBecause(() => verifyKeyPossession(context, publicKey, proveKeyPossession(context, seedOf(0x22), publicKey)), /A is not the public key's point/);
    for (const byte of [0, 33, 70]) {
      const altered = Uint8Array.from(proof);
      altered[byte]! ^= 0x01;
      assert.throws(() => verifyKeyPossession(context, publicKey, altered), (e: unknown) => e instanceof VeritrainError && e.code === "SECAGG_KEY_INVALID", `byte ${byte}`);
    }
    const big = Uint8Array.from(proof);
    big.fill(0xff, 64, 95);
    big[95] = 0x1f;
    refusedBecause(() => verifyKeyPossession(context, publicKey, big), /z is not below the group order/);
    const identityA = Uint8Array.from(proof);
    identityA.set([1, ...new Array(31).fill(0)], 0);
    refusedBecause(() => verifyKeyPossession(context, publicKey, identityA), /A is not a point of prime order/);
    refusedBecause(() => verifyKeyPossession(context, publicKey, proof.subarray(0, 95)), /the proof has 95 bytes, not 96/);
  });
});

describe("share envelopes (XChaCha20-Poly1305)", () => {
  const config = secAggConfig({ roundSeed: seedOf(4), participants: 4, vectorLength: 8 });
  const pair = { selfMaskShare: new Uint8Array(33).fill(1), maskKeyShare: new Uint8Array(33).fill(2) };
  const key = seedOf(0x42);
  const sealed = sealShares({ config, key, from: 1, to: 2 }, pair);

  it("opens for the pair and direction it was sealed for", () => {
    assert.equal(sealed.length, ENVELOPE_BYTES);
    assert.deepEqual(openShares({ config, key, from: 1, to: 2 }, sealed), pair);
  });

  it("refuses an altered envelope, another key, another sender or recipient, another round", () => {
    const altered = Uint8Array.from(sealed);
    altered[40]! ^= 1;
    refused(() => openShares({ config, key, from: 1, to: 2 }, altered), "SECAGG_SHARE_REJECTED");
    refused(() => openShares({ config, key: seedOf(0x43), from: 1, to: 2 }, sealed), "SECAGG_SHARE_REJECTED");
    refused(() => openShares({ config, key, from: 2, to: 1 }, sealed), "SECAGG_SHARE_REJECTED");
    refused(() => openShares({ config, key, from: 1, to: 3 }, sealed), "SECAGG_SHARE_REJECTED");
    const otherRound = secAggConfig({ roundSeed: seedOf(5), participants: 4, vectorLength: 8 });
    refused(() => openShares({ config: otherRound, key, from: 1, to: 2 }, sealed), "SECAGG_SHARE_REJECTED");
    refused(() => openShares({ config, key, from: 1, to: 2 }, sealed.subarray(1)), "SECAGG_SHARE_REJECTED");
  });
});

/** GF(2^8) with x^8 + x^4 + x^3 + x + 1, by shift-and-add: independent of the library's log tables. */
function gfMul(a: number, b: number): number {
  let product = 0;
  for (let i = 0; i < 8; i++) {
    if (b & 1) product ^= a;
    const carry = a & 0x80;
    a = (a << 1) & 0xff;
    if (carry) a ^= 0x1b;
    b >>= 1;
  }
  return product;
}
function gfInverse(a: number): number {
  let result = 1;
  for (let i = 0; i < 254; i++) result = gfMul(result, a);
  return result;
}
/** The value at x of the polynomial through the points, by Lagrange interpolation in GF(2^8). */
function interpolate(points: readonly [number, number][], x: number): number {
  let value = 0;
  for (const [xi, yi] of points) {
    let basis = 1;
    for (const [xj] of points) if (xj !== xi) basis = gfMul(basis, gfMul(x ^ xj, gfInverse(xi ^ xj)));
    value ^= gfMul(yi, basis);
  }
  return value;
}

describe("Shamir sharing (shamir-secret-sharing, GF(2^8))", () => {
  const secret = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);

  it("rebuilds the secret from any t shares and not from t − 1", async () => {
    const shares = await split(secret, 11, 6);
    assert.deepEqual(await combine(shares.slice(0, 6)), secret);
    assert.deepEqual(await combine(shares.slice(5, 11)), secret);
    assert.deepEqual(await combine(shares), secret);
    assert.notDeepEqual(await combine(shares.slice(0, 5)), secret);
    assert.notDeepEqual(await combine(shares.slice(3, 8).filter((_, i) => i !== 2)), secret);
  });

  it("leaves every secret possible given t − 1 shares: for any target secret a t-th share exists that completes them to it", async () => {
    const shares = await split(secret, 11, 6);
    const known = shares.slice(0, 5);
    const used = new Set(known.map((share) => share[32]!));
    const x = [...Array(255).keys()].map((i) => i + 1).find((candidate) => !used.has(candidate))!;
    for (const target of [new Uint8Array(32), new Uint8Array(32).fill(0xff), secret]) {
      const completing = new Uint8Array(33);
      completing[32] = x;
      for (let b = 0; b < 32; b++) {
        const points: [number, number][] = [[0, target[b]!], ...known.map((share): [number, number] => [share[32]!, share[b]!])];
        completing[b] = interpolate(points, x);
      }
      assert.deepEqual(await combine([...known, completing]), target);
    }
  });

  it("gives one share bytes that are uniform whatever the secret (t = 2, chi-square over 6,400 bytes)", async () => {
    for (const fill of [0x00, 0xff]) {
      const bytes: number[] = [];
      for (let i = 0; i < 200; i++) bytes.push(...(await split(new Uint8Array(32).fill(fill), 3, 2))[0]!.subarray(0, 32));
      assert.ok(chiSquareBytes(Uint8Array.from(bytes)) < CHI2_255_P1E6, `share bytes of secret 0x${fill.toString(16)} are not uniform`);
    }
  });

  it("refuses fewer than 2 shares or a repeated one", async () => {
    const shares = await split(secret, 3, 2);
    await assert.rejects(combine(shares.slice(0, 1)));
    await assert.rejects(combine([shares[0]!, shares[0]!]));
  });
});
