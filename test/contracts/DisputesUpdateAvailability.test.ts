import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bytesToHex, concat, getAddress, hexToBytes, keccak256, parseEther, sha256, stringToHex, zeroHash, type Address, type Hex } from "viem";
import { chunkedBlob } from "../../keepers/src/content/chunkedBlob.ts";
import {
  commitRound,
  DisputeStatus,
  networkHelpers,
  ROUND_ORDER,
  RoundJobStatus,
  viem,
  withRunningRoundJob,
  type Protocol,
  type RunningRoundJob,
} from "./fixture.ts";

// Availability disputes of a round slot's update and of a round's aggregate (docs/dispute-game.md §5,
// docs/distributed-training.md "Chunked blobs"): the accused publishes the chunked blob on-chain, each chunk proven
// against its digest; only silence loses, and no committee is drawn.

const BOND = parseEther("100");
const AGGREGATE = 255;
/** DropReason.FoundWrong of IRoundJobRegistry. */
const FOUND_WRONG = 1;
/** 70,000 bytes: chunks of 32,768, 32,768 and 4,464 bytes, a tree of depth 2 (one empty leaf). */
const BLOB = chunkedBlob(Uint8Array.from({ length: 70_000 }, (_, i) => (i * i + 7 * i) % 251));
const SLOT = 2;

const addressOf = (w: Protocol["consumer"]): Address => getAddress(w.account.address);
const balance = (p: Protocol, address: Address) => p.token.read.balanceOf([address]);
const chunkArgs = (disputeId: bigint, index: number, overrides: { length?: bigint; root?: Hex; chunk?: bigint; bytes?: Hex; proof?: Hex[] } = {}) =>
  [
    disputeId,
    overrides.length ?? BigInt(BLOB.length),
    overrides.root ?? BLOB.root,
    overrides.chunk ?? BigInt(index),
    overrides.bytes ?? bytesToHex(BLOB.chunk(index)),
    overrides.proof ?? BLOB.proof(index),
  ] as const;

/** Round 0 of a running job: slot 2 committed the blob's digest, the others labels; awaiting its aggregate. */
async function withBlobCommitted() {
  const p = await withRunningRoundJob();
  await commitRound(p, 0, [0, 1, 3]);
  await p.roundJobRegistry.write.commitUpdate([p.jobId, 0, BLOB.digest], { account: p.slotWallets[SLOT]!.account });
  return p;
}

/** {@link withBlobCommitted}, slot 2's update challenged as unavailable (dispute 1). */
async function withUpdateDispute() {
  const p = await withBlobCommitted();
  await p.disputes.write.challengeUpdate([p.jobId, 0, SLOT], { account: p.challenger.account });
  return p;
}

/** {@link withBlobCommitted} with the round's aggregate posted, then slot 2's update challenged (dispute 1). */
async function withAggregatedUpdateDispute() {
  const p = await withBlobCommitted();
  await p.roundJobRegistry.write.postAggregate([p.jobId, 0, keccak256(stringToHex("global 0"))], { account: p.outsider.account });
  await p.disputes.write.challengeUpdate([p.jobId, 0, SLOT], { account: p.challenger.account });
  return p;
}

/** A 90,000-byte global model blob (3 chunks). */
const GLOBAL = chunkedBlob(Uint8Array.from({ length: 90_000 }, (_, i) => (i * i + 3 * i + 1) % 241));
const AGGREGATOR_STAKE = parseEther("200");

/** {@link withBlobCommitted}, the outsider's aggregate (the GLOBAL blob) posted, then disputed as unavailable (dispute 1). */
async function withAggregateDispute() {
  const p = await withBlobCommitted();
  await p.roundJobRegistry.write.postAggregate([p.jobId, 0, GLOBAL.digest], { account: p.outsider.account });
  await p.disputes.write.challengeUpdate([p.jobId, 0, AGGREGATE], { account: p.challenger.account });
  return p;
}

