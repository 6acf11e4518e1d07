/**
 * A data owner's noise-seed opening (docs/distributed-training.md, "Noise-seed openings"): the grid sums' encoding and
 * clipping bound, the envelopes sealed to committee members, and the replay of a DP-SGD update from its grid sums and
 * seed, bit for bit against the engine's own run.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { x25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, zeroHash, type Address } from "viem";
import { reduceRational } from "../../../keepers/src/privacy/decimalRational.ts";
import { discreteGaussianNoise } from "../../../keepers/src/privacy/discreteGaussianNoise.ts";
import { DP_FRACTION_BITS, poissonBatch, PrivateGradient } from "../../../keepers/src/privacy/dpSgd.ts";
import { decodeGridSums, encodeGridSums, leavesNoise, withinClippingBound } from "../../../keepers/src/privacy/gridSums.ts";
import { noiseMultiplierForTarget } from "../../../keepers/src/privacy/noiseMultiplierForTarget.ts";
import { openGridSums, openOpening, sealGridSums, sealOpening, usableOpeningKey, type OpeningContext } from "../../../keepers/src/privacy/openingEnvelopes.ts";
import { localUpdate } from "../../../keepers/src/rounds/localUpdate.ts";
import { prepareRoundJob, type PreparedRoundJob } from "../../../keepers/src/rounds/preparedRoundJob.ts";
import { replayPrivateUpdate } from "../../../keepers/src/rounds/privateUpdateReplay.ts";
import { createLeNet5Onnx } from "../../../keepers/src/training/lenet5.ts";
import { mnistSources } from "../training/fixtures.ts";
import { smallRoundJobSpec } from "../rounds/fixtures.ts";

/** A deterministic byte source (SHA-256 of a counter), so the envelopes' bytes are a test vector. */
function seededRandom(label: string): (bytes: number) => Uint8Array {
  let counter = 0;
  return (bytes) => sha256(new TextEncoder().encode(`${label}/${counter++}`)).slice(0, bytes);
}

const context: OpeningContext = { chainId: 31337n, ledger: "0x0000000000000000000000000000000000000001", jobId: 7n, round: 2, slot: 3 };
const members = [1, 2, 3].map((i) => {
  const secretKey = sha256(Uint8Array.of(i));
  return { account: `0x${i.toString(16).padStart(40, "0")}` as Address, secretKey, key: x25519.getPublicKey(secretKey) };
});
const secret = { seed: 0x0123456789abcdefn, salt: new Uint8Array(32).fill(0xaa), sumsKey: new Uint8Array(32).fill(0xbb) };
const sumsDigest = `0x${"cc".repeat(32)}` as const;

