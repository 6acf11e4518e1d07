import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getAddress, keccak256, sha256, stringToHex, toHex, zeroAddress, zeroHash, type ContractErrorName, type Hex } from "viem";
import {
  challengeWithCommittee,
  commitRound,
  joinValidators,
  networkHelpers,
  ROUND_ORDER,
  RoundJobStatus,
  viem,
  withOpenRoundJob,
  settleRoundDispute,
  withRunningRoundJob,
  type RunningRoundJob,
} from "./fixture.ts";

/** ISecureAggregationLedger.Stage. */
const Stage = { Keys: 0, Shares: 1, Complaints: 2, Unmask: 3 } as const;
type StageName = keyof typeof Stage;
/** ROUND_ORDER's round period is 7,200 s: Keys ends at +1,800 s, Shares at +3,600 s, Complaints at +5,400 s. */
const KEYS_PERIOD = ROUND_ORDER.roundPeriod / 4;
const SHARES_END = ROUND_ORDER.roundPeriod / 2;
const COMPLAINTS_END = (3 * ROUND_ORDER.roundPeriod) / 4;

const digest = (label: string): Hex => keccak256(stringToHex(label));
/** The message a test posts; the ledger keeps its SHA-256. */
const message = (label: string): Hex => stringToHex(label);
const messageDigest = (label: string): Hex => sha256(message(label));

async function post(p: RunningRoundJob, slot: number, stage: StageName, round = 0, bytes = message(`${stage} ${round}/${slot}`)) {
  return p.secureAggregationLedger.write.post([p.jobId, round, Stage[stage], bytes], { account: p.slotWallets[slot]!.account });
}

async function postAll(p: RunningRoundJob, slots: readonly number[], stage: StageName, round = 0) {
  for (const s of slots) await post(p, s, stage, round);
}

async function roundStart(p: RunningRoundJob): Promise<bigint> {
  const job = await p.roundJobRegistry.read.getRoundJob([p.jobId]);
  return BigInt(job.deadline) - BigInt(ROUND_ORDER.roundPeriod);
}

async function revertsWith(promise: Promise<unknown>, p: RunningRoundJob, error: ContractErrorName<RunningRoundJob["secureAggregationLedger"]["abi"]>, args: unknown[]) {
  await viem.assertions.revertWithCustomErrorWithArgs(promise, p.secureAggregationLedger, error, args as never);
}

/** Round 0 of job 1 with every slot's keys, shares and complaints posted, every update committed: Aggregating. */
async function withAggregatingRound() {
  const p = await withRunningRoundJob();
  await postAll(p, [0, 1, 2, 3], "Keys");
  await postAll(p, [0, 1, 2, 3], "Shares");
  await postAll(p, [0, 1, 2, 3], "Complaints");
  await commitRound(p, 0, [0, 1, 2, 3]);
  return p;
}