async function publishAll(p: RunningRoundJob, disputeId: bigint) {
  const publicClient = await viem.getPublicClient();
  const gas: bigint[] = [];
  for (let i = 0; i < BLOB.chunkCount; i++) {
    const hash = await p.disputes.write.publishUpdateChunk(chunkArgs(disputeId, i), { account: p.slotWallets[SLOT]!.account });
    gas.push((await publicClient.waitForTransactionReceipt({ hash })).gasUsed);
  }
  return gas;
}

describe("Disputes: availability of a round slot's update", () => {
  it("the blob's header hashes to the commitment: 3 chunks, depth 2", () => {
    assert.deepEqual([BLOB.chunkCount, BLOB.depth, BLOB.length], [3, 2, 70_000]);
    const header = concat([stringToHex("VTB1"), `0x${BLOB.length.toString(16).padStart(16, "0")}`, BLOB.root]);
    assert.equal(bytesToHex(BLOB.header), header);
  });

  it("opens without a committee, bond pulled, the round stopped; refuses another round, and the aggregate before it is posted", async () => {
    const p = await networkHelpers.loadFixture(withBlobCommitted);
    const as = { account: p.challenger.account };
    await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.challengeUpdate([p.jobId, 0, AGGREGATE], as), p.roundJobRegistry, "RoundJobRegistryWrongStatus", [
      p.jobId,
      RoundJobStatus.Aggregating,
      RoundJobStatus.Aggregated,
    ]);
    await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.challengeUpdate([p.jobId, 1, SLOT], as), p.roundJobRegistry, "RoundJobRegistryWrongRound", [p.jobId, 1n, 0n]);
    const challenger0 = await balance(p, addressOf(p.challenger));
    const verdictPeriod = await p.disputes.read.verdictPeriod();
    const at = BigInt(await networkHelpers.time.latest()) + 5n;
    await networkHelpers.time.setNextBlockTimestamp(at);
    await viem.assertions.emitWithArgs(p.disputes.write.challengeUpdate([p.jobId, 0, SLOT], as), p.disputes, "RoundDisputeOpened", [
      1n,
      p.jobId,
      0n,
      BigInt(SLOT),
      addressOf(p.challenger),
      zeroHash,
      BOND,
      at + BigInt(verdictPeriod),
    ]);
    assert.equal(await balance(p, addressOf(p.challenger)), challenger0 - BOND);
    assert.equal((await p.committee.getEvents.CommitteeRequested({}, { fromBlock: 0n })).length, 0, "no committee is requested");
    assert.equal((await p.roundJobRegistry.read.getRoundJob([p.jobId])).status, RoundJobStatus.Disputed);
    const dispute = await p.disputes.read.getDispute([1n]);
    assert.deepEqual([dispute.provider, dispute.claimedHash, dispute.checkpointIndex], [addressOf(p.slotWallets[SLOT]!), zeroHash, BigInt(SLOT)]);
  });

  it("an honest slot publishes its blob chunk by chunk: the update stands, half the lost bond is its, aggregation reopens, the chain holds the blob for good", async () => {
    const p = await networkHelpers.loadFixture(withUpdateDispute);
    const provider0 = await balance(p, addressOf(p.slotWallets[SLOT]!));
    const gas = await publishAll(p, 1n);
    assert.equal((await p.disputes.read.getDispute([1n])).status, DisputeStatus.ChallengerWrong);
    const [published] = await p.disputes.getEvents.UpdatePublished({ disputeId: 1n }, { fromBlock: 0n });
    assert.deepEqual(
      [published!.args.jobId, published!.args.round, published!.args.slot, published!.args.bondRecipient],
      [p.jobId, 0n, BigInt(SLOT), addressOf(p.slotWallets[SLOT]!)],
    );
    const chunks = await p.disputes.getEvents.UpdateChunkPublished({ disputeId: 1n }, { fromBlock: 0n });
    const bytes = concat(chunks.sort((a, b) => Number(a.args.chunk! - b.args.chunk!)).map((e) => e.args.bytes_!));
    assert.equal(keccak256(bytes), keccak256(concat(Array.from({ length: BLOB.chunkCount }, (_, i) => bytesToHex(BLOB.chunk(i))))), "the blob, from the chain's events alone");
    assert.equal(hexToBytes(bytes).length, BLOB.length);
    assert.equal(await balance(p, addressOf(p.slotWallets[SLOT]!)), provider0 + BOND / 2n, "the accused's share of the lost bond");
    assert.equal(await balance(p, p.disputes.address), 0n);
    const job = await p.roundJobRegistry.read.getRoundJob([p.jobId]);
    assert.deepEqual([job.status, job.activeMask], [RoundJobStatus.Aggregating, 0b1111], "nobody dropped; aggregation reopened");
    assert.equal(await p.disputes.read.blobPublishedIn([BLOB.digest]), 1n);
    await viem.assertions.revertWithCustomErrorWithArgs(
      p.disputes.write.challengeUpdate([p.jobId, 0, SLOT], { account: p.challenger.account }),
      p.disputes,
      "DisputesBlobPublished",
      [BLOB.digest, 1n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.publishUpdateChunk(chunkArgs(1n, 0)), p.disputes, "DisputesNotOpen", [1n, DisputeStatus.ChallengerWrong]);
    for (const used of gas) assert.ok(used < 1_000_000n, `a chunk published for ${used} gas`);
  });

  it("published after the aggregate: the challenge window resumes with the time it had left", async () => {
    const p = await networkHelpers.loadFixture(withAggregatedUpdateDispute);
    const { windowRemaining } = await p.disputes.read.getDispute([1n]);
    await publishAll(p, 1n);
    const job = await p.roundJobRegistry.read.getRoundJob([p.jobId]);
    assert.equal(job.status, RoundJobStatus.Aggregated);
    assert.equal(BigInt(job.deadline), BigInt(await networkHelpers.time.latest()) + BigInt(windowRemaining));
  });

  it("a slot that stays silent loses at the deadline, no committee: slashed to the challenger, dropped, aggregation reopened, the bond back", async () => {
    const p = await networkHelpers.loadFixture(withUpdateDispute);
    const { verdictDeadline } = await p.disputes.read.getDispute([1n]);
    await p.disputes.write.publishUpdateChunk(chunkArgs(1n, 0), { account: p.slotWallets[SLOT]!.account });
    await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.expire([1n]), p.disputes, "DisputesVerdictDeadlineNotReached", [1n, BigInt(verdictDeadline)]);
    await networkHelpers.time.increaseTo(verdictDeadline);
    await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.publishUpdateChunk(chunkArgs(1n, 1)), p.disputes, "DisputesPublicationTooLate", [1n, BigInt(verdictDeadline)]);
    const challenger0 = await balance(p, addressOf(p.challenger));
    const [needed, performData] = await p.disputes.read.checkUpkeep(["0x"]);
    assert.equal(needed, true, "the automation keeper ends it");
    await viem.assertions.emitWithArgs(p.disputes.write.performUpkeep([performData], { account: p.outsider.account }), p.disputes, "ResultWithheld", [1n]);
    assert.equal((await p.disputes.read.getDispute([1n])).status, DisputeStatus.ProviderWrong);
    const [dropped] = await p.roundJobRegistry.getEvents.SlotDropped({ jobId: p.jobId }, { fromBlock: 0n });
    assert.deepEqual([dropped!.args.slot, dropped!.args.reason, dropped!.args.slashed], [BigInt(SLOT), FOUND_WRONG, ROUND_ORDER.minStake]);
    assert.equal(await balance(p, addressOf(p.challenger)), challenger0 + BOND + ROUND_ORDER.minStake / 2n, "the bond back, and half the slash");
    const job = await p.roundJobRegistry.read.getRoundJob([p.jobId]);
    assert.deepEqual([job.status, job.activeMask], [RoundJobStatus.Aggregating, 0b1011]);
    assert.equal(await p.disputes.read.blobPublishedIn([BLOB.digest]), 0n);
  });

  it("refuses a header, chunk or proof that is not the committed blob's, out of range, of the wrong shape or twice, and a verdict, changing nothing", async () => {
    const p = await networkHelpers.loadFixture(withUpdateDispute);
    const as = { account: p.slotWallets[SLOT]!.account };
    const revert = (call: Promise<unknown>, error: string, args: unknown[]) => viem.assertions.revertWithCustomErrorWithArgs(call as never, p.disputes, error as never, args);
    const header = (length: bigint, root: Hex) => sha256(concat([stringToHex("VTB1"), `0x${length.toString(16).padStart(16, "0")}`, root]));
    await revert(p.disputes.write.publishUpdateChunk(chunkArgs(2n, 0), as), "DisputesUnknownDispute", [2n]);
    await revert(p.disputes.write.publishUpdateChunk(chunkArgs(1n, 0, { length: 69_999n }), as), "DisputesBlobHeaderMismatch", [1n, header(69_999n, BLOB.root), BLOB.digest]);
    await revert(p.disputes.write.publishUpdateChunk(chunkArgs(1n, 0, { root: zeroHash }), as), "DisputesBlobHeaderMismatch", [1n, header(70_000n, zeroHash), BLOB.digest]);
    await revert(p.disputes.write.publishUpdateChunk(chunkArgs(1n, 0, { chunk: 3n }), as), "DisputesChunkOutOfRange", [1n, 3n, 3n]);
    await revert(p.disputes.write.publishUpdateChunk(chunkArgs(1n, 2, { bytes: bytesToHex(BLOB.chunk(2).subarray(1)) }), as), "DisputesBlobChunkShape", [1n, 4463n, 2n, 4464n, 2n]);
    await revert(p.disputes.write.publishUpdateChunk(chunkArgs(1n, 0, { proof: BLOB.proof(0).slice(1) }), as), "DisputesBlobChunkShape", [1n, 32_768n, 1n, 32_768n, 2n]);
    const flipped = BLOB.chunk(0).slice();
    flipped[100]! ^= 1;
    await revert(p.disputes.write.publishUpdateChunk(chunkArgs(1n, 0, { bytes: bytesToHex(flipped) }), as), "DisputesChunkNotInBlob", [1n, 0n]);
    await revert(p.disputes.write.publishUpdateChunk(chunkArgs(1n, 0, { chunk: 1n }), as), "DisputesChunkNotInBlob", [1n, 1n]);
    await revert(p.disputes.write.publishUpdateChunk(chunkArgs(1n, 0, { proof: BLOB.proof(1) }), as), "DisputesChunkNotInBlob", [1n, 0n]);
    assert.deepEqual(await p.disputes.read.getPublication([1n]), { lastHash: zeroHash, traced: 0n, checkpoints: 0n, chunksLeft: 0n, depth: 0 }, "nothing recorded");
    // Anyone may publish: the data is its own proof.
    await p.disputes.write.publishUpdateChunk(chunkArgs(1n, 0), { account: p.outsider.account });
    await revert(p.disputes.write.publishUpdateChunk(chunkArgs(1n, 0), as), "DisputesChunkAlreadyPublished", [1n, 0n]);
    const publication = await p.disputes.read.getPublication([1n]);
    assert.deepEqual([publication.checkpoints, publication.chunksLeft], [3n, 2n]);
    await revert(p.disputes.write.settle([1n, true, 31n, []]), "DisputesNoCommitteeDispute", [1n]);
    await revert(p.disputes.write.publishChunk([1n, 0n, [], []], as), "DisputesNotAvailabilityDispute", [1n]);
    assert.equal((await p.disputes.read.getDispute([1n])).status, DisputeStatus.Open);
  });

  it("an aggregator publishes a global model no peer serves: the aggregate stands, the window resumes; a re-posted aggregate can be disputed again", async () => {
    const p = await networkHelpers.loadFixture(withAggregateDispute);
    const aggregator0 = await balance(p, addressOf(p.outsider));
    const { windowRemaining } = await p.disputes.read.getDispute([1n]);
    for (let i = 0; i < GLOBAL.chunkCount; i++) {
      await p.disputes.write.publishUpdateChunk([1n, BigInt(GLOBAL.length), GLOBAL.root, BigInt(i), bytesToHex(GLOBAL.chunk(i)), GLOBAL.proof(i)], { account: p.outsider.account });
    }
    const [published] = await p.disputes.getEvents.UpdatePublished({ disputeId: 1n }, { fromBlock: 0n });
    assert.deepEqual([published!.args.slot, published!.args.bondRecipient], [BigInt(AGGREGATE), addressOf(p.outsider)]);
    assert.equal(await balance(p, addressOf(p.outsider)), aggregator0 + BOND / 2n, "the accused's share of the lost bond");
    const job = await p.roundJobRegistry.read.getRoundJob([p.jobId]);
    assert.deepEqual([job.status, job.aggregator, BigInt(job.deadline)], [RoundJobStatus.Aggregated, addressOf(p.outsider), BigInt(await networkHelpers.time.latest()) + BigInt(windowRemaining)]);
    assert.equal(await p.disputes.read.blobPublishedIn([GLOBAL.digest]), 1n);
    await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.challengeUpdate([p.jobId, 0, AGGREGATE], { account: p.challenger.account }), p.disputes, "DisputesBlobPublished", [GLOBAL.digest, 1n]);
  });

  it("an aggregator silent past the deadline loses: the aggregate void, its stake slashed to the challenger, a new one due", async () => {
    const p = await networkHelpers.loadFixture(withAggregateDispute);
    await networkHelpers.time.increaseTo((await p.disputes.read.getDispute([1n])).verdictDeadline);
    const challenger0 = await balance(p, addressOf(p.challenger));
    await viem.assertions.emitWithArgs(p.disputes.write.expire([1n]), p.disputes, "ResultWithheld", [1n]);
    const [voided] = await p.roundJobRegistry.getEvents.AggregateVoided({ jobId: p.jobId }, { fromBlock: 0n });
    assert.deepEqual([voided!.args.aggregator, voided!.args.slashed], [addressOf(p.outsider), AGGREGATOR_STAKE]);
    assert.equal(await balance(p, addressOf(p.challenger)), challenger0 + BOND + AGGREGATOR_STAKE / 2n, "the bond back, and half the slash");
    const job = await p.roundJobRegistry.read.getRoundJob([p.jobId]);
    assert.deepEqual([job.status, job.activeMask], [RoundJobStatus.Aggregating, 0b1111], "no slot dropped");
    // The next aggregate of the round is its own blob, open to an availability dispute of its own.
    const next = chunkedBlob(Uint8Array.from({ length: 40_000 }, (_, i) => (i * 3 + 1) % 253));
    await p.roundJobRegistry.write.postAggregate([p.jobId, 0, next.digest], { account: p.outsider.account });
    await p.disputes.write.challengeUpdate([p.jobId, 0, AGGREGATE], { account: p.challenger.account });
    assert.deepEqual([(await p.disputes.read.getDispute([2n])).checkpointIndex, (await p.disputes.read.getDispute([2n])).claimedHash], [BigInt(AGGREGATE), zeroHash]);
  });

  it("nothing is published for a committee's round dispute", async () => {
    const p = await networkHelpers.loadFixture(withBlobCommitted);
    await p.disputes.write.challengeRound([p.jobId, 0, SLOT, keccak256(stringToHex("claimed"))], { account: p.challenger.account });
    await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.publishUpdateChunk(chunkArgs(1n, 0)), p.disputes, "DisputesNotAvailabilityDispute", [1n]);
  });
});