describe("grid sums", () => {
  const sums = { firstStep: 30, sums: [Float64Array.of(1, -2, 2 ** 53 - 1), Float64Array.of(0, -(2 ** 53 - 1), 5)] };

  it("encode step by step as int64le after a 24-byte header, and decode to the same sums (test vector)", () => {
    const bytes = encodeGridSums(sums);
    assert.equal(bytes.length, 24 + 2 * 3 * 8);
    assert.equal(bytesToHex(bytes.subarray(0, 24)), "0x7674647073756d311e000000000000000200000003000000");
    assert.equal(bytesToHex(sha256(bytes)), "0x09d1b0e27664304d7513671a8587db1100e181eb792d626162f29139bc3f80a4");
    assert.deepEqual(decodeGridSums(bytes, { firstStep: 30, steps: 2, size: 3 }), sums);
  });

  it("refuse a value that is not an integer below 2^53, sums of unequal length, a wrong magic, length or shape", () => {
    assert.throws(() => encodeGridSums({ firstStep: 0, sums: [Float64Array.of(0.5)] }), { code: "NOISE_OPENING_INVALID" });
    assert.throws(() => encodeGridSums({ firstStep: 0, sums: [Float64Array.of(2 ** 53)] }), { code: "NOISE_OPENING_INVALID" });
    assert.throws(() => encodeGridSums({ firstStep: 0, sums: [Float64Array.of(1), Float64Array.of(1, 2)] }), { code: "NOISE_OPENING_INVALID" });
    const bytes = encodeGridSums(sums);
    const shape = { firstStep: 30, steps: 2, size: 3 };
    assert.throws(() => decodeGridSums(bytes.subarray(0, bytes.length - 1), shape), { code: "NOISE_OPENING_INVALID" });
    const badMagic = Uint8Array.from(bytes);
    badMagic[0] = 0;
    assert.throws(() => decodeGridSums(badMagic, shape), { code: "NOISE_OPENING_INVALID" });
    const tooLarge = Uint8Array.from(bytes);
    new DataView(tooLarge.buffer).setBigInt64(24, 1n << 53n, true);
    assert.throws(() => decodeGridSums(tooLarge, shape), /beyond 2\^53/);
    // A header naming other steps or sizes is refused before anything is allocated: 2^32 − 1 steps of size 0 fit in 24 bytes.
    for (const other of [{ ...shape, firstStep: 31 }, { ...shape, steps: 3 }, { ...shape, size: 2 }]) assert.throws(() => decodeGridSums(bytes, other), /the round has/);
    const empty = encodeGridSums({ firstStep: 30, sums: [] });
    new DataView(empty.buffer).setUint32(16, 0xffffffff, true);
    assert.throws(() => decodeGridSums(empty, shape), /4294967295 steps of 0 coordinates/);
  });

  it("bound a step's sum by examples · C · 2^20 exactly, C read as a decimal", () => {
    const unit = 2 ** 20;
    assert.equal(withinClippingBound({ sum: Float64Array.of(3 * unit, 4 * unit), examples: 5, clipNorm: "1" }), true);
    assert.equal(withinClippingBound({ sum: Float64Array.of(3 * unit, 4 * unit + 1), examples: 5, clipNorm: "1" }), false);
    assert.equal(withinClippingBound({ sum: Float64Array.of(0.3 * unit * 10, 0.4 * unit * 10), examples: 10, clipNorm: "0.5" }), true);
    assert.equal(withinClippingBound({ sum: Float64Array.of(unit), examples: 0, clipNorm: "1" }), false);
    assert.equal(withinClippingBound({ sum: Float64Array.of(0), examples: 0, clipNorm: "1" }), true);
  });
});

