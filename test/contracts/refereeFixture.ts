import { getAddress, keccak256, parseEther, stringToHex, type Address, type Hex } from "viem";
import { chunkedBlob } from "../../keepers/src/content/chunkedBlob.ts";
import { aggregateEvidence, chunkArgument, type BlobChunkArgument } from "../../keepers/src/roundJobs/aggregateRefutation.ts";
import { aggregateUpdates } from "../../keepers/src/rounds/aggregateUpdates.ts";
import { aggregationProgramHash, type AggregationProgram } from "../../keepers/src/rounds/aggregationProgram.ts";
import { encodeGlobalModel, globalModelDigest, type GlobalModel } from "../../keepers/src/rounds/globalModel.ts";
import { outerStep } from "../../keepers/src/rounds/outerStep.ts";
import { encodeUpdate } from "../../keepers/src/rounds/updateEncoding.ts";
import { SplitMix64 } from "../../keepers/src/training/prng.ts";
import { bidAll, networkHelpers, postRoundJob, ROUND_ORDER, settleRoundJob, withRoundProviders, type Protocol } from "./fixture.ts";

// A distributed job whose order commits its aggregation program, with real update and global-model blobs, for the
// aggregate referee's tests (docs/dispute-game.md §7): test/contracts/AggregateReferee.test.ts and the subgraph's.

export const AGGREGATE = 255;
export const BOND = parseEther("100");
export const AGGREGATOR_STAKE = parseEther("200");
const SLOTS = ROUND_ORDER.slots;
export const EXAMPLES = 1_003; // parts of 250, 251, 251, 251
const parts = [0, 1, 2, 3].map((s) => Math.floor(((s + 1) * EXAMPLES) / SLOTS) - Math.floor((s * EXAMPLES) / SLOTS));
export const f32Bits = (x: number) => new Uint32Array(Float32Array.of(x).buffer)[0]!;
export const f32 = (bits: number) => new Float32Array(Uint32Array.of(bits).buffer)[0]!;

/** A seeded binary32 vector of small values, signed zeros and subnormals among them. */
export function vector(seed: number, length: number): Float32Array {
  const rng = SplitMix64.keyed({ seed: BigInt(seed), domain: 0x5eedn, index: 0n });
  return Float32Array.from({ length }, () => {
    const pick = rng.nextBelow(20);
    if (pick === 0) return rng.nextBelow(2) === 0 ? 0 : -0;
    if (pick === 1) return f32(rng.nextBelow(0x7fffff) + 1) * (rng.nextBelow(2) === 0 ? 1 : -1);
    return (rng.nextUnit() - 0.5) / 8;
  });
}

/** The largest finite binary32. */
const F32_MAX = 3.4028234663852886e38;

/**
 * A scenario of `parameters` parameters: the program, the global models G0 … G2 of a 4-slot FedAvg job with outer
 * momentum, round 1's updates, G2 with coordinate `wrongCoordinate`'s parameter one ulp off, and the fixtures that post
 * them on a fresh protocol. With `overflowAt`, G0 holds the largest finite binary32 there and every round-1 update
 * 10^38, so the right G2's parameter there is +∞ (finite inputs, an outer step past the range).
 */
