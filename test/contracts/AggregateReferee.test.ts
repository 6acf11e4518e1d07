import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bytesToHex, getAddress, getContract, parseAbi, zeroHash, type Hex } from "viem";
import { chunkedBlob } from "../../keepers/src/content/chunkedBlob.ts";
import { aggregateEvidence, SUBJECT, type BlobChunkArgument } from "../../keepers/src/roundJobs/aggregateRefutation.ts";
import { aggregateUpdates } from "../../keepers/src/rounds/aggregateUpdates.ts";
import { aggregationProgramHash, type AggregationProgram } from "../../keepers/src/rounds/aggregationProgram.ts";
import type { AggregationRule } from "../../keepers/src/rounds/aggregationRule.ts";
import { encodeGlobalModel, type GlobalModel } from "../../keepers/src/rounds/globalModel.ts";
import { outerStep } from "../../keepers/src/rounds/outerStep.ts";
import { SplitMix64 } from "../../keepers/src/training/prng.ts";
import { DisputeStatus, networkHelpers, postRoundJob, RoundJobStatus, viem, withRoundProviders } from "./fixture.ts";
import {
  addressOf,
  AGGREGATOR_STAKE,
  BOND,
  chunkOf,
  EXAMPLES,
  evidenceFor,
  f32,
  f32Bits,
  G1,
  G2,
  G2_BYTES,
  MALFORMED,
  NAN_G2,
  OVERFLOW,
  PARAMETERS,
  PROGRAM,
  ROUND1,
  SHORT,
  withMalformedUpdatesDisputed,
  withNanDisputed,
  withOverflowDisputed,
  withRightDisputed,
  withSelfDisputed,
  withShortDisputed,
  withWrongDisputed,
  withWrongRoundDisputed,
  WRONG_G2,
  WRONG_ROUND,
} from "./refereeFixture.ts";

// The aggregate referee (docs/dispute-game.md §7): a distributed job's aggregate disputed with no committee, one
// coordinate of the posted global model recomputed on-chain from words proven against the digests the chain holds.