describe("opening envelopes", () => {
  const recipients = members.map(({ account, key }) => ({ account, key }));
  const envelopes = sealOpening({ context, secret, sumsDigest, recipients, random: seededRandom("opening") });

  it("seal the seed, salt and sums key to each member: 66 bytes and 108 per member (test vector)", () => {
    assert.equal(envelopes.length, 66 + 3 * 108);
    assert.equal(bytesToHex(sha256(envelopes)), "0x89472ae6aa83b07804201079577c0d2c6f476c6927c2ce705900cf983aabc1bc");
  });

  it("open for each member, under its key alone; not at all for someone else", () => {
    for (const { account, secretKey } of members) {
      const opened = openOpening({ context, envelopes, account, secretKey });
      assert.deepEqual(opened, { secret, sumsDigest });
    }
    assert.equal(openOpening({ context, envelopes, account: "0x0000000000000000000000000000000000000009", secretKey: members[0]!.secretKey }), undefined);
    assert.throws(() => openOpening({ context, envelopes, account: members[0]!.account, secretKey: members[1]!.secretKey }), { code: "NOISE_OPENING_INVALID" });
  });

  it("refuse another round's or slot's context, an altered byte, a truncation, no recipient", () => {
    const { account, secretKey } = members[1]!;
    assert.throws(() => openOpening({ context: { ...context, round: 3 }, envelopes, account, secretKey }), { code: "NOISE_OPENING_INVALID" });
    assert.throws(() => openOpening({ context: { ...context, slot: 4 }, envelopes, account, secretKey }), { code: "NOISE_OPENING_INVALID" });
    for (const at of [1, 40, 66 + 108 + 30]) {
      const altered = Uint8Array.from(envelopes);
      altered[at]! ^= 1;
      assert.throws(() => openOpening({ context, envelopes: altered, account, secretKey }), { code: "NOISE_OPENING_INVALID" }, `byte ${at}`);
    }
    assert.throws(() => openOpening({ context, envelopes: envelopes.subarray(0, envelopes.length - 1), account, secretKey }), /bytes for 3 entries/);
    assert.throws(() => sealOpening({ context, secret, sumsDigest: zeroHash, recipients: [] }), /1 to 255 recipients/);
  });

  it("leave out a key no opening can be sealed to: a low-order point anyone may register", () => {
    assert.equal(usableOpeningKey(members[0]!.key), true);
    assert.equal(usableOpeningKey(new Uint8Array(32)), false);
    assert.equal(usableOpeningKey(Uint8Array.of(1, ...new Uint8Array(31))), false);
    assert.throws(() => sealOpening({ context, secret, sumsDigest, recipients: [{ account: members[0]!.account, key: new Uint8Array(32) }] }));
  });

  it("encrypt the grid sums under the sums key, for this context only", () => {
    const plain = encodeGridSums({ firstStep: 0, sums: [Float64Array.of(1, 2, 3)] });
    const sealed = sealGridSums(context, secret.sumsKey, plain);
    assert.deepEqual(openGridSums(context, secret.sumsKey, sealed), plain);
    assert.throws(() => openGridSums({ ...context, jobId: 8n }, secret.sumsKey, sealed), { code: "NOISE_OPENING_INVALID" });
    assert.throws(() => openGridSums(context, new Uint8Array(32), sealed), { code: "NOISE_OPENING_INVALID" });
  });
});