export function refereeScenario(parameters: number, wrongCoordinate: number, { overflowAt }: { overflowAt?: number } = {}) {
  const initial = vector(1, parameters);
  if (overflowAt !== undefined) initial[overflowAt] = F32_MAX;
  const program: AggregationProgram = {
    rule: 0,
    trim: 0,
    equalParts: false,
    examples: EXAMPLES,
    parameterCount: parameters,
    learningRate: f32Bits(0.7),
    momentum: f32Bits(0.9),
    initialModel: globalModelDigest(encodeGlobalModel({ round: 0, params: initial })),
  };
  const outer = { learningRate: f32(program.learningRate), momentum: f32(program.momentum) };
  /** Slot s's update blob of round r. */
  const updateOf = (round: number, slot: number) => {
    const values = vector(100 * round + slot + 10, parameters);
    if (overflowAt !== undefined && round === 1) values[overflowAt] = 1e38;
    return { slot, values, bytes: encodeUpdate({ round, slot, size: parameters, payload: { encoding: "denseF32", values } }) };
  };
  /** The right next global model from `global` and the round's included updates. */
  const nextModel = (global: GlobalModel, updates: { slot: number; values: Float32Array }[]): GlobalModel => {
    const aggregate = aggregateUpdates({ rule: { rule: "fedavg" }, updates: updates.map(({ slot, values }) => ({ slot, examples: parts[slot]!, values })) });
    return outerStep({ global, aggregate, outer });
  };
  const g0: GlobalModel = { round: 0, params: initial };
  const round0 = [0, 1, 2, 3].map((s) => updateOf(0, s));
  const g1 = nextModel(g0, round0);
  const round1 = [0, 1, 2, 3].map((s) => updateOf(1, s));
  const g2 = nextModel(g1, round1);
  const g2Bytes = encodeGlobalModel(g2);
  const wrongG2 = (() => {
    const params = Float32Array.from(g2.params);
    params[wrongCoordinate] = f32(f32Bits(params[wrongCoordinate]!) + 1);
    return encodeGlobalModel({ ...g2, params });
  })();

  /**
   * A 4-slot job committing the program, round 0 aggregated (G1) and advanced, round 1's updates (`committed`, by slot)
   * committed: Aggregating.
   */
  async function withRound1Committed(committed: readonly Uint8Array[] = round1.map((u) => u.bytes)) {
    const p = await withRoundProviders();
    const jobId = await postRoundJob(p, { aggregation: aggregationProgramHash(program) });
    await bidAll({ ...p, jobId });
    await networkHelpers.time.increase(ROUND_ORDER.biddingPeriod);
    await settleRoundJob(p, jobId);
    const slotWallets = [1, 2, 3, 0].map((i) => p.providers[i]!);
    for (const [round, updates] of [round0.map((u) => u.bytes), committed].entries()) {
      for (const [slot, bytes] of updates.entries()) {
        await p.roundJobRegistry.write.commitUpdate([jobId, round, chunkedBlob(bytes).digest], { account: slotWallets[slot]!.account });
      }
      if (round === 1) break;
      await p.roundJobRegistry.write.postAggregate([jobId, 0, globalModelDigest(encodeGlobalModel(g1))], { account: p.outsider.account });
      await networkHelpers.time.increase(ROUND_ORDER.challengeWindow);
      await p.roundJobRegistry.write.advance([jobId]);
    }
    return { ...p, jobId, slotWallets, referee: p.aggregateReferee };
  }

  /**
   * {@link withRound1Committed}, `posted` posted by the outsider for round 1 and challenged by the challenger (dispute 1),
   * claiming `claimed` (G2's digest unless given).
   */
  async function withDisputed(posted: Uint8Array, claimed: Hex = globalModelDigest(g2Bytes)) {
    const p = await withRound1Committed();
    await p.roundJobRegistry.write.postAggregate([p.jobId, 1, globalModelDigest(posted)], { account: p.outsider.account });
    await p.disputes.write.challengeRound([p.jobId, 1, AGGREGATE, claimed], { account: p.challenger.account });
    return p;
  }

  /** The evidence against `posted` as round 1's aggregate. */
  const evidenceFor = (posted: Uint8Array) => aggregateEvidence({ program, round: 1, previous: encodeGlobalModel(g1), updates: round1, posted, correct: g2Bytes });

  return { program, g1, round1, g2, g2Bytes, wrongG2, withRound1Committed, withDisputed, evidenceFor };
}

/** 9,000 parameters: a 36,060-byte update (2 chunks), a 72,016-byte global model with momentum (3 chunks). */
export const PARAMETERS = 9_000;
const scenario = refereeScenario(PARAMETERS, 5_000);
export const { program: PROGRAM, g1: G1, round1: ROUND1, g2: G2, g2Bytes: G2_BYTES, wrongG2: WRONG_G2, withRound1Committed, withDisputed, evidenceFor } = scenario;

export const addressOf = (w: Protocol["consumer"]): Address => getAddress(w.account.address);