describe("AggregateReferee: a distributed job's aggregate refuted on-chain", () => {
  it("a wrong coordinate: 8 words proven (4 updates, the previous and the posted parameter and momentum), the aggregate voided and its stake slashed, no committee", async () => {
    const p = await networkHelpers.loadFixture(withWrongDisputed);
    assert.equal((await p.committee.getEvents.CommitteeRequested({}, { fromBlock: 0n })).length, 0, "no committee is requested");
    const evidence = evidenceFor(WRONG_G2);
    assert.equal(evidence.kind, "coordinate");
    if (evidence.kind !== "coordinate") return;
    assert.equal(evidence.coordinate, 5_000);
    assert.deepEqual(evidence.words.map((w) => w.subject), [0, 1, 2, 3, SUBJECT.previousParameters, SUBJECT.previousMomentum, SUBJECT.postedParameters, SUBJECT.postedMomentum]);
    const publicClient = await viem.getPublicClient();
    const as = { account: p.challenger.account };
    const gas: bigint[] = [];
    for (const { subject, chunk } of evidence.words) {
      const hash = await p.referee.write.proveWord([1n, PROGRAM, 5_000, subject, chunk], as);
      gas.push((await publicClient.waitForTransactionReceipt({ hash })).gasUsed);
    }
    const [, proven, words] = await p.referee.read.evidenceOf([1n, addressOf(p.challenger)]);
    assert.equal(proven, 0b1111_0000_0000_0000_1111);
    assert.equal(words[0], f32Bits(ROUND1[0]!.values[5_000]!));
    assert.equal(words[SUBJECT.previousMomentum], f32Bits(G1.momentum![5_000]!));
    const challenger0 = await p.token.read.balanceOf([addressOf(p.challenger)]);
    const staked = async () => {
      const { available, locked } = await p.stakeManager.read.stakeOf([addressOf(p.outsider)]);
      return available + locked;
    };
    const stake0 = await staked();
    const posted = (BigInt(f32Bits(G2.params[5_000]!) + 1) << 32n) | BigInt(f32Bits(G2.momentum![5_000]!));
    const computed = (BigInt(f32Bits(G2.params[5_000]!)) << 32n) | BigInt(f32Bits(G2.momentum![5_000]!));
    await viem.assertions.emitWithArgs(p.referee.write.decide([1n, PROGRAM], as), p.referee, "AggregateRefuted", [1n, addressOf(p.challenger), 5_000n, posted, computed]);
    const [refuted] = await p.referee.getEvents.AggregateRefuted({}, { fromBlock: 0n });
    const decideGas = (await publicClient.getTransactionReceipt({ hash: refuted!.transactionHash })).gasUsed;
    const [decision] = await p.disputes.getEvents.DisputeDecidedByReferee({}, { fromBlock: 0n });
    assert.deepEqual([decision!.args.bondRecipient, decision!.args.prover], [addressOf(p.challenger), addressOf(p.challenger)]);
    const [voided] = await p.roundJobRegistry.getEvents.AggregateVoided({}, { fromBlock: 0n });
    assert.deepEqual([voided!.args.round, voided!.args.aggregator, voided!.args.slashed], [1n, addressOf(p.outsider), AGGREGATOR_STAKE]);
    assert.equal((await p.disputes.read.getDispute([1n])).status, DisputeStatus.ProviderWrong);
    assert.equal((await p.roundJobRegistry.read.getRoundJob([p.jobId])).status, RoundJobStatus.Aggregating);
    assert.equal(await p.roundJobRegistry.read.aggregateOf([p.jobId, 1]), zeroHash);
    assert.ok((await p.token.read.balanceOf([addressOf(p.challenger)])) >= challenger0 + BOND, "the bond back, and the slash's beneficiary share");
    assert.equal(await staked(), stake0 - AGGREGATOR_STAKE);
    for (const used of [...gas, decideGas]) assert.ok(used < 1_000_000n, `a transaction of the refutation took ${used} gas`);
  });

  it("a posted NaN where the right value is finite, and a right value that overflows to +∞, are refuted: a global model's values are finite", async () => {
    const p = await networkHelpers.loadFixture(withNanDisputed);
    const nan = evidenceFor(NAN_G2);
    assert.ok(nan.kind === "coordinate" && nan.coordinate === 5_000);
    for (const { subject, chunk } of nan.words) await p.referee.write.proveWord([1n, PROGRAM, 5_000, subject, chunk], { account: p.challenger.account });
    assert.equal((await p.referee.read.evidenceOf([1n, addressOf(p.challenger)]))[2][SUBJECT.postedParameters], 0x7fc00000, "a posted word is proven whatever it holds");
    const momentum = BigInt(f32Bits(G2.momentum![5_000]!));
    await viem.assertions.emitWithArgs(p.referee.write.decide([1n, PROGRAM], { account: p.challenger.account }), p.referee, "AggregateRefuted", [
      1n, addressOf(p.challenger), 5_000n, (0x7fc00000n << 32n) | momentum, (BigInt(f32Bits(G2.params[5_000]!)) << 32n) | momentum,
    ]);
    assert.equal((await p.disputes.read.getDispute([1n])).status, DisputeStatus.ProviderWrong);

    // The right G2 of OVERFLOW is +∞ at 7,000, bit for bit what the referee computes: still wrong, as no aggregate of the round is valid.
    const q = await networkHelpers.loadFixture(withOverflowDisputed);
    assert.equal(OVERFLOW.g2.params[7_000], Infinity);
    const overflow = OVERFLOW.evidenceFor(OVERFLOW.g2Bytes);
    assert.ok(overflow.kind === "coordinate" && overflow.coordinate === 7_000, "the first coordinate that is not finite, though right");
    for (const { subject, chunk } of overflow.words) await q.referee.write.proveWord([1n, OVERFLOW.program, 7_000, subject, chunk], { account: q.challenger.account });
    const infinite = (0x7f800000n << 32n) | BigInt(f32Bits(OVERFLOW.g2.momentum![7_000]!));
    await viem.assertions.emitWithArgs(q.referee.write.decide([1n, OVERFLOW.program], { account: q.challenger.account }), q.referee, "AggregateRefuted", [1n, addressOf(q.challenger), 7_000n, infinite, infinite]);
    assert.equal((await q.disputes.read.getDispute([1n])).status, DisputeStatus.ProviderWrong);
  });

  it("anyone refutes in any open dispute: the aggregator's own dispute of its wrong aggregate shields nothing; each prover's evidence is its own; the slash's share to the prover, the bond back to the challenger", async () => {
    const p = await networkHelpers.loadFixture(withSelfDisputed);
    const evidence = evidenceFor(WRONG_G2);
    if (evidence.kind !== "coordinate") throw new Error("expected a coordinate");
    const watcher = { account: p.consumer.account };
    for (const { subject, chunk } of evidence.words) {
      await p.referee.write.proveWord([1n, PROGRAM, 5_000, subject, chunk], watcher);
      // The aggregator, its own challenger, proves a word at another coordinate: its evidence, not the watcher's, starts over.
      if (subject === 0) await p.referee.write.proveWord([1n, PROGRAM, 5_001, 0, chunk], { account: p.outsider.account });
    }
    assert.deepEqual((await p.referee.read.evidenceOf([1n, addressOf(p.consumer)])).slice(0, 2), [5_000, 0b1111_0000_0000_0000_1111]);
    assert.deepEqual((await p.referee.read.evidenceOf([1n, addressOf(p.outsider)])).slice(0, 2), [5_001, 0b1]);
    await viem.assertions.revertWithCustomErrorWithArgs(p.referee.write.decide([1n, PROGRAM], { account: p.outsider.account }), p.referee, "AggregateRefereeWordsMissing", [
      1n, 5_001n, 0b1111_0000_0000_0000_1110n,
    ]);
    const balance = (w: { account: { address: `0x${string}` } }) => p.token.read.balanceOf([w.account.address]);
    const [watcher0, aggregator0] = [await balance(p.consumer), await balance(p.outsider)];
    await p.referee.write.decide([1n, PROGRAM], watcher);
    const [decision] = await p.disputes.getEvents.DisputeDecidedByReferee({}, { fromBlock: 0n });
    assert.deepEqual([decision!.args.bondRecipient, decision!.args.prover], [addressOf(p.outsider), addressOf(p.consumer)]);
    const share = (AGGREGATOR_STAKE * BigInt(await p.stakeManager.read.beneficiaryShareBps())) / 10_000n;
    assert.equal(await balance(p.consumer), watcher0 + share, "the slash's beneficiary share to the watcher who proved it");
    assert.equal(await balance(p.outsider), aggregator0 + BOND, "its bond back, as challenger; its aggregator stake slashed");
    const [voided] = await p.roundJobRegistry.getEvents.AggregateVoided({}, { fromBlock: 0n });
    assert.deepEqual([voided!.args.aggregator, voided!.args.slashed], [addressOf(p.outsider), AGGREGATOR_STAKE]);
  });

  it("a right aggregate stands: decide and refuteHeader revert AggregateRight, no committee verdict counts, expiry upholds it (the bond lost: half to the aggregator, the window resumed)", async () => {
    const p = await networkHelpers.loadFixture(withRightDisputed);
    const evidence = aggregateEvidence({ program: PROGRAM, round: 1, previous: encodeGlobalModel(G1), updates: ROUND1, posted: WRONG_G2, correct: G2_BYTES });
    assert.equal(evidence.kind, "coordinate");
    if (evidence.kind !== "coordinate") return;
    // The right blob's chunks for the same coordinate: the words of G2, not of WRONG_G2.
    const right = chunkedBlob(G2_BYTES);
    for (const { subject, chunk } of evidence.words) {
      const proven = subject >= SUBJECT.postedParameters ? { ...chunk, root: right.root, bytes_: bytesToHex(right.chunk(Number(chunk.index))), proof: right.proof(Number(chunk.index)) } : chunk;
      await p.referee.write.proveWord([1n, PROGRAM, 5_000, subject, proven], { account: p.challenger.account });
    }
    await viem.assertions.revertWithCustomErrorWithArgs(p.referee.write.decide([1n, PROGRAM], { account: p.challenger.account }), p.referee, "AggregateRefereeAggregateRight", [1n, 5_000n]);
    await viem.assertions.revertWithCustomErrorWithArgs(p.referee.write.refuteHeader([1n, PROGRAM, chunkOf(G2_BYTES, 0)]), p.referee, "AggregateRefereeAggregateRight", [1n, 2n ** 32n - 1n]);
    await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.settle([1n, true, 0n, []]), p.disputes, "DisputesNoCommitteeDispute", [1n]);
    await viem.assertions.revertWithCustomError(p.disputes.write.refuteAggregate([1n, addressOf(p.challenger)], { account: p.challenger.account }), p.disputes, "DisputesOnlyReferee");
    const aggregator0 = await p.token.read.balanceOf([addressOf(p.outsider)]);
    await networkHelpers.time.increase(await p.disputes.read.verdictPeriod());
    await viem.assertions.emitWithArgs(p.disputes.write.expire([1n]), p.disputes, "AggregateUpheld", [1n, addressOf(p.outsider)]);
    assert.equal(await p.token.read.balanceOf([addressOf(p.outsider)]), aggregator0 + BOND / 2n, "half the lost bond: the accused's share, the rest the treasury's");
    assert.equal((await p.disputes.read.getDispute([1n])).status, DisputeStatus.ChallengerWrong);
    assert.equal((await p.roundJobRegistry.read.getRoundJob([p.jobId])).status, RoundJobStatus.Aggregated);
    await viem.assertions.revertWithCustomErrorWithArgs(p.referee.write.decide([1n, PROGRAM]), p.referee, "AggregateRefereeNotRefereed", [1n]);
  });

  it("a wrong header (the round field) and a wrong length are refuted from the header alone", async () => {
    const p = await networkHelpers.loadFixture(withWrongRoundDisputed);
    const evidence = evidenceFor(WRONG_ROUND);
    assert.equal(evidence.kind, "header");
    if (evidence.kind !== "header") return;
    await viem.assertions.emitWithArgs(p.referee.write.refuteHeader([1n, PROGRAM, evidence.chunk], { account: p.consumer.account }), p.referee, "AggregateRefuted", [
      1n, addressOf(p.consumer), 2n ** 32n - 1n, (0x4d475456n << 32n) | 2n, (0x4d475456n << 32n) | 2n,
    ]);
    assert.equal((await p.disputes.read.getDispute([1n])).status, DisputeStatus.ProviderWrong);

    const q = await networkHelpers.loadFixture(withShortDisputed);
    const header = evidenceFor(SHORT);
    assert.equal(header.kind, "header");
    if (header.kind !== "header") return;
    await viem.assertions.emitWithArgs(q.referee.write.refuteHeader([1n, PROGRAM, header.chunk], { account: q.challenger.account }), q.referee, "AggregateRefuted", [1n, addressOf(q.challenger), 2n ** 32n - 1n, BigInt(SHORT.length), BigInt(G2_BYTES.length)]);
    assert.equal((await q.disputes.read.getDispute([1n])).status, DisputeStatus.ProviderWrong);
  });

  it("refuses evidence that proves nothing: wrong program, coordinate, subject, header, length, chunk, proof, a non-finite word; decide before every word", async () => {
    const p = await networkHelpers.loadFixture(withWrongDisputed);
    const evidence = evidenceFor(WRONG_G2);
    if (evidence.kind !== "coordinate") throw new Error("expected a coordinate");
    const slot0 = evidence.words[0]!.chunk;
    const as = { account: p.challenger.account };
    const prove = (overrides: { program?: AggregationProgram; coordinate?: number; subject?: number; chunk?: BlobChunkArgument; disputeId?: bigint } = {}, account = as) =>
      p.referee.write.proveWord([overrides.disputeId ?? 1n, overrides.program ?? PROGRAM, overrides.coordinate ?? 5_000, overrides.subject ?? 0, overrides.chunk ?? slot0], account);
    const referee = p.referee;
    const other = { ...PROGRAM, examples: EXAMPLES + 1 };
    await viem.assertions.revertWithCustomErrorWithArgs(prove({ program: other }), referee, "AggregateRefereeWrongProgram", [1n, aggregationProgramHash(other), aggregationProgramHash(PROGRAM)]);
    await viem.assertions.revertWithCustomErrorWithArgs(prove({ coordinate: PARAMETERS }), referee, "AggregateRefereeCoordinateOutOfRange", [1n, BigInt(PARAMETERS), BigInt(PARAMETERS)]);
    await viem.assertions.revertWithCustomErrorWithArgs(prove({ subject: 4 }), referee, "AggregateRefereeWrongSubject", [1n, 4n]);
    await viem.assertions.revertWithCustomErrorWithArgs(prove({ subject: 20 }), referee, "AggregateRefereeWrongSubject", [1n, 20n]);
    await viem.assertions.revertWithCustomError(prove({ chunk: evidence.words[1]!.chunk }), referee, "AggregateRefereeHeaderMismatch");
    await viem.assertions.revertWithCustomError(prove({ chunk: { ...slot0, index: 1n } }), referee, "AggregateRefereeChunkShape");
    await viem.assertions.revertWithCustomError(prove({ chunk: { ...slot0, proof: [] } }), referee, "AggregateRefereeChunkShape");
    const tampered = `${slot0.bytes_.slice(0, -2)}${slot0.bytes_.endsWith("00") ? "01" : "00"}` as Hex;
    await viem.assertions.revertWithCustomErrorWithArgs(prove({ chunk: { ...slot0, bytes_: tampered } }), referee, "AggregateRefereeChunkNotInBlob", [1n, 0n, 0n]);
    // A length other than the header's hashes to another digest.
    const postedWords = evidence.words.find((w) => w.subject === SUBJECT.postedParameters)!.chunk;
    await viem.assertions.revertWithCustomError(prove({ subject: SUBJECT.postedParameters, chunk: { ...postedWords, length: postedWords.length + 4n } }), referee, "AggregateRefereeHeaderMismatch");
    await viem.assertions.revertWithCustomErrorWithArgs(referee.write.decide([1n, PROGRAM], as), referee, "AggregateRefereeWordsMissing", [1n, 0n, 0b1111_0000_0000_0000_1111n]);
    await prove();
    await viem.assertions.revertWithCustomErrorWithArgs(referee.write.decide([1n, PROGRAM], as), referee, "AggregateRefereeWordsMissing", [1n, 5_000n, 0b1111_0000_0000_0000_1110n]);
    await viem.assertions.revertWithCustomErrorWithArgs(prove({ disputeId: 2n }), referee, "AggregateRefereeNotRefereed", [2n]);
    await networkHelpers.time.increase(await p.disputes.read.verdictPeriod());
    await viem.assertions.revertWithCustomErrorWithArgs(prove(), referee, "AggregateRefereeNotRefereed", [1n]);
  });

  it("refuses an update's word that is not finite and a subject's blob of the wrong length, both committed as they are", async () => {
    const p = await networkHelpers.loadFixture(withMalformedUpdatesDisputed);
    const [infinite, long] = MALFORMED;
    const as = { account: p.challenger.account };
    await viem.assertions.revertWithCustomErrorWithArgs(p.referee.write.proveWord([1n, PROGRAM, 5_000, 2, chunkOf(infinite, 0)], as), p.referee, "AggregateRefereeNotFinite", [1n, 2n, 0x7f800000]);
    await viem.assertions.revertWithCustomErrorWithArgs(p.referee.write.proveWord([1n, PROGRAM, 5_000, 3, chunkOf(long, 0)], as), p.referee, "AggregateRefereeWrongLength", [
      1n, 3n, BigInt(long.length), BigInt(60 + 4 * PARAMETERS),
    ]);
  });

  it("a job without an aggregation program draws a committee for its aggregate, and the referee refuses it", async () => {
    const p = await networkHelpers.loadFixture(withRoundProviders);
    const jobId = await postRoundJob(p);
    assert.equal(await p.roundJobRegistry.read.aggregationOf([jobId]), zeroHash);
    const referee = await viem.getContractAt("AggregateReferee", await p.disputes.read.referee());
    assert.equal(await referee.read.disputes(), getAddress(p.disputes.address));
    await viem.assertions.revertWithCustomErrorWithArgs(referee.write.decide([1n, PROGRAM]), referee, "AggregateRefereeNotRefereed", [1n]);
  });
});

