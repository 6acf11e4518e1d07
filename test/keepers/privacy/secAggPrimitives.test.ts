import assert from "node:assert/strict";
import { createCipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, hkdfSync } from "node:crypto";
import { describe, it } from "node:test";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { bytesToNumberLE } from "@noble/curves/utils.js";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { agreedKey, agreedKeyOfPoint, agreedKeyOfScalar, KDF_LABEL } from "../../../keepers/src/privacy/secAgg/keyAgreement.ts";
import { possessionPoint, proveKeyPossession, proveSharedPoint, verifyKeyPossession, verifySharedPoint, x25519Scalar } from "../../../keepers/src/privacy/secAgg/keyPossession.ts";
import { addMask } from "../../../keepers/src/privacy/secAgg/maskExpansion.ts";
import { neighbourGraph, ringOrder } from "../../../keepers/src/privacy/secAgg/neighbourGraph.ts";
import { dequantiseMean, dequantiseSum, maxFractionBits, quantisation, quantise } from "../../../keepers/src/privacy/secAgg/quantisation.ts";
import { secAggConfig } from "../../../keepers/src/privacy/secAgg/secAggConfig.ts";
import { ENVELOPE_BYTES, openShares, sealShares } from "../../../keepers/src/privacy/secAgg/shareEnvelope.ts";
import { combineShares, dealShares, scalarBytes, shareMatches, sharingCommitments } from "../../../keepers/src/privacy/secAgg/verifiableShares.ts";
import { SeededRandom } from "../commitments/seededRandom.ts";

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

  it("gives the same pairwise key from a rebuilt scalar and the other side's edwards25519 point as X25519 from the secret key", () => {
    const [skU, skV] = [seedOf(0x11), seedOf(0x22)];
    const pointOfV = ed25519.Point.BASE.multiply(ed25519.Point.Fn.create(x25519Scalar(skV)));
    const fromScalar = agreedKeyOfScalar({ config, purpose: "pairwiseMask", scalar: ed25519.Point.Fn.create(x25519Scalar(skU)), point: pointOfV, between: [3, 1] });
    assert.equal(hex(fromScalar), "8c92e5a790fdcf12e5f88d1b3941ad93ae3a0b4fb6186313f0bba2f8843cbebd", "the test vector of agreedKey: the clamped scalar and its residue mod L agree");
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

describe("shared-point proofs (Chaum–Pedersen, on edwards25519)", () => {
  const config = secAggConfig({ roundSeed: seedOf(3), participants: 4, vectorLength: 8 });
  const [skU, skV] = [seedOf(0x11), seedOf(0x22)];
  const pointOf = (sk: Uint8Array, id: number) => possessionPoint(proveKeyPossession({ config, id, purpose: "shareEncryption" }, sk, x25519.getPublicKey(sk)));
  const context = { config, prover: 1, other: 3, purpose: "shareEncryption" } as const;
  const reveal = proveSharedPoint(context, skV, pointOf(skU, 3));

  it("reveals the point whose Montgomery u is the X25519 shared secret, and the documented test vector", () => {
    const shared = verifySharedPoint(context, pointOf(skV, 1), pointOf(skU, 3), reveal);
    assert.equal(hex(ed25519.utils.toMontgomery(shared.toBytes())), hex(x25519.getSharedSecret(skV, x25519.getPublicKey(skU))));
    assert.equal(hex(agreedKeyOfPoint(config, "shareEncryption", shared, [3, 1])), "a3d7e19bca1e1c21fe51161d150ec2135f8f4bcdb69e8e38eac91814afb38bf3", "the share-encryption key's test vector");
    assert.equal(hex(reveal.point), "6c6027a47c34b13077bc920f3f515d285b8312821895da6840f43a6df85864b9");
    assert.equal(hex(reveal.proof), "14578405f68e560c13f45012fae1faaafd198a8087158a72f5a426f0b0398516d9e40815f21e29af418c0faa2af6e33a2129d85830848e787c4be6d6d5442aaef0ebde5d158aadd086b2b467a54e9e7ee8afafcc4de678a830216378e104cf0c");
  });

  it("refuses another point, an altered proof, another context, and a small-order point", () => {
    const own = pointOf(skV, 1);
    const theirs = pointOf(skU, 3);
    refused(() => verifySharedPoint(context, own, theirs, { ...reveal, point: ed25519.Point.BASE.multiply(5n).toBytes() }), "SECAGG_MESSAGE_INVALID");
    const altered = Uint8Array.from(reveal.proof);
    altered[80]! ^= 1;
    refused(() => verifySharedPoint(context, own, theirs, { ...reveal, proof: altered }), "SECAGG_MESSAGE_INVALID");
    refused(() => verifySharedPoint({ ...context, prover: 2 }, own, theirs, reveal), "SECAGG_MESSAGE_INVALID");
    refused(() => verifySharedPoint({ ...context, purpose: "pairwiseMask" }, own, theirs, reveal), "SECAGG_MESSAGE_INVALID");
    refused(() => verifySharedPoint(context, theirs, own, reveal), "SECAGG_MESSAGE_INVALID");
    refused(() => verifySharedPoint(context, own, theirs, { ...reveal, point: ed25519.Point.ZERO.toBytes() }), "SECAGG_MESSAGE_INVALID");
    refused(() => verifySharedPoint(context, own, theirs, { ...reveal, proof: reveal.proof.subarray(1) }), "SECAGG_MESSAGE_INVALID");
  });
});

describe("share envelopes (XChaCha20-Poly1305)", () => {
  const config = secAggConfig({ roundSeed: seedOf(4), participants: 4, vectorLength: 8 });
  const pair = { selfMaskShare: new Uint8Array(32).fill(1), maskKeyShare: new Uint8Array(32).fill(2) };
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

describe("Feldman's verifiable secret sharing over edwards25519", () => {
  const { Fn } = ed25519.Point;
  const secret = Fn.create(0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdefn);
  const holders = [0, 2, 3, 5, 8, 9, 11, 12, 14, 15, 40];
  const random7 = new SeededRandom(7n);
  const dealt = dealShares(secret, holders, 6, (bytes) => random7.bytes(bytes));
  const sharesOf = (ids: readonly number[]) => ids.map((holder) => ({ holder, share: dealt.shares.get(holder)! }));

  it("rebuilds the secret from any t shares and not from t − 1; C_0 is secret·B", () => {
    assert.equal(dealt.commitments.length, 6);
    assert.ok(dealt.commitments[0]!.equals(ed25519.Point.BASE.multiply(secret)));
    assert.equal(combineShares(sharesOf(holders.slice(0, 6))), secret);
    assert.equal(combineShares(sharesOf(holders.slice(5, 11))), secret);
    assert.equal(combineShares(sharesOf([40, 3, 12, 0, 9, 14])), secret, "in any order");
    assert.notEqual(combineShares(sharesOf(holders.slice(0, 5))), secret);
  });

  it("deals the documented test vector: secret 5, t = 2, random bytes all 01, holder 2 (x = 3)", () => {
    const vector = dealShares(5n, [2], 2, (bytes) => new Uint8Array(bytes).fill(1));
    const c1 = Fn.create(bytesToNumberLE(new Uint8Array(64).fill(1)));
    assert.equal(hex(vector.shares.get(2)!), hex(scalarBytes(Fn.add(5n, Fn.mul(c1, 3n)))), "f(3) = 5 + 3·c_1 mod L");
    assert.equal(hex(vector.shares.get(2)!), "05d3fe3087513f537cc231f801af8414e3a7c67e08ade77ac1f260ec99d60a00");
    assert.deepEqual(vector.commitments.map((point) => hex(point.toBytes())), [
      "edc876d6831fd2105d0b4389ca2e283166469289146e2ce06faefe98b22548df",
      "c6473159e19ed185b373e935081774e0c133b9416abdff319667187a71dff53e",
    ]);
  });

  it("checks each share against the commitments alone: the dealt ones pass; another holder's, an altered one or one of another polynomial fail", () => {
    for (const holder of holders) assert.ok(shareMatches(dealt.commitments, holder, dealt.shares.get(holder)!), `holder ${holder}`);
    assert.equal(shareMatches(dealt.commitments, 3, dealt.shares.get(2)!), false, "holder 2's share is not holder 3's");
    const altered = Uint8Array.from(dealt.shares.get(5)!);
    altered[0]! ^= 1;
    assert.equal(shareMatches(dealt.commitments, 5, altered), false);
    const random8 = new SeededRandom(8n);
    const other = dealShares(secret, holders, 6, (bytes) => random8.bytes(bytes));
    assert.equal(shareMatches(dealt.commitments, 5, other.shares.get(5)!), false, "same secret, another polynomial");
    assert.equal(shareMatches(dealt.commitments, 5, dealt.shares.get(5)!.subarray(1)), false, "31 bytes");
    assert.equal(shareMatches(dealt.commitments, 5, scalarBytes(Fn.ORDER - 1n).map((byte, i) => (i === 31 ? 0xff : byte))), false, "not below L");
  });

  it("leaves every secret possible given t − 1 shares: for any target secret a t-th share exists that completes them to it", () => {
    const known = sharesOf(holders.slice(0, 5));
    for (const target of [0n, 1n, Fn.ORDER - 1n, secret]) {
      // f(0) = target and f(x_i) = y_i for the known: the t-th share is that polynomial at x = 41 (holder 40).
      const points = [{ x: 0n, y: target }, ...known.map(({ holder, share }) => ({ x: BigInt(holder) + 1n, y: bytesToNumberLE(share) }))];
      const at = (x: bigint) => points.reduce((sum, { x: xi, y }) => Fn.add(sum, Fn.mul(y, points.reduce((w, { x: xj }) => (xj === xi ? w : Fn.mul(w, Fn.div(Fn.sub(x, xj), Fn.sub(xi, xj)))), 1n))), 0n);
      assert.equal(combineShares([...known, { holder: 40, share: scalarBytes(at(41n)) }]), target);
    }
  });

  it("takes a dealer's commitments only as t and t − 1 points of the prime-order subgroup", () => {
    const maskPoint = ed25519.Point.BASE.multiply(5n);
    const encoded = { selfMask: dealt.commitments.map((point) => point.toBytes()), maskKey: dealt.commitments.slice(1).map((point) => point.toBytes()) };
    const points = sharingCommitments(encoded, maskPoint, 6)!;
    assert.ok(points.maskKey[0]!.equals(maskPoint) && points.maskKey.length === 6 && points.selfMask.length === 6, "sk^mask's led by the key's point");
    assert.equal(sharingCommitments(encoded, maskPoint, 5), undefined, "t + 1 points for t = 5");
    const torsion = ed25519.Point.fromHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"); // of order 8
    const mixed = { ...encoded, maskKey: [encoded.maskKey[0]!, torsion.add(dealt.commitments[2]!).toBytes(), ...encoded.maskKey.slice(2)] };
    assert.equal(sharingCommitments(mixed, maskPoint, 6), undefined, "a point with a torsion component");
    const offCurve = { ...encoded, selfMask: [new Uint8Array(32).fill(0xff), ...encoded.selfMask.slice(1)] };
    assert.equal(sharingCommitments(offCurve, maskPoint, 6), undefined, "bytes that are no point");
  });
});