export const withWrongDisputed = () => withDisputed(WRONG_G2);
export const withRightDisputed = () => withDisputed(G2_BYTES);
/** G2 naming round 7 in its header. */
export const WRONG_ROUND = (() => {
  const bytes = Uint8Array.from(G2_BYTES);
  bytes[8] = 7;
  return bytes;
})();
export const withWrongRoundDisputed = () => withDisputed(WRONG_ROUND);
/** G2 with the quiet NaN as its parameter 5,000, where the right value is finite. */
export const NAN_G2 = (() => {
  const bytes = Uint8Array.from(G2_BYTES);
  new DataView(bytes.buffer).setUint32(16 + 4 * 5_000, 0x7fc00000, true);
  return bytes;
})();
export const withNanDisputed = () => withDisputed(NAN_G2);
/** WRONG_G2 posted by the outsider, who disputes it itself (dispute 1), as an aggregator would to hold the round until it expires upheld. */
export async function withSelfDisputed() {
  const p = await withRound1Committed();
  await p.roundJobRegistry.write.postAggregate([p.jobId, 1, globalModelDigest(WRONG_G2)], { account: p.outsider.account });
  await p.disputes.write.challengeRound([p.jobId, 1, AGGREGATE, keccak256(stringToHex("held by its own aggregator"))], { account: p.outsider.account });
  return p;
}
/** A scenario whose right G2 overflows to +∞ at parameter 7,000 (`refereeScenario`'s `overflowAt`). */
export const OVERFLOW = refereeScenario(PARAMETERS, 5_000, { overflowAt: 7_000 });
/** {@link OVERFLOW}'s right G2 posted and challenged: right bit for bit, yet no global model holds +∞. */
export const withOverflowDisputed = () => OVERFLOW.withDisputed(OVERFLOW.g2Bytes, keccak256(stringToHex("no aggregate of this round is finite")));
/** G2 without its momentum (layout 1). */
export const SHORT = encodeGlobalModel({ round: 2, params: G2.params });
export const withShortDisputed = () => withDisputed(SHORT);
/** Slot 2's round-1 update with +∞ at coordinate 5,000; slot 3's with one value too many. */
export const MALFORMED = (() => {
  const infinite = Uint8Array.from(ROUND1[2]!.bytes);
  new DataView(infinite.buffer).setUint32(60 + 4 * 5_000, 0x7f800000, true);
  return [infinite, encodeUpdate({ round: 1, slot: 3, size: PARAMETERS + 1, payload: { encoding: "denseF32", values: vector(13, PARAMETERS + 1) } })] as const;
})();
/** Round 1 committed with {@link MALFORMED} as slots 2 and 3, G2 posted and challenged (dispute 1). */
export async function withMalformedUpdatesDisputed() {
  const p = await withRound1Committed([ROUND1[0]!.bytes, ROUND1[1]!.bytes, ...MALFORMED]);
  await p.roundJobRegistry.write.postAggregate([p.jobId, 1, globalModelDigest(G2_BYTES)], { account: p.outsider.account });
  await p.disputes.write.challengeRound([p.jobId, 1, AGGREGATE, keccak256(stringToHex("claimed"))], { account: p.challenger.account });
  return p;
}


/** Chunk `index` of `bytes`' chunked blob, as the referee takes it. */
export const chunkOf = (bytes: Uint8Array, index: number): BlobChunkArgument => chunkArgument(chunkedBlob(bytes), index);


/**
 * Round 1's aggregate posted wrong and refuted at coordinate 5,000 (dispute 1: 8 words, then decide); re-posted right
 * and challenged again (dispute 2), which expires upheld.
 */
export async function withRefutedThenUpheld() {
  const p = await withWrongDisputed();
  const evidence = evidenceFor(WRONG_G2);
  if (evidence.kind !== "coordinate") throw new Error("expected a coordinate");
  for (const { subject, chunk } of evidence.words) {
    await p.referee.write.proveWord([1n, PROGRAM, evidence.coordinate, subject, chunk], { account: p.challenger.account });
  }
  await p.referee.write.decide([1n, PROGRAM], { account: p.challenger.account });
  await p.roundJobRegistry.write.postAggregate([p.jobId, 1, globalModelDigest(G2_BYTES)], { account: p.outsider.account });
  await p.disputes.write.challengeRound([p.jobId, 1, AGGREGATE, keccak256(stringToHex("claimed"))], { account: p.challenger.account });
  await networkHelpers.time.increaseTo((await p.disputes.read.getDispute([2n])).verdictDeadline);
  await p.disputes.write.expire([2n], { account: p.outsider.account });
  return p;
}