/** The engine's coordinate for one harness case: aggregateUpdates then outerStep on vectors of length 1. */
function engineCoordinate(rule: AggregationRule, program: AggregationProgram, slots: number, round: number, words: number[], included: number): bigint {
  const updates = [];
  for (let s = 0; s < 16; s++) {
    if (((included >> s) & 1) === 0) continue;
    const examples = program.equalParts ? program.examples : Math.floor(((s + 1) * program.examples) / slots) - Math.floor((s * program.examples) / slots);
    updates.push({ slot: s, examples, values: Float32Array.of(f32(words[s]!)) });
  }
  const aggregate = aggregateUpdates({ rule, updates });
  const kept = program.momentum !== 0;
  const global: GlobalModel = { round, params: Float32Array.of(f32(words[16]!)), ...(kept && round > 0 ? { momentum: Float32Array.of(f32(words[17]!)) } : {}) };
  const next = outerStep({ global, aggregate, outer: { learningRate: f32(program.learningRate), momentum: f32(program.momentum) } });
  return (BigInt(f32Bits(next.params[0]!)) << 32n) | (kept ? BigInt(f32Bits(next.momentum![0]!)) : 0n);
}

/** A finite binary32 word from the seeded stream: signed zeros, subnormals, small and large magnitudes, or a repeat. */
function word(rng: SplitMix64, earlier: number[]): number {
  const sign = rng.nextBelow(2) === 0 ? 0 : 0x80000000;
  switch (rng.nextBelow(8)) {
    case 0:
      return sign;
    case 1:
      return (sign | (rng.nextBelow(0x7fffff) + 1)) >>> 0;
    case 2:
      return earlier.length === 0 ? sign : earlier[rng.nextBelow(earlier.length)]!;
    case 3:
      return (sign | ((rng.nextBelow(254) + 1) << 23) | rng.nextBelow(0x800000)) >>> 0;
    default:
      return (sign | ((rng.nextBelow(20) + 110) << 23) | rng.nextBelow(0x800000)) >>> 0;
  }
}