describe("SecureAggregationLedger", () => {
  it("rejects a zero registry", async () => {
    const p = await networkHelpers.loadFixture(withRunningRoundJob);
    await revertsWith(viem.deployContract("SecureAggregationLedger", [zeroAddress]), p, "SecureAggregationLedgerInvalidParameter", ["registry"]);
  });

  it("records each slot's message digests stage by stage, readable per round, with an event per post carrying the message", async () => {
    const p = await networkHelpers.loadFixture(withRunningRoundJob);
    await viem.assertions.emitWithArgs(post(p, 2, "Keys"), p.secureAggregationLedger, "SecAggPosted", [p.jobId, 0n, Stage.Keys, 2n, messageDigest("Keys 0/2"), message("Keys 0/2")]);
    await postAll(p, [0, 1, 3], "Keys");
    await postAll(p, [0, 1, 2, 3], "Shares");
    await viem.assertions.emitWithArgs(post(p, 3, "Complaints"), p.secureAggregationLedger, "SecAggPosted", [p.jobId, 0n, Stage.Complaints, 3n, messageDigest("Complaints 0/3"), message("Complaints 0/3")]);
    await postAll(p, [0, 1], "Complaints");
    await commitRound(p, 0, [0, 1, 2, 3]);
    await viem.assertions.emitWithArgs(post(p, 1, "Unmask"), p.secureAggregationLedger, "SecAggPosted", [p.jobId, 0n, Stage.Unmask, 1n, messageDigest("Unmask 0/1"), message("Unmask 0/1")]);
    assert.deepEqual(await p.secureAggregationLedger.read.postedMasks([p.jobId, 0]), { keys: 0b1111, shares: 0b1111, complaints: 0b1011, unmask: 0b0010 });
    const digests = await p.secureAggregationLedger.read.digestsOf([p.jobId, 0]);
    assert.equal(digests.length, 4);
    assert.deepEqual(digests[Stage.Keys].slice(0, 5), [0, 1, 2, 3].map((s) => messageDigest(`Keys 0/${s}`)).concat(zeroHash));
    assert.deepEqual(digests[Stage.Shares].slice(0, 5), [0, 1, 2, 3].map((s) => messageDigest(`Shares 0/${s}`)).concat(zeroHash));
    assert.deepEqual(digests[Stage.Complaints].slice(0, 4), [messageDigest("Complaints 0/0"), messageDigest("Complaints 0/1"), zeroHash, messageDigest("Complaints 0/3")]);
    assert.deepEqual(digests[Stage.Unmask].slice(0, 4), [zeroHash, messageDigest("Unmask 0/1"), zeroHash, zeroHash]);
    assert.deepEqual(await p.secureAggregationLedger.read.postedMasks([p.jobId, 1]), { keys: 0, shares: 0, complaints: 0, unmask: 0 });
  });

  it("gives Keys the first quarter, Shares up to half and Complaints up to three quarters of the round period", async () => {
    const p = await networkHelpers.loadFixture(withRunningRoundJob);
    const start = await roundStart(p);
    assert.deepEqual(await p.secureAggregationLedger.read.stageEnds([p.jobId]), [start + BigInt(KEYS_PERIOD), start + BigInt(SHARES_END), start + BigInt(COMPLAINTS_END)]);
    await postAll(p, [0, 1, 2], "Keys");
    await revertsWith(post(p, 0, "Shares"), p, "SecureAggregationLedgerStageNotOpen", [p.jobId, 0n, Stage.Shares, start + BigInt(KEYS_PERIOD)]);
    await networkHelpers.time.increaseTo(start + BigInt(KEYS_PERIOD));
    await revertsWith(post(p, 3, "Keys"), p, "SecureAggregationLedgerStageClosed", [p.jobId, 0n, Stage.Keys, start + BigInt(KEYS_PERIOD)]);
    await revertsWith(post(p, 3, "Shares"), p, "SecureAggregationLedgerMissedStage", [p.jobId, 0n, Stage.Shares, 3n]);
    await postAll(p, [0, 1], "Shares");
    // Slot 2 posted its keys but not yet its shares: Complaints waits for Shares' time to be up.
    await revertsWith(post(p, 0, "Complaints"), p, "SecureAggregationLedgerStageNotOpen", [p.jobId, 0n, Stage.Complaints, start + BigInt(SHARES_END)]);
    await revertsWith(post(p, 2, "Complaints"), p, "SecureAggregationLedgerMissedStage", [p.jobId, 0n, Stage.Complaints, 2n]);
    await networkHelpers.time.increaseTo(start + BigInt(SHARES_END));
    await revertsWith(post(p, 2, "Shares"), p, "SecureAggregationLedgerStageClosed", [p.jobId, 0n, Stage.Shares, start + BigInt(SHARES_END)]);
    await revertsWith(post(p, 2, "Complaints"), p, "SecureAggregationLedgerMissedStage", [p.jobId, 0n, Stage.Complaints, 2n]);
    await revertsWith(post(p, 3, "Complaints"), p, "SecureAggregationLedgerMissedStage", [p.jobId, 0n, Stage.Complaints, 3n]);
    await post(p, 0, "Complaints");
    await networkHelpers.time.increaseTo(start + BigInt(COMPLAINTS_END));
    await revertsWith(post(p, 1, "Complaints"), p, "SecureAggregationLedgerStageClosed", [p.jobId, 0n, Stage.Complaints, start + BigInt(COMPLAINTS_END)]);
    assert.deepEqual(await p.secureAggregationLedger.read.postedMasks([p.jobId, 0]), { keys: 0b0111, shares: 0b0011, complaints: 0b0001, unmask: 0 });
    // The stages end inside the training period: the round still takes updates.
    assert.ok(start + BigInt(COMPLAINTS_END) < BigInt((await p.roundJobRegistry.read.getRoundJob([p.jobId])).deadline));
  });

  it("opens Shares as soon as every active slot posted its keys, and Complaints as soon as every slot of Keys posted its shares", async () => {
    const p = await networkHelpers.loadFixture(withRunningRoundJob);
    const start = await roundStart(p);
    await postAll(p, [0, 1, 2, 3], "Keys");
    await postAll(p, [0, 1, 2], "Shares");
    await revertsWith(post(p, 0, "Complaints"), p, "SecureAggregationLedgerStageNotOpen", [p.jobId, 0n, Stage.Complaints, start + BigInt(SHARES_END)]);
    await post(p, 3, "Shares");
    await post(p, 0, "Complaints");
    assert.ok(BigInt(await networkHelpers.time.latest()) < start + BigInt(KEYS_PERIOD));
    // With slot 3 silent in Keys, Shares opens at Keys' end and Complaints once slots 0 to 2 posted their shares.
    const q = await networkHelpers.loadFixture(withRunningRoundJob);
    const qStart = await roundStart(q);
    await postAll(q, [0, 1, 2], "Keys");
    await networkHelpers.time.increaseTo(qStart + BigInt(KEYS_PERIOD));
    await postAll(q, [0, 1], "Shares");
    await revertsWith(post(q, 1, "Complaints"), q, "SecureAggregationLedgerStageNotOpen", [q.jobId, 0n, Stage.Complaints, qStart + BigInt(SHARES_END)]);
    await post(q, 2, "Shares");
    await post(q, 1, "Complaints");
    assert.ok(BigInt(await networkHelpers.time.latest()) < qStart + BigInt(SHARES_END));
    assert.deepEqual(await q.secureAggregationLedger.read.postedMasks([q.jobId, 0]), { keys: 0b0111, shares: 0b0111, complaints: 0b0010, unmask: 0 });
  });

  it("takes a stage once per slot and round", async () => {
    const p = await networkHelpers.loadFixture(withAggregatingRound);
    for (const stage of ["Keys", "Shares", "Complaints"] as const) {
      await revertsWith(post(p, 0, stage), p, "SecureAggregationLedgerWrongStatus", [p.jobId, Stage[stage], RoundJobStatus.Aggregating, RoundJobStatus.Training]);
    }
    await post(p, 0, "Unmask");
    await revertsWith(post(p, 0, "Unmask"), p, "SecureAggregationLedgerAlreadyPosted", [p.jobId, 0n, Stage.Unmask, 0n]);
    const q = await networkHelpers.loadFixture(withRunningRoundJob);
    await postAll(q, [0, 1, 2, 3], "Keys");
    await revertsWith(post(q, 1, "Keys"), q, "SecureAggregationLedgerAlreadyPosted", [q.jobId, 0n, Stage.Keys, 1n]);
    await post(q, 1, "Shares");
    await revertsWith(post(q, 1, "Shares"), q, "SecureAggregationLedgerAlreadyPosted", [q.jobId, 0n, Stage.Shares, 1n]);
    await postAll(q, [0, 2, 3], "Shares");
    await post(q, 1, "Complaints");
    await revertsWith(post(q, 1, "Complaints"), q, "SecureAggregationLedgerAlreadyPosted", [q.jobId, 0n, Stage.Complaints, 1n]);
  });

  it("takes unmask shares once training closed until the round ends, and only from slots that posted their complaints", async () => {
    const p = await networkHelpers.loadFixture(withRunningRoundJob);
    await postAll(p, [0, 1, 2, 3], "Keys");
    await postAll(p, [0, 1, 2, 3], "Shares");
    await postAll(p, [0, 1, 2], "Complaints");
    await revertsWith(post(p, 0, "Unmask"), p, "SecureAggregationLedgerWrongStatus", [p.jobId, Stage.Unmask, RoundJobStatus.Training, RoundJobStatus.Aggregating]);
    await commitRound(p, 0, [0, 1, 2, 3]);
    // Slot 3 posted its shares but no complaints: it is out of U3.
    await revertsWith(post(p, 3, "Unmask"), p, "SecureAggregationLedgerMissedStage", [p.jobId, 0n, Stage.Unmask, 3n]);
    await post(p, 2, "Unmask");
    // A posted aggregate is checked from t shares of each secret: they still come while it is open to challenge.
    await p.roundJobRegistry.write.postAggregate([p.jobId, 0, digest("global 0")], { account: p.outsider.account });
    await post(p, 0, "Unmask");
    await networkHelpers.time.increase(ROUND_ORDER.challengeWindow);
    await p.roundJobRegistry.write.advance([p.jobId]);
    await revertsWith(post(p, 1, "Unmask"), p, "SecureAggregationLedgerWrongStatus", [p.jobId, Stage.Unmask, RoundJobStatus.Training, RoundJobStatus.Aggregating]);
    assert.deepEqual(await p.secureAggregationLedger.read.postedMasks([p.jobId, 0]), { keys: 0b1111, shares: 0b1111, complaints: 0b0111, unmask: 0b0101 });
  });

  it("refuses a job not yet running, another round, an empty or too long message, an account without a slot and a dropped slot", async () => {
    const open = await networkHelpers.loadFixture(withOpenRoundJob);
    await viem.assertions.revertWithCustomErrorWithArgs(
      open.secureAggregationLedger.write.post([open.jobId, 0, Stage.Keys, message("keys")], { account: open.providers[0]!.account }),
      open.secureAggregationLedger,
      "SecureAggregationLedgerWrongStatus",
      [open.jobId, Stage.Keys, RoundJobStatus.Bidding, RoundJobStatus.Training],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      open.secureAggregationLedger.read.stageEnds([open.jobId]),
      open.secureAggregationLedger,
      "SecureAggregationLedgerWrongStatus",
      [open.jobId, Stage.Keys, RoundJobStatus.Bidding, RoundJobStatus.Training],
    );
    await open.roundJobRegistry.write.bid([open.jobId, ROUND_ORDER.priceLimit], { account: open.providers[0]!.account });
    assert.deepEqual(await open.roundJobRegistry.read.slotOf([open.jobId, open.providers[0]!.account.address]), [false, 0]);
    const p = await networkHelpers.loadFixture(withRunningRoundJob);
    await revertsWith(post(p, 0, "Keys", 1), p, "SecureAggregationLedgerWrongRound", [p.jobId, 1n, 0n]);
    const max = await p.secureAggregationLedger.read.MAX_MESSAGE_BYTES();
    assert.equal(max, 2048n);
    await revertsWith(post(p, 0, "Keys", 0, "0x"), p, "SecureAggregationLedgerMessageLength", [p.jobId, 0n, max]);
    await revertsWith(post(p, 0, "Keys", 0, toHex(new Uint8Array(Number(max) + 1).fill(7))), p, "SecureAggregationLedgerMessageLength", [p.jobId, max + 1n, max]);
    // providers[4] bid too high and was evicted: it holds no slot.
    await revertsWith(
      p.secureAggregationLedger.write.post([p.jobId, 0, Stage.Keys, message("keys")], { account: p.outsider.account }),
      p,
      "SecureAggregationLedgerNotASlot",
      [p.jobId, getAddress(p.outsider.account.address)],
    );
    // Round 0 closes with slot 3 silent: dropped (the order continues on fault); round 1 refuses it.
    await commitRound(p, 0, [0, 1, 2]);
    await networkHelpers.time.increaseTo(BigInt((await p.roundJobRegistry.read.getRoundJob([p.jobId])).deadline));
    await p.roundJobRegistry.write.postAggregate([p.jobId, 0, digest("global 0")], { account: p.outsider.account });
    await networkHelpers.time.increase(ROUND_ORDER.challengeWindow);
    await p.roundJobRegistry.write.advance([p.jobId]);
    await revertsWith(post(p, 3, "Keys", 1), p, "SecureAggregationLedgerInactiveSlot", [p.jobId, 3n]);
    await post(p, 0, "Keys", 1);
    assert.deepEqual(await p.secureAggregationLedger.read.postedMasks([p.jobId, 1]), { keys: 0b0001, shares: 0, complaints: 0, unmask: 0 });
  });

  // A round's first post writes two fresh storage slots (the stage bits, the digest), ~44k gas, besides the
  // transaction's own 21k and the message's calldata (16 gas a byte) and event data (8 a byte). The longest
  // message the keepers post, a slot's share envelopes at 16 slots, is 1,762 bytes (docs/secure-aggregation.md §8).
  it("costs under 110k gas for a 294-byte keys message (102k), under 150k for the longest one (122k) and under 90k for complaints without a complaint (80k)", async () => {
    const p = await networkHelpers.loadFixture(withRunningRoundJob);
    const client = await viem.getPublicClient();
    const gasOf = async (hash: Hex) => (await client.waitForTransactionReceipt({ hash })).gasUsed;
    const keys = await gasOf(await post(p, 0, "Keys", 0, toHex(new Uint8Array(294).fill(0xa5))));
    assert.ok(keys < 110_000n, `keys: ${keys} gas`);
    await postAll(p, [1, 2, 3], "Keys");
    const shares = await gasOf(await post(p, 0, "Shares", 0, toHex(new Uint8Array(1762).fill(0xa5))));
    assert.ok(shares < 150_000n, `shares: ${shares} gas`);
    await postAll(p, [1, 2, 3], "Shares");
    // A complaints message without a complaint (42 bytes), what almost every slot posts.
    const complaints = await gasOf(await post(p, 0, "Complaints", 0, toHex(new Uint8Array(42).fill(0xa5))));
    assert.ok(complaints < 90_000n, `complaints: ${complaints} gas`);
  });

  describe("recovery of a withdrawn input's mask key", () => {
    const recover = (p: RunningRoundJob, slot: number, owner: number, bytes = message(`recover ${owner} by ${slot}`), round = 0) =>
      p.secureAggregationLedger.write.recover([p.jobId, round, owner, bytes], { account: p.slotWallets[slot]!.account });

    /** {@link withAggregatingRound} with slots 0 and 1 unmasked, then slot 3 found withholding its input by a committee: dropped. */
    async function withWithdrawnInput() {
      const p = await joinValidators(await withAggregatingRound());
      await postAll(p, [0, 1], "Unmask");
      await settleRoundDispute(p, await challengeWithCommittee(p, 3), true);
      return p;
    }

    it("takes each unmasked slot's share once per withdrawn slot, with an event carrying it", async () => {
      const p = await networkHelpers.loadFixture(withWithdrawnInput);
      assert.equal((await p.roundJobRegistry.read.getRoundJob([p.jobId])).status, RoundJobStatus.Aggregating);
      await viem.assertions.emitWithArgs(recover(p, 1, 3), p.secureAggregationLedger, "SecAggRecovered", [p.jobId, 0n, 3n, 1n, messageDigest("recover 3 by 1"), message("recover 3 by 1")]);
      await revertsWith(recover(p, 1, 3), p, "SecureAggregationLedgerAlreadyRecovered", [p.jobId, 0n, 3n, 1n]);
      await recover(p, 0, 3);
      assert.deepEqual((await p.secureAggregationLedger.read.recoveryDigestsOf([p.jobId, 0, 3])).slice(0, 4), [messageDigest("recover 3 by 0"), messageDigest("recover 3 by 1"), zeroHash, zeroHash]);
      assert.deepEqual(await p.secureAggregationLedger.read.recoveryDigestsOf([p.jobId, 0, 2]), Array(16).fill(zeroHash));
      await revertsWith(p.secureAggregationLedger.read.recoveryDigestsOf([p.jobId, 0, 16]), p, "SecureAggregationLedgerNoSuchSlot", [16n]);
      // Still taken while a posted aggregate is open to challenge, as unmask shares are.
      await post(p, 2, "Unmask");
      await p.roundJobRegistry.write.postAggregate([p.jobId, 0, digest("global 0")], { account: p.outsider.account });
      await recover(p, 2, 3);
    });

    // A recovery answer is an 82-byte unmaskShares message (the poster's 32-byte share of the owner's mask key): a fresh digest slot, its event and calldata.
    it("costs under 80k gas for a recovery answer (76k)", async () => {
      const p = await networkHelpers.loadFixture(withWithdrawnInput);
      const { gasUsed } = await (await viem.getPublicClient()).waitForTransactionReceipt({ hash: await recover(p, 0, 3, toHex(new Uint8Array(82).fill(0xa5))) });
      assert.ok(gasUsed < 80_000n, `recovery: ${gasUsed} gas`);
    });

    it("refuses a slot still counted or past the 16 slots, a poster that did not unmask, the withdrawn slot itself, and outside the unmask window", async () => {
      const p = await networkHelpers.loadFixture(withWithdrawnInput);
      for (const owner of [1, 16, 255]) await revertsWith(recover(p, 0, owner), p, "SecureAggregationLedgerNotWithdrawn", [p.jobId, 0n, BigInt(owner)]);
      await revertsWith(recover(p, 2, 3), p, "SecureAggregationLedgerMissedStage", [p.jobId, 0n, Stage.Unmask, 2n]);
      await revertsWith(recover(p, 3, 3), p, "SecureAggregationLedgerInactiveSlot", [p.jobId, 3n]);
      await revertsWith(recover(p, 0, 3, "0x"), p, "SecureAggregationLedgerMessageLength", [p.jobId, 0n, 2048n]);
      await revertsWith(recover(p, 0, 3, message("r"), 1), p, "SecureAggregationLedgerWrongRound", [p.jobId, 1n, 0n]);
      await revertsWith(
        p.secureAggregationLedger.write.recover([p.jobId, 0, 3, message("r")], { account: p.outsider.account }),
        p,
        "SecureAggregationLedgerNotASlot",
        [p.jobId, getAddress(p.outsider.account.address)],
      );
      await p.roundJobRegistry.write.postAggregate([p.jobId, 0, digest("global 0")], { account: p.outsider.account });
      await networkHelpers.time.increase(ROUND_ORDER.challengeWindow);
      await p.roundJobRegistry.write.advance([p.jobId]);
      await revertsWith(recover(p, 0, 3), p, "SecureAggregationLedgerWrongStatus", [p.jobId, Stage.Unmask, RoundJobStatus.Training, RoundJobStatus.Aggregating]);
    });

    it("takes a recovery answer for a dropped slot that posted its complaints, even without an input, not for one that posted its shares but no complaints", async () => {
      const q = await networkHelpers.loadFixture(withRunningRoundJob);
      await postAll(q, [0, 1, 2, 3], "Keys");
      await postAll(q, [0, 1, 2, 3], "Shares");
      await postAll(q, [0, 1, 2], "Complaints");
      await commitRound(q, 0, [0, 1]);
      await networkHelpers.time.increaseTo(BigInt((await q.roundJobRegistry.read.getRoundJob([q.jobId])).deadline));
      await q.roundJobRegistry.write.closeRound([q.jobId]);
      await post(q, 0, "Unmask");
      await viem.assertions.emitWithArgs(recover(q, 0, 2), q.secureAggregationLedger, "SecAggRecovered", [q.jobId, 0n, 2n, 0n, messageDigest("recover 2 by 0"), message("recover 2 by 0")]);
      await revertsWith(recover(q, 0, 3), q, "SecureAggregationLedgerNotWithdrawn", [q.jobId, 0n, 3n]);
    });
  });

  describe("owner commitments", () => {
    const DATA = (slot: number) => digest(`data of slot ${slot}`);
    const SEED = (round: number, slot: number) => digest(`noise seed ${round}/${slot}`);
    const commit = (p: RunningRoundJob, slot: number, round = 0, data = DATA(slot), seed = SEED(round, slot)) =>
      p.secureAggregationLedger.write.commitOwner([p.jobId, round, data, seed], { account: p.slotWallets[slot]!.account });

    it("records a slot's data root once per job and its noise-seed commitment per round, before its update, with an event", async () => {
      const p = await networkHelpers.loadFixture(withRunningRoundJob);
      assert.deepEqual(await p.secureAggregationLedger.read.ownerCommitmentOf([p.jobId, 0, 1]), [zeroHash, zeroHash]);
      await viem.assertions.emitWithArgs(commit(p, 1), p.secureAggregationLedger, "OwnerCommitted", [p.jobId, 0n, 1n, DATA(1), SEED(0, 1)]);
      assert.deepEqual(await p.secureAggregationLedger.read.ownerCommitmentOf([p.jobId, 0, 1]), [DATA(1), SEED(0, 1)]);
      for (const slot of [0, 2, 3]) await commit(p, slot);
      await commitRound(p, 0, [0, 1, 2, 3]);
      await p.roundJobRegistry.write.postAggregate([p.jobId, 0, digest("global 0")], { account: p.outsider.account });
      await networkHelpers.time.increase(ROUND_ORDER.challengeWindow);
      await p.roundJobRegistry.write.advance([p.jobId]);
      assert.deepEqual(await p.secureAggregationLedger.read.ownerCommitmentOf([p.jobId, 1, 1]), [zeroHash, zeroHash], "none yet for round 1");
      await commit(p, 1, 1);
      assert.deepEqual(await p.secureAggregationLedger.read.ownerCommitmentOf([p.jobId, 1, 1]), [DATA(1), SEED(1, 1)]);
      assert.deepEqual(await p.secureAggregationLedger.read.ownerCommitmentOf([p.jobId, 0, 1]), [DATA(1), SEED(0, 1)], "round 0's kept");
      await revertsWith(p.secureAggregationLedger.read.ownerCommitmentOf([p.jobId, 0, 255]), p, "SecureAggregationLedgerNoSuchSlot", [255n]);
    });

    it("refuses zero commitments, a job not training, another round, an account without a slot, a second commitment, one after the update, and another data root", async () => {
      const p = await networkHelpers.loadFixture(withRunningRoundJob);
      await revertsWith(commit(p, 0, 0, zeroHash), p, "SecureAggregationLedgerZeroCommitment", [p.jobId]);
      await revertsWith(commit(p, 0, 0, DATA(0), zeroHash), p, "SecureAggregationLedgerZeroCommitment", [p.jobId]);
      await revertsWith(commit(p, 0, 1), p, "SecureAggregationLedgerWrongRound", [p.jobId, 1n, 0n]);
      await revertsWith(
        p.secureAggregationLedger.write.commitOwner([p.jobId, 0, DATA(0), SEED(0, 0)], { account: p.outsider.account }),
        p,
        "SecureAggregationLedgerNotASlot",
        [p.jobId, getAddress(p.outsider.account.address)],
      );
      await commit(p, 0);
      await revertsWith(commit(p, 0, 0, DATA(0), SEED(9, 0)), p, "SecureAggregationLedgerOwnerCommitted", [p.jobId, 0n, 0n]);
      // Slot 3 commits its update first: its seed can no longer be fixed before it.
      await commitRound(p, 0, [3]);
      await revertsWith(commit(p, 3), p, "SecureAggregationLedgerOwnerCommitted", [p.jobId, 0n, 3n]);
      await commitRound(p, 0, [0, 1, 2]);
      await revertsWith(commit(p, 1), p, "SecureAggregationLedgerOwnerNotTraining", [p.jobId, RoundJobStatus.Aggregating]);
      await p.roundJobRegistry.write.postAggregate([p.jobId, 0, digest("global 0")], { account: p.outsider.account });
      await networkHelpers.time.increase(ROUND_ORDER.challengeWindow);
      await p.roundJobRegistry.write.advance([p.jobId]);
      await revertsWith(commit(p, 0, 1, DATA(9)), p, "SecureAggregationLedgerDataRootChanged", [p.jobId, 0n, DATA(0), DATA(9)]);
      await commit(p, 0, 1);
    });

    it("costs under 100k gas for a slot's first commitment (96k) and under 80k for a later round's (76k)", async () => {
      const p = await networkHelpers.loadFixture(withRunningRoundJob);
      const client = await viem.getPublicClient();
      const gasOf = async (hash: Hex) => (await client.waitForTransactionReceipt({ hash })).gasUsed;
      const first = await gasOf(await commit(p, 0));
      assert.ok(first < 100_000n, `first: ${first} gas`);
      for (const slot of [1, 2, 3]) await commit(p, slot);
      await commitRound(p, 0, [0, 1, 2, 3]);
      await p.roundJobRegistry.write.postAggregate([p.jobId, 0, digest("global 0")], { account: p.outsider.account });
      await networkHelpers.time.increase(ROUND_ORDER.challengeWindow);
      await p.roundJobRegistry.write.advance([p.jobId]);
      const later = await gasOf(await commit(p, 0, 1));
      assert.ok(later < 80_000n, `later: ${later} gas`);
    });
  });

  describe("noise-seed openings", () => {
    const SEED = (slot: number) => digest(`noise seed 0/${slot}`);
    const commit = (p: RunningRoundJob, slot: number) =>
      p.secureAggregationLedger.write.commitOwner([p.jobId, 0, digest(`data of slot ${slot}`), SEED(slot)], { account: p.slotWallets[slot]!.account });
    const open = (p: RunningRoundJob, slot: number, envelopes = message(`opening 0/${slot}`), round = 0) =>
      p.secureAggregationLedger.write.openNoiseSeed([p.jobId, round, envelopes], { account: p.slotWallets[slot]!.account });
    /** An opening to a nine-member committee as the keepers seal it (`sealOpening`): 66 bytes and 108 a member. */
    const NINE_ENVELOPES = toHex(new Uint8Array(66 + 9 * 108).fill(0xa5));

    /**
     * Round 0 with slots 0 and 1 committed to a noise seed, slot 2 not, slot 3 silent: training closed (slot 3 dropped),
     * then slot 0's update challenged before any aggregate, its committee drawn: Disputed.
     */
    async function withDisputedRound() {
      const p = await joinValidators(await withRunningRoundJob());
      await commit(p, 0);
      await commit(p, 1);
      await commitRound(p, 0, [0, 1, 2]);
      await networkHelpers.time.increaseTo(BigInt((await p.roundJobRegistry.read.getRoundJob([p.jobId])).deadline));
      await p.roundJobRegistry.write.closeRound([p.jobId]);
      const disputeId = await challengeWithCommittee(p, 0);
      return { ...p, disputeId };
    }

    it("emits the disputed slot's opening, with its SHA-256, as often as disputes ask; another slot cannot open", async () => {
      const p = await networkHelpers.loadFixture(withDisputedRound);
      assert.equal((await p.roundJobRegistry.read.getRoundJob([p.jobId])).status, RoundJobStatus.Disputed);
      await viem.assertions.emitWithArgs(open(p, 0), p.secureAggregationLedger, "NoiseSeedOpened", [p.jobId, 0, 0, messageDigest("opening 0/0"), message("opening 0/0")]);
      await viem.assertions.emitWithArgs(open(p, 0, message("again")), p.secureAggregationLedger, "NoiseSeedOpened", [p.jobId, 0, 0, messageDigest("again"), message("again")]);
      // Slot 1 committed a seed too, but the committee judges slot 0: its seed is not that committee's to learn.
      await revertsWith(open(p, 1), p, "SecureAggregationLedgerNotDisputedSlot", [p.jobId, 1n, 0n]);
      // The committee finds slot 0 right: Aggregating again, and a second dispute (on slot 1) draws a new committee.
      await settleRoundDispute(p, p.disputeId, false);
      await revertsWith(open(p, 0), p, "SecureAggregationLedgerNotDisputed", [p.jobId, RoundJobStatus.Aggregating]);
      await challengeWithCommittee(p, 1);
      await viem.assertions.emitWithArgs(open(p, 1, message("second dispute")), p.secureAggregationLedger, "NoiseSeedOpened", [p.jobId, 0, 1, messageDigest("second dispute"), message("second dispute")]);
      await revertsWith(open(p, 0), p, "SecureAggregationLedgerNotDisputedSlot", [p.jobId, 0n, 1n]);
    });

    it("refuses a job not disputed, another round, an account without a slot, a dropped slot, a slot without a noise-seed commitment, and empty or too long envelopes", async () => {
      const q = await networkHelpers.loadFixture(withRunningRoundJob);
      await commit(q, 0);
      await revertsWith(open(q, 0), q, "SecureAggregationLedgerNotDisputed", [q.jobId, RoundJobStatus.Training]);
      const p = await networkHelpers.loadFixture(withDisputedRound);
      const max = await p.secureAggregationLedger.read.MAX_OPENING_BYTES();
      assert.equal(max, 66n + 108n * 255n, "room for a committee of 255");
      await revertsWith(open(p, 0, message("o"), 1), p, "SecureAggregationLedgerWrongRound", [p.jobId, 1n, 0n]);
      await revertsWith(
        p.secureAggregationLedger.write.openNoiseSeed([p.jobId, 0, message("o")], { account: p.outsider.account }),
        p,
        "SecureAggregationLedgerNotASlot",
        [p.jobId, getAddress(p.outsider.account.address)],
      );
      await revertsWith(open(p, 3), p, "SecureAggregationLedgerInactiveSlot", [p.jobId, 3n]);
      await revertsWith(open(p, 0, "0x"), p, "SecureAggregationLedgerMessageLength", [p.jobId, 0n, max]);
      await revertsWith(open(p, 0, toHex(new Uint8Array(Number(max) + 1).fill(7))), p, "SecureAggregationLedgerMessageLength", [p.jobId, max + 1n, max]);
      await open(p, 0, toHex(new Uint8Array(Number(max)).fill(7)));
      // Slot 2 never committed a noise seed: disputed, it has none to open.
      await settleRoundDispute(p, p.disputeId, false);
      await challengeWithCommittee(p, 2);
      await revertsWith(open(p, 2), p, "SecureAggregationLedgerNoNoiseSeedCommitment", [p.jobId, 0n, 2n]);
    });

    // The transaction's 21k, the envelopes' calldata (16 gas a byte) and event data (8 a byte), the registry's reads and
    // the commitment's: nothing is stored.
    it("costs under 100k gas for an opening to a nine-member committee", async () => {
      const p = await networkHelpers.loadFixture(withDisputedRound);
      const { gasUsed } = await (await viem.getPublicClient()).waitForTransactionReceipt({ hash: await open(p, 0, NINE_ENVELOPES) });
      assert.ok(gasUsed < 100_000n, `opening: ${gasUsed} gas`);
    });
  });

  describe("opening keys", () => {
    const KEY = (label: string) => digest(`x25519 opening key ${label}`);

    it("records each account's opening key, replaced by its next, with an event", async () => {
      const p = await networkHelpers.loadFixture(withRunningRoundJob);
      const [validator, other] = [p.validators[0]!, p.validators[1]!];
      assert.equal(await p.secureAggregationLedger.read.openingKeyOf([validator.account.address]), zeroHash);
      await viem.assertions.emitWithArgs(
        p.secureAggregationLedger.write.setOpeningKey([KEY("first")], { account: validator.account }),
        p.secureAggregationLedger,
        "OpeningKeySet",
        [getAddress(validator.account.address), KEY("first")],
      );
      assert.equal(await p.secureAggregationLedger.read.openingKeyOf([validator.account.address]), KEY("first"));
      await viem.assertions.emitWithArgs(
        p.secureAggregationLedger.write.setOpeningKey([KEY("second")], { account: validator.account }),
        p.secureAggregationLedger,
        "OpeningKeySet",
        [getAddress(validator.account.address), KEY("second")],
      );
      assert.equal(await p.secureAggregationLedger.read.openingKeyOf([validator.account.address]), KEY("second"));
      assert.equal(await p.secureAggregationLedger.read.openingKeyOf([other.account.address]), zeroHash);
    });

    it("refuses the zero key", async () => {
      const p = await networkHelpers.loadFixture(withRunningRoundJob);
      await p.secureAggregationLedger.write.setOpeningKey([KEY("first")], { account: p.outsider.account });
      await revertsWith(
        p.secureAggregationLedger.write.setOpeningKey([zeroHash], { account: p.outsider.account }),
        p,
        "SecureAggregationLedgerZeroOpeningKey",
        [getAddress(p.outsider.account.address)],
      );
      assert.equal(await p.secureAggregationLedger.read.openingKeyOf([p.outsider.account.address]), KEY("first"));
    });
  });

  it("is deployed against the protocol's RoundJobRegistry", async () => {
    const p = await networkHelpers.loadFixture(withRunningRoundJob);
    assert.equal(await p.secureAggregationLedger.read.registry(), getAddress(p.roundJobRegistry.address));
    assert.deepEqual(await p.roundJobRegistry.read.slotOf([p.jobId, p.slotWallets[2]!.account.address]), [true, 2]);
    assert.deepEqual(await p.roundJobRegistry.read.slotOf([p.jobId, p.outsider.account.address]), [false, 0]);
  });
});