describe("a DP-SGD update replayed from its grid sums and noise seed", () => {
  const EXAMPLES = 400;
  const BATCH = 16;
  const LOCAL_STEPS = 3;
  const modelBytes = createLeNet5Onnx({ seed: 1n });
  const sources = mnistSources();
  const plain = prepareRoundJob({
    spec: smallRoundJobSpec({ modelBytes, trainCount: 2 * EXAMPLES, batchSize: BATCH, microBatches: BATCH, distributed: { slots: 2, localSteps: LOCAL_STEPS } }),
    modelBytes,
    sources,
  });
  const { noiseMultiplier, epsilon, order } = noiseMultiplierForTarget({ sampleRate: BATCH / EXAMPLES, steps: 2 * LOCAL_STEPS, targetEpsilon: 3, delta: 1e-5 });
  const privacy = { clipNorm: "1", noiseMultiplier, epsilon, order, delta: 1e-5, sampleRate: BATCH / EXAMPLES };
  const sigma = reduceRational(BigInt(noiseMultiplier * 2 ** 52), 1n << 52n);
  const privateJob = (optimizer: PreparedRoundJob["config"]["step"]["optimizer"]): PreparedRoundJob => ({
    ...plain,
    config: { ...plain.config, privateData: { examples: EXAMPLES, secureAggregation: undefined }, step: { ...plain.config.step, optimizer, privacy } },
  });
  const set = plain.parts[1]!;
  const global = Float32Array.from(plain.model.params);
  const seed = 0x5eedn;

  for (const [name, optimizer] of [
    ["Adam", { ...plain.config.step.optimizer, learningRate: Math.fround(0.01) }],
    ["SGD with momentum and weight decay", { type: "sgd", learningRate: Math.fround(0.05), learningRateDecay: 1, momentum: Math.fround(0.5), weightDecay: Math.fround(0.0001) }],
  ] as const) {
    it(`equals the engine's own run bit for bit (${name}, round 1), and each step's sum is within the clipping bound`, async () => {
      const job = privateJob(optimizer as PreparedRoundJob["config"]["step"]["optimizer"]);
      const gradient = new PrivateGradient({ config: privacy, size: global.length, batchSize: BATCH });
      const sums: Float64Array[] = [];
      const steps: number[] = [];
      const update = await localUpdate({ job, set, round: 1, global, threads: 2, noiseSeed: seed, onGridSum: (step, sum) => { steps.push(step); sums.push(Float64Array.from(sum)); } });
      assert.deepEqual(steps, [3, 4, 5]);
      const gridSums = decodeGridSums(encodeGridSums({ firstStep: LOCAL_STEPS, sums }), { firstStep: LOCAL_STEPS, steps: LOCAL_STEPS, size: global.length });
      const replayed = replayPrivateUpdate({ job, round: 1, global, seed, gridSums });
      assert.deepEqual(new Uint8Array(replayed.buffer), new Uint8Array(update.buffer));
      for (const [t, sum] of sums.entries()) {
        const examples = poissonBatch({ seed, step: LOCAL_STEPS + t, examples: EXAMPLES, batchSize: BATCH }).length;
        assert.ok(withinClippingBound({ sum, examples, clipNorm: "1" }), `step ${t}`);
        // An owner that trained without noise would have to open the sums less the seed's noise: out of bound here
        // (σ√d ≫ the batch), and cancelling the noise whatever the batch; half of it removed is caught too.
        const noise = gradient.noiseGrid({ seed, step: LOCAL_STEPS + t });
        assert.deepEqual(noise, discreteGaussianNoise({ noiseMultiplier: sigma, clipNorm: "1", fractionBits: DP_FRACTION_BITS }).fill({ seed, step: LOCAL_STEPS + t, out: new Float64Array(sum.length) }).map((z) => z * 2 ** DP_FRACTION_BITS));
        assert.ok(noise.every(Number.isInteger));
        assert.ok(leavesNoise({ sum, noise, noiseMultiplier: sigma, clipNorm: "1" }), `step ${t}: an honest sum leaves its noise`);
        const without = sum.map((x, i) => x - noise[i]!);
        assert.ok(!withinClippingBound({ sum: without, examples, clipNorm: "1" }), `step ${t} without its noise`);
        assert.ok(!leavesNoise({ sum: without, noise, noiseMultiplier: sigma, clipNorm: "1" }), `step ${t} without its noise`);
        assert.ok(!leavesNoise({ sum: sum.map((x, i) => x - Math.round(noise[i]! / 2)), noise, noiseMultiplier: sigma, clipNorm: "1" }), `step ${t} with half its noise`);
      }
      // Another seed's noise does not give the update from the same sums.
      const other = replayPrivateUpdate({ job, round: 1, global, seed: seed + 1n, gridSums });
      assert.notDeepEqual(new Uint8Array(other.buffer), new Uint8Array(update.buffer));
    });
  }

  it("refuses sums of another round's steps, count or length", () => {
    const job = privateJob({ ...plain.config.step.optimizer });
    const size = global.length;
    const sums = Array.from({ length: LOCAL_STEPS }, () => new Float64Array(size));
    assert.throws(() => replayPrivateUpdate({ job, round: 1, global, seed, gridSums: { firstStep: 0, sums } }), { code: "NOISE_OPENING_INVALID" });
    assert.throws(() => replayPrivateUpdate({ job, round: 0, global, seed, gridSums: { firstStep: 0, sums: sums.slice(1) } }), { code: "NOISE_OPENING_INVALID" });
    assert.throws(() => replayPrivateUpdate({ job, round: 0, global, seed, gridSums: { firstStep: 0, sums: sums.map(() => new Float64Array(size - 1)) } }), { code: "NOISE_OPENING_INVALID" });
    assert.throws(() => replayPrivateUpdate({ job: plain, round: 0, global, seed, gridSums: { firstStep: 0, sums } }), { code: "INVALID_ARGUMENT" });
  });
});