/** test/contracts/utils/AggregateRefereeHarness.sol. */
const HARNESS_ABI = parseAbi([
  "struct Program { uint8 rule; uint8 trim; bool equalParts; uint32 examples; uint32 parameterCount; uint32 learningRate; uint32 momentum; bytes32 initialModel; }",
  "struct Case { uint32[20] words; uint16 included; }",
  "function computed(Program program, uint256 slots, Case[] cases) pure returns (uint64[] results)",
]);

describe("AggregateReferee: its recomputation agrees with the engine bit for bit", () => {
  it("3,000 seeded coordinates: fedavg (weighted by parts or equal), median, trimmed mean; μ = 0 or not; rounds 0 and later; 1 to 16 slots", { timeout: 600_000 }, async () => {
    const { address } = await viem.deployContract("AggregateRefereeHarness");
    const harness = getContract({ address, abi: HARNESS_ABI, client: { public: await viem.getPublicClient() } });
    const rng = SplitMix64.keyed({ seed: 2026n, domain: 0xa66n, index: 0n });
    let agreed = 0;
    for (let batch = 0; batch < 30; batch++) {
      const slots = rng.nextBelow(16) + 1;
      const kind = batch % 3;
      const trim = kind === 2 ? rng.nextBelow(4) : 0;
      const rule: AggregationRule = kind === 0 ? { rule: "fedavg" } : kind === 1 ? { rule: "median" } : { rule: "trimmedMean", trim };
      const momentum = batch % 4 === 0 ? 0 : f32Bits(batch % 4 === 1 ? 0.9 : rng.nextUnit());
      const learningRate = f32Bits(batch % 5 === 0 ? 1 : 0.05 + rng.nextUnit() * 9);
      const program: AggregationProgram = { ...PROGRAM, rule: kind, trim, equalParts: batch % 2 === 1, examples: slots + rng.nextBelow(60_000), learningRate, momentum };
      const round = batch % 3 === 2 ? 0 : 1 + rng.nextBelow(5);
      const cases = Array.from({ length: 100 }, () => {
        const included = (rng.nextBelow(2 ** slots - 1) + 1) & (2 ** slots - 1);
        const words: number[] = [];
        for (let s = 0; s < 20; s++) words.push(s < slots || s === 16 || (s === 17 && round > 0 && momentum !== 0) ? word(rng, words.slice(0, Math.min(s, slots))) : 0);
        return { words, included };
      });
      const computed = await harness.read.computed([program, BigInt(slots), cases.map(({ words, included }) => ({ words: words as never, included }))]);

      cases.forEach(({ words, included }, i) => {
        assert.equal(computed[i], engineCoordinate(rule, program, slots, round, words, included), `batch ${batch} case ${i}: ${JSON.stringify({ rule, slots, round, included, words })}`);
        agreed++;
      });
    }
    assert.equal(agreed, 3_000);
  });
});
