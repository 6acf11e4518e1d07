/**
 * The built subgraph mappings (WebAssembly from `graph build`) run by the Node harness
 * (keepers/src/indexer/mappingHost.ts) on real event logs of the real contracts, on the
 * in-process Hardhat network; StorageProofs (not implemented yet) gets logs ABI-encoded from its
 * interface. Distributed jobs are read back through the GraphQL API, as clients read them.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { encodeAbiParameters, encodeEventTopics, keccak256, maxUint256, parseEther, sha256, stringToHex, toHex, zeroAddress, type Address, type Hex } from "viem";
import type { EntityStore } from "../../../keepers/src/indexer/entityStore.ts";
import { buildSubgraphGraphQLSchema } from "../../../keepers/src/indexer/graphqlSchema.ts";
import { runGraphQL } from "../../../keepers/src/indexer/graphqlServer.ts";
import { SUBGRAPH_CONTRACTS } from "../../../keepers/src/indexer/subgraphContracts.ts";
import {
  deployProtocol,
  fieldRoot,
  joinFreshValidator,
  joinValidators,
  networkHelpers,
  ORDER,
  postJob,
  postRoundJob,
  ROUND_ORDER,
  roundProviders,
  settleRoundJob,
  stake,
  TRACE_ROOT,
  viem,
  RESULT_DIGEST,
  withDataset,
  withRunningRoundJob,
  withSubmittedJob,
  commitRound,
  type Protocol,
} from "../../contracts/fixture.ts";
import { chunkedBlob } from "../../../keepers/src/content/chunkedBlob.ts";
import { checkpointChunks } from "../../../keepers/src/jobs/resultPublication.ts";
import { dishonest, GAME_JOB, openingOf, submittedBy, treeOf, truth } from "../../harness/gameJob.ts";
import { playOut } from "../../harness/vmGame.ts";
import { gameMoveText, gameOutcome } from "../../../app/src/jobs/gameMoveText.ts";
import { JOB_QUERY, type JobData } from "../../../app/src/jobs/jobQuery.ts";
import { refereeEvidence, roundDecider } from "../../../app/src/rounds/roundDispute.ts";
import { ROUND_JOB_QUERY, type RoundJobData } from "../../../app/src/rounds/roundJobQuery.ts";
import { contractsOf, handledEvents, indexChain, mappings, schema } from "./harness.ts";
import { aggregationProgramHash } from "../../../keepers/src/rounds/aggregationProgram.ts";
import { PROGRAM, withRefutedThenUpheld } from "../../contracts/refereeFixture.ts";

const client = await viem.getPublicClient();
const lower = (address: string) => address.toLowerCase();

/** Every history entity of type `entity`, oldest first. */
function history(store: EntityStore, entity: string) {
  return store.all(entity).sort((a, b) => Number(a.blockNumber) - Number(b.blockNumber) || String(a.id).localeCompare(String(b.id)));
}

/** Dispute `disputeId`'s `bondToTreasury` as the chain's BondForfeited says it (undefined: its bond was not lost). */
async function lostToTreasury(p: Pick<Protocol, "disputes">, disputeId: bigint) {
  const [forfeit] = await p.disputes.getEvents.BondForfeited({ disputeId }, { fromBlock: 0n });
  return forfeit === undefined ? undefined : String(forfeit.args.toTreasury);
}

async function assertAccountsMatchChain(p: Protocol, store: EntityStore) {
  const accounts = store.all("Account");
  assert.ok(accounts.length > 0);
  for (const account of accounts) {
    const onChain = await p.stakeManager.read.stakeOf([account.id as Hex]);
    assert.deepEqual(
      { available: account.available, locked: account.locked, unbonding: account.unbonding, readyAt: account.unbondingReadyAt },
      { available: String(onChain.available), locked: String(onChain.locked), unbonding: String(onChain.unbonding), readyAt: String(onChain.unbondingReadyAt) },
      `account ${account.id}`,
    );
  }
}

const VALIDATOR_STAKE = parseEther("1000");

const graphql = buildSubgraphGraphQLSchema(schema);

/** The answer to `text`, as a client receives it (graphql-js answers with null-prototype objects). */
function query(store: EntityStore, text: string, variables?: Record<string, unknown>): any {
  const { data, errors } = runGraphQL(graphql, { store, deployment: "test" }, { query: text, variables });
  assert.equal(errors, undefined, JSON.stringify(errors));
  return JSON.parse(JSON.stringify(data));
}

async function signVerdicts(p: Protocol, disputeId: bigint, providerWrong: boolean) {
  const members = (await p.committee.read.committeeOf([disputeId])).map(lower);
  const byAddress = new Map(p.validators.map((v) => [lower(v.account.address), v]));
  const chainId = await client.getChainId();
  const positions = [0, 1, 2, 3, 4];
  const signatures = await Promise.all(
    positions.map((i) =>
      byAddress.get(members[i]!)!.signTypedData({
        domain: { name: "veritrain Disputes", version: "1", chainId, verifyingContract: p.disputes.address },
        types: { Verdict: [{ name: "disputeId", type: "uint256" }, { name: "providerWrong", type: "bool" }] },
        primaryType: "Verdict",
        message: { disputeId, providerWrong },
      }),
    ),
  );
  return { bitmap: positions.reduce((acc, i) => acc | (1n << BigInt(i)), 0n), signatures };
}

async function openDispute(p: Protocol, jobId: bigint) {
  await p.disputes.write.challenge([jobId, 3n, keccak256(stringToHex("claimed"))], { account: p.challenger.account });
  const disputeId = await p.disputes.read.disputeCount();
  const [requested] = await p.committee.getEvents.CommitteeRequested({ disputeId }, { fromBlock: 0n });
  await p.vrfCoordinator.write.fulfillRandomWords([requested!.args.requestId!, p.committee.address]);
  return disputeId;
}

const digest = (label: string): Hex => keccak256(stringToHex(label));
/** The slot a round dispute names for the round's aggregate. */
const AGGREGATE = 255;
/** Bids of the five round providers, in order: the fifth (45) evicts the first (60). */
const ROUND_BIDS = [parseEther("60"), parseEther("40"), parseEther("40"), parseEther("50"), parseEther("45")] as const;

/** Opens a round dispute on `slot` of `round` and draws its committee. */
async function openRoundDispute(p: Protocol, jobId: bigint, round: number, slot: number) {
  await p.disputes.write.challengeRound([jobId, round, slot, digest(`claimed ${round}/${slot}`)], { account: p.challenger.account });
  const disputeId = await p.disputes.read.disputeCount();
  const [requested] = await p.committee.getEvents.CommitteeRequested({ disputeId }, { fromBlock: 0n });
  await p.vrfCoordinator.write.fulfillRandomWords([requested!.args.requestId!, p.committee.address]);
  return disputeId;
}

/**
 * Round job 1 (4 slots, 2 rounds) to its end: five bids (one evicted); round 0 committed by every
 * slot, its aggregate voided by a dispute that finds slot 2 wrong (dropped), posted again, a
 * dispute on the new aggregate that finds it right (window resumed), advanced; round 1 closed
 * after its deadline without slot 3 (dropped), a dispute on slot 1 before any aggregate that finds it
 * right (aggregation reopened), aggregated, advanced: finalized, slots paid. Slot 0, a data owner, opens its
 * round-0 noise seed to the first dispute's committee; validators 0 (twice) and 1 register opening keys. Job 2
 * cancelled; job 3 fails its auction with one bid. Slots: 0 = providers[1], 1 = providers[2],
 * 2 = providers[4], 3 = providers[3].
 */
async function withDistributedJob() {
  const p = await withDataset();
  const providers = roundProviders(p);
  for (const w of [...providers, p.outsider]) await stake(p, w, parseEther("1000"));
  for (const v of p.validators) {
    await stake(p, v, VALIDATOR_STAKE);
    await p.committee.write.join({ account: v.account });
  }
  for (const [v, label] of [[0, "first"], [1, "first"], [0, "second"]] as const) {
    await p.secureAggregationLedger.write.setOpeningKey([digest(`opening key ${v} ${label}`)], { account: p.validators[v]!.account });
  }
  const reg = p.roundJobRegistry;
  const jobId = await postRoundJob(p);
  for (const [i, price] of ROUND_BIDS.entries()) await reg.write.bid([jobId, price], { account: providers[i]!.account });
  await networkHelpers.time.increase(ROUND_ORDER.biddingPeriod);
  await settleRoundJob(p, jobId);
  const slots = [1, 2, 4, 3].map((i) => providers[i]!);
  const commit = async (round: number, slotNumbers: number[]) => {
    for (const s of slotNumbers) await reg.write.commitUpdate([jobId, round, digest(`update ${round}/${s}`)], { account: slots[s]!.account });
  };
  const untilDeadline = async () => networkHelpers.time.increaseTo((await reg.read.getRoundJob([jobId])).deadline);

  // Round 0's secure-aggregation posts: every slot's keys, slots 0's and 2's shares and (Shares closed) complaints, then
  // (training closed) slot 0's unmask shares.
  const ledger = p.secureAggregationLedger;
  for (const s of [0, 1, 2, 3]) await ledger.write.post([jobId, 0, 0, stringToHex(`keys 0/${s}`)], { account: slots[s]!.account });
  await ledger.write.post([jobId, 0, 1, stringToHex("shares 0/0")], { account: slots[0]!.account });
  await ledger.write.post([jobId, 0, 1, stringToHex("shares 0/2")], { account: slots[2]!.account });
  await networkHelpers.time.increaseTo((await ledger.read.stageEnds([jobId]))[1]);
  await ledger.write.post([jobId, 0, 2, stringToHex("complaints 0/0")], { account: slots[0]!.account });
  await ledger.write.post([jobId, 0, 2, stringToHex("complaints 0/2")], { account: slots[2]!.account });
  await ledger.write.commitOwner([jobId, 0, digest("data 0"), digest("noise seed 0/0")], { account: slots[0]!.account });
  await ledger.write.commitOwner([jobId, 0, digest("data 2"), digest("noise seed 0/2")], { account: slots[2]!.account });
  await commit(0, [0, 1, 2, 3]);
  await ledger.write.post([jobId, 0, 3, stringToHex("unmask 0/0")], { account: slots[0]!.account });
  await reg.write.postAggregate([jobId, 0, digest("global 0")], { account: p.outsider.account });
  const slotWrong = await openRoundDispute(p, jobId, 0, 2);
  // Slot 2, disputed, opens its noise seed to the dispute's committee (only the accused slot may).
  await ledger.write.openNoiseSeed([jobId, 0, stringToHex("noise seed 0/2 sealed to the committee")], { account: slots[2]!.account });
  const wrong = await signVerdicts(p, slotWrong, true);
  await p.disputes.write.settle([slotWrong, true, wrong.bitmap, wrong.signatures]);
  // Slot 2, dropped after committing its input: slot 0 posts its share of slot 2's mask key.
  await ledger.write.recover([jobId, 0, 2, stringToHex("recovery of 2 by 0")], { account: slots[0]!.account });
  await reg.write.postAggregate([jobId, 0, digest("global 0 without slot 2")], { account: p.outsider.account });
  const aggregateRight = await openRoundDispute(p, jobId, 0, AGGREGATE);
  const right = await signVerdicts(p, aggregateRight, false);
  await p.disputes.write.settle([aggregateRight, false, right.bitmap, right.signatures]);
  await untilDeadline();
  await reg.write.advance([jobId]);

  await commit(1, [0, 1]);
  await untilDeadline();
  await reg.write.closeRound([jobId]);
  const earlyRight = await openRoundDispute(p, jobId, 1, 1);
  const early = await signVerdicts(p, earlyRight, false);
  await p.disputes.write.settle([earlyRight, false, early.bitmap, early.signatures]);
  await reg.write.postAggregate([jobId, 1, digest("global 1")], { account: p.outsider.account });
  await untilDeadline();
  await reg.write.advance([jobId]);

  const cancelled = await postRoundJob(p);
  await reg.write.cancel([cancelled], { account: p.consumer.account });
  const failed = await postRoundJob(p);
  await reg.write.bid([failed, parseEther("10")], { account: providers[0]!.account });
  await networkHelpers.time.increase(ROUND_ORDER.biddingPeriod);
  await reg.write.settleAuction([failed]);
  return { ...p, providers, slots, jobId, cancelled, failed, disputeIds: { slotWrong, aggregateRight, earlyRight } };
}

/** A distributed job with its bids, slots (and their contributions), rounds and disputes. */
const ROUND_JOB = `query ($id: ID!) {
  roundJob(id: $id) {
    status consumer dataset { id } specDigest slotCount roundCount continueOnFault currentRound deadline escrow paid refund slashed
    postedAt settledAt seed endedAt
    bids { id blockNumber kind provider price }
    slots(orderBy: number) {
      number provider price roundsEarned active droppedReason droppedRound { number } slashed paid
      contributions(orderBy: blockNumber) { round { number } digest }
    }
    rounds(orderBy: number) {
      number startedAt trainingDeadline closed aggregationDeadline aggregateDigest aggregator includedSlots challengeDeadline
      completed earnedSlots voidedAggregates
      contributions(orderBy: blockNumber) { slot { number } provider digest blockTimestamp }
      aggregates(orderBy: blockNumber) { globalDigest includedSlots }
      disputes(orderBy: id) { id }
    }
    disputes(orderBy: id) { id registry job { id } round { number } slot checkpointIndex status providerWrong challenger }
  }
}`;

/**
 * Job 1: provider found wrong (JobFailed, slash). Job 2: challenger wrong (JobResumed), then
 * finalized. Job 3: dispute expires. Job 4: cancelled. Job 5: execution expired after a
 * re-bid. Job 6: its committee request refused by the VRF coordinator, the dispute ends without
 * a committee (JobFailed, nothing slashed). One validator exits and is released.
 */
async function withEveryJobOutcome() {
  const p = await withSubmittedJob();
  for (const v of p.validators) {
    await stake(p, v, VALIDATOR_STAKE);
    await p.committee.write.join({ account: v.account });
  }
  await stake(p, p.challenger, parseEther("1000"));
  const first = await openDispute(p, p.jobId);
  const wrong = await signVerdicts(p, first, true);
  await p.disputes.write.settle([first, true, wrong.bitmap, wrong.signatures]);

  const job2 = await postJob(p);
  await p.jobRegistry.write.bid([job2, parseEther("700")], { account: p.providerB.account });
  await p.jobRegistry.write.bid([job2, parseEther("650")], { account: p.providerA.account });
  await networkHelpers.time.increase(ORDER.biddingPeriod);
  await p.jobRegistry.write.settleAuction([job2]);
  await p.jobRegistry.write.submitResult([job2, RESULT_DIGEST, TRACE_ROOT, 9900], { account: p.providerA.account });
  const second = await openDispute(p, job2);
  const right = await signVerdicts(p, second, false);
  await p.disputes.write.settle([second, false, right.bitmap, right.signatures]);

  const job3 = await postJob(p);
  await p.jobRegistry.write.bid([job3, parseEther("600")], { account: p.providerB.account });
  await networkHelpers.time.increase(ORDER.biddingPeriod);
  await p.jobRegistry.write.settleAuction([job3]);
  await p.jobRegistry.write.submitResult([job3, RESULT_DIGEST, TRACE_ROOT, 9800], { account: p.providerB.account });
  const third = await openDispute(p, job3);
  await networkHelpers.time.increaseTo((await p.disputes.read.getDispute([third])).verdictDeadline);
  await p.disputes.write.expire([third]);

  await networkHelpers.time.increase(ORDER.challengeWindow);
  await p.jobRegistry.write.finalize([job2]);

  const job4 = await postJob(p);
  await p.jobRegistry.write.cancel([job4], { account: p.consumer.account });

  const job5 = await postJob(p);
  await p.jobRegistry.write.bid([job5, parseEther("500")], { account: p.providerB.account });
  await networkHelpers.time.increase(ORDER.biddingPeriod);
  await p.jobRegistry.write.settleAuction([job5]);
  await networkHelpers.time.increase(ORDER.executionPeriod);
  await p.jobRegistry.write.expire([job5]);

  const job6 = await postJob(p);
  await p.jobRegistry.write.bid([job6, parseEther("600")], { account: p.providerB.account });
  await networkHelpers.time.increase(ORDER.biddingPeriod);
  await p.jobRegistry.write.settleAuction([job6]);
  await p.jobRegistry.write.submitResult([job6, RESULT_DIGEST, TRACE_ROOT, 9700], { account: p.providerB.account });
  const { subscriptionId } = await p.committee.read.config();
  await p.vrfCoordinator.write.removeConsumer([subscriptionId, p.committee.address]);
  await p.disputes.write.challenge([job6, 3n, keccak256(stringToHex("claimed"))], { account: p.challenger.account });
  const fourth = await p.disputes.read.disputeCount();
  await p.vrfCoordinator.write.addConsumer([subscriptionId, p.committee.address]);
  await networkHelpers.time.increaseTo((await p.disputes.read.getDispute([fourth])).verdictDeadline);
  await p.disputes.write.expire([fourth]);

  await p.committee.write.exit({ account: p.validators[8]!.account });
  await p.committee.write.exit({ account: p.validators[7]!.account });
  await networkHelpers.time.increase(await p.committee.read.exitDelay());
  await p.committee.write.release([p.validators[8]!.account.address]);
  return { ...p, jobs: { job2, job3, job4, job5, job6 }, disputeIds: { first, second, third, fourth } };
}

/** CommitteeStatus.Drawing of IValidatorCommittee: the VRF callback left the draw to continueDraw. */
const DRAWING = 4;

/**
 * Dispute 1 (job 1's checkpoint 3) requested from a padded validator list: the nine validators, then 40
 * that joined and exited before the request. The VRF callback's 36 steps cannot find the nine among the
 * 49 entries: the draw is left unfinished.
 */
async function withUnfinishedDraw() {
  const p = await joinValidators(await withSubmittedJob());
  const padding: Address[] = [];
  for (let i = 0; i < 40; i++) padding.push(await joinFreshValidator(p, `padding validator ${i}`));
  for (const account of padding) await p.committee.write.exit({ account });
  await p.disputes.write.challenge([p.jobId, 3n, keccak256(stringToHex("claimed"))], { account: p.challenger.account });
  const disputeId = await p.disputes.read.disputeCount();
  const [requested] = await p.committee.getEvents.CommitteeRequested({ disputeId }, { fromBlock: 0n });
  await p.vrfCoordinator.write.fulfillRandomWords([requested!.args.requestId!, p.committee.address]);
  return { ...p, disputeId };
}

/**
 * Job 1 (the game job, dishonest result): challenged by game on checkpoint 2, the provider silent, lost on time.
 * A second game job (honest result): a committee dispute of checkpoint 7, which the provider's forceGame dismisses.
 */
async function withGameDisputes() {
  const p = await submittedBy(dishonest);
  await p.disputes.write.challengeByGame([p.jobId, 2n, keccak256(stringToHex("claimed")), openingOf(dishonest, 2)], { account: p.challenger.account });
  await networkHelpers.time.increase((await p.bisectionGame.read.clockBudget()) + 1n);
  await p.bisectionGame.write.timeout([1n], { account: p.outsider.account });
  const honestJob = await postJob(p, { program: truth.program.hash });
  await p.jobRegistry.write.bid([honestJob, parseEther("600")], { account: p.providerA.account });
  await networkHelpers.time.increase(ORDER.biddingPeriod);
  await p.jobRegistry.write.settleAuction([honestJob]);
  await p.jobRegistry.write.submitResult([honestJob, RESULT_DIGEST, treeOf(truth).root, 9912], { account: p.providerA.account });
  await p.disputes.write.challenge([honestJob, 7n, keccak256(stringToHex("claimed"))], { account: p.challenger.account });
  await p.disputes.write.forceGame([2n, openingOf(truth, 2)], { account: p.providerA.account });
  return { ...p, honestJob };
}

/**
 * Dispute 1: job 1's result disputed as published, answered on-chain (the trace in two batches, then every chunk of
 * the last checkpoint); dispute 2: job 2's, left unanswered past its deadline.
 */
async function withAvailabilityDisputes() {
  const p = await submittedBy(truth);
  const witness = truth.program.segmentWitness();
  await p.disputes.write.challengeResult([p.jobId], { account: p.challenger.account });
  for (const [from, count] of [[0, 2], [2, 1]] as const) {
    const { hashes, proof, proofFlags } = treeOf(truth).multiProof(from, count);
    await p.disputes.write.publishTrace([1n, { from: BigInt(from), hashes, proof, proofFlags }, witness], { account: p.providerA.account });
  }
  const { depth } = await p.disputes.read.getPublication([1n]);
  for (const { chunk, words, proof } of checkpointChunks(truth.checkpointAt(GAME_JOB.totalSteps), depth, await p.disputes.read.CHUNK_DEPTH())) {
    await p.disputes.write.publishChunk([1n, chunk, words, proof], { account: p.providerA.account });
  }
  const silentJob = await postJob(p, { program: truth.program.hash });
  await p.jobRegistry.write.bid([silentJob, parseEther("600")], { account: p.providerA.account });
  await networkHelpers.time.increase(ORDER.biddingPeriod);
  await p.jobRegistry.write.settleAuction([silentJob]);
  await p.jobRegistry.write.submitResult([silentJob, RESULT_DIGEST, treeOf(truth).root, 9912], { account: p.providerA.account });
  await p.disputes.write.challengeResult([silentJob], { account: p.challenger.account });
  await networkHelpers.time.increaseTo((await p.disputes.read.getDispute([2n])).verdictDeadline);
  await p.disputes.write.expire([2n], { account: p.outsider.account });
  return { ...p, silentJob, chunks: checkpointChunks(truth.checkpointAt(GAME_JOB.totalSteps), depth, await p.disputes.read.CHUNK_DEPTH()).length };
}

/**
 * Round job 1, round 0: slot 2 commits a 3-chunk blob, the others labels. Dispute 1: slot 2's update disputed as
 * unavailable and published on-chain, chunk by chunk. The round aggregated, dispute 2: slot 1's update (a label, no
 * blob) disputed as unavailable and left unanswered past its deadline.
 */
async function withUpdateAvailabilityDisputes() {
  const p = await withRunningRoundJob();
  const blob = chunkedBlob(Uint8Array.from({ length: 70_000 }, (_, i) => (i * i + 7 * i) % 251));
  await commitRound(p, 0, [0, 1, 3]);
  await p.roundJobRegistry.write.commitUpdate([p.jobId, 0, blob.digest], { account: p.slotWallets[2]!.account });
  await p.disputes.write.challengeUpdate([p.jobId, 0, 2], { account: p.challenger.account });
  for (let i = 0; i < blob.chunkCount; i++) {
    await p.disputes.write.publishUpdateChunk([1n, BigInt(blob.length), blob.root, BigInt(i), toHex(blob.chunk(i)), blob.proof(i)], { account: p.slotWallets[2]!.account });
  }
  await p.roundJobRegistry.write.postAggregate([p.jobId, 0, digest("global 0")], { account: p.outsider.account });
  await p.disputes.write.challengeUpdate([p.jobId, 0, 1], { account: p.challenger.account });
  await networkHelpers.time.increaseTo((await p.disputes.read.getDispute([2n])).verdictDeadline);
  await p.disputes.write.expire([2n], { account: p.outsider.account });
  return { ...p, chunks: blob.chunkCount };
}

/** Dispute 1: a game the challenger opened on the dishonest provider's checkpoint 2, played out to the wrong instruction. */
async function withPlayedGame() {
  const p = await submittedBy(dishonest);
  await p.disputes.write.challengeByGame([p.jobId, 2n, keccak256(stringToHex("claimed")), openingOf(dishonest, 2)], { account: p.challenger.account });
  const outcome = await playOut({ game: p.bisectionGame, gameId: 1n, provider: p.providerA, challenger: p.challenger, truth, claimed: dishonest, choice: "honest" });
  return { ...p, moves: outcome.gas.map((m) => m.move) };
}

describe("subgraph mappings on real event logs", () => {
  after(() => {
    // Every event of every interface went through its handler in this file.
    const expected = SUBGRAPH_CONTRACTS.flatMap((contract) => [...mappings.events.get(contract)!.values()].map((event) => `${contract}.${event.name}`));
    assert.deepEqual(expected.filter((name) => !handledEvents.has(name)), []);
  });

  describe("StakeManager", () => {
    it("keeps each account's balances equal to stakeOf and records deposits, unbonding and withdrawals", async () => {
      const p = await networkHelpers.loadFixture(deployProtocol);
      const staker = p.outsider;
      await stake(p, staker, parseEther("100"));
      await p.stakeManager.write.startUnbonding([parseEther("40")], { account: staker.account });
      await networkHelpers.time.increaseTo((await p.stakeManager.read.stakeOf([staker.account.address])).unbondingReadyAt);
      await p.stakeManager.write.withdraw({ account: staker.account });
      const store = await indexChain(client, contractsOf(p));
      await assertAccountsMatchChain(p, store);
      const who = lower(staker.account.address);
      assert.deepEqual(
        history(store, "StakeDeposit").filter((e) => e.account === who).map((e) => e.amount),
        [String(parseEther("100"))],
      );
      const [unbonding] = history(store, "UnbondingStart").filter((e) => e.account === who);
      assert.equal(unbonding!.amount, String(parseEther("40")));
      const [withdrawal] = history(store, "Withdrawal");
      assert.equal(withdrawal!.account, who);
      assert.equal(withdrawal!.amount, String(parseEther("40")));
      const receipt = await client.getTransactionReceipt({ hash: withdrawal!.transactionHash as Hex });
      assert.equal(withdrawal!.blockNumber, String(receipt.blockNumber));
      assert.equal(withdrawal!.id, `${receipt.transactionHash}${receipt.logs.find((l) => lower(l.address) === lower(p.stakeManager.address))!.logIndex.toString(16).padStart(8, "0")}`);
    });
  });

  describe("JobRegistry, Disputes and ValidatorCommittee", () => {
    it("follows every job outcome, dispute and stake movement", async () => {
      const p = await networkHelpers.loadFixture(withEveryJobOutcome);
      const store = await indexChain(client, contractsOf(p));
      await assertAccountsMatchChain(p, store);

      for (const id of [1n, p.jobs.job2, p.jobs.job3, p.jobs.job4, p.jobs.job5, p.jobs.job6]) {
        const job = store.get("Job", String(id))!;
        const onChain = await p.jobRegistry.read.getJob([id]);
        const status = ["None", "Bidding", "Assigned", "Submitted", "Disputed", "Finalized", "Cancelled", "Failed"][onChain.status];
        assert.equal(job.status, status, `job ${id}`);
        assert.equal(job.deadline, String(onChain.deadline), `job ${id} deadline`);
        assert.equal(job.dataset, "1");
        assert.equal(job.reward, String(ORDER.reward));
      }
      const job2 = store.get("Job", String(p.jobs.job2))!;
      assert.equal(job2.provider, lower(p.providerA.account.address));
      assert.equal(job2.payment, String(parseEther("650")));
      assert.equal(job2.refund, String(ORDER.reward - parseEther("650")));
      assert.deepEqual(
        history(store, "Bid").filter((b) => b.job === String(p.jobs.job2)).map((b) => [b.provider, b.price]),
        [
          [lower(p.providerB.account.address), String(parseEther("700"))],
          [lower(p.providerA.account.address), String(parseEther("650"))],
        ],
      );
      const [failure] = history(store, "JobFailure");
      assert.equal(failure!.job, "1");
      assert.equal(store.get("Job", "1")!.slashed, failure!.slashed);
      assert.equal(history(store, "JobCancellation")[0]!.refund, String(ORDER.reward));
      const [expiry] = history(store, "ExecutionExpiry");
      assert.equal(expiry!.job, String(p.jobs.job5));
      assert.equal(store.get("Job", String(p.jobs.job5))!.provider, undefined);
      assert.deepEqual(history(store, "Result").map((r) => [r.job, r.metric, r.resultDigest]), [
        ["1", 9912, RESULT_DIGEST],
        [String(p.jobs.job2), 9900, RESULT_DIGEST],
        [String(p.jobs.job3), 9800, RESULT_DIGEST],
        [String(p.jobs.job6), 9700, RESULT_DIGEST],
      ]);
      assert.equal(history(store, "JobDispute").length, 4);
      const job6 = store.get("Job", String(p.jobs.job6))!;
      assert.deepEqual([job6.status, job6.slashed, job6.refund], ["Failed", "0", String(ORDER.reward)], "no committee: refunded, nothing slashed");
      assert.deepEqual(history(store, "JobResumption").map((r) => r.job), [String(p.jobs.job2), String(p.jobs.job3)]);

      const statuses = [p.disputeIds.first, p.disputeIds.second, p.disputeIds.third, p.disputeIds.fourth].map((id) => store.get("Dispute", String(id))!.status);
      assert.deepEqual(statuses, ["ProviderWrong", "ChallengerWrong", "Expired", "NoCommittee"]);
      const fourth = store.get("Dispute", String(p.disputeIds.fourth))!;
      assert.deepEqual([fourth.committeeRequestFailed, fourth.committeeRequestId], [true, undefined]);
      assert.equal(store.get("Dispute", String(p.disputeIds.first))!.committeeRequestFailed, false);
      assert.equal(store.get("Dispute", String(p.disputeIds.first))!.committeeDrawUnfinished, false, "the callback drew its committee");
      assert.equal(history(store, "CommitteeRequestFailure")[0]!.dispute, String(p.disputeIds.fourth));
      assert.equal(history(store, "NoCommitteeExpiry")[0]!.dispute, String(p.disputeIds.fourth));
      const first = store.get("Dispute", String(p.disputeIds.first))!;
      assert.deepEqual([first.registry, first.job, first.roundJob, first.round, first.slot], ["Jobs", "1", undefined, undefined, undefined], "a single-provider job's dispute");
      assert.deepEqual(first.committee, (await p.committee.read.committeeOf([p.disputeIds.first])).map(lower));
      assert.equal(first.bondRecipient, lower(p.challenger.account.address));
      const lost = store.get("Dispute", String(p.disputeIds.second))!;
      assert.deepEqual([first.bondToTreasury, lost.bondToTreasury], [undefined, await lostToTreasury(p, p.disputeIds.second)], "a lost bond's treasury part");
      assert.ok(BigInt(lost.bondToTreasury as string) > 0n);
      assert.deepEqual(history(store, "Verdict").map((v) => v.providerWrong), [true, false]);
      assert.equal(history(store, "Challenge").length, 4);
      assert.equal(history(store, "CommitteeRequest").length, 3);
      assert.equal(history(store, "CommitteeDraw")[0]!.dispute, String(p.disputeIds.first));
      assert.equal(history(store, "DisputeExpiry")[0]!.dispute, String(p.disputeIds.third));

      const slashes = history(store, "Slash");
      assert.deepEqual(slashes.map((s) => s.account), [lower(p.providerA.account.address), lower(p.providerB.account.address)]);
      assert.ok(history(store, "StakeUnlock").length > 0);
      assert.equal(history(store, "ValidatorJoin").length, 9);
      const [released, leaving] = [8, 7].map((i) => store.get("Validator", lower(p.validators[i]!.account.address))!);
      const onChainLeaving = await p.committee.read.validatorOf([p.validators[7]!.account.address]);
      assert.deepEqual([released!.active, released!.released], [false, true]);
      assert.deepEqual(
        [leaving!.active, leaving!.released, leaving!.leftAt, leaving!.joinedAt],
        [false, false, String(onChainLeaving.leftAt), String(onChainLeaving.joinedAt)],
      );
      assert.equal(leaving!.releasableAt, String(onChainLeaving.leftAt + (await p.committee.read.exitDelay())));
      const exits = history(store, "ValidatorExit");
      assert.deepEqual(exits.map((e) => e.validator), [8, 7].map((i) => lower(p.validators[i]!.account.address)));
      assert.equal(exits[0]!.releasableAt, released!.releasableAt);
      const [release] = history(store, "ValidatorRelease");
      assert.deepEqual([release!.validator, release!.stake], [lower(p.validators[8]!.account.address), String(VALIDATOR_STAKE)]);
    });

    it("records a committee draw the VRF callback left unfinished and each continueDraw call until it is drawn", async () => {
      const p = await networkHelpers.loadFixture(withUnfinishedDraw);
      const id = String(p.disputeId);
      const unfinishedStore = await indexChain(client, contractsOf(p));
      const [event] = await p.committee.getEvents.CommitteeDrawUnfinished({ disputeId: p.disputeId }, { fromBlock: 0n });
      const [unfinished] = history(unfinishedStore, "UnfinishedCommitteeDraw");
      assert.deepEqual([unfinished!.dispute, unfinished!.seed, unfinished!.transactionHash], [id, String(event!.args.seed), event!.transactionHash]);
      const waiting = unfinishedStore.get("Dispute", id)!;
      assert.deepEqual([waiting.committeeDrawUnfinished, waiting.committee], [true, undefined], "no committee until continueDraw finishes the draw");

      // continueDraw runs only after the request's second.
      await networkHelpers.time.increase(1);
      while ((await p.committee.read.requestOf([p.disputeId])).status === DRAWING) {
        await p.committee.write.continueDraw([p.disputeId, 10n], { account: p.outsider.account });
      }
      const store = await indexChain(client, contractsOf(p));
      const continued = await p.committee.getEvents.CommitteeDrawContinued({ disputeId: p.disputeId }, { fromBlock: 0n });
      const continuations = history(store, "CommitteeDrawContinuation");
      assert.ok(continuations.length > 0);
      assert.deepEqual(
        continuations.map((c) => [c.dispute, c.nextStep, c.picked]),
        continued.map((e) => [id, String(e.args.nextStep), String(e.args.picked)]),
      );
      assert.deepEqual(continuations.map((c) => c.nextStep), continuations.map((_, i) => String(10 * (i + 1))), "ten steps per call, from step 0");
      assert.ok(
        continuations.every((c, i) => Number(c.picked) < 9 && (i === 0 || Number(c.picked) >= Number(continuations[i - 1]!.picked))),
        "the members picked so far grow, short of the nine until the last call",
      );
      const members = (await p.committee.read.committeeOf([p.disputeId])).map(lower);
      assert.deepEqual([...members].sort(), p.validators.map((v) => lower(v.account.address)).sort(), "the nine validators that stayed");
      const [draw] = history(store, "CommitteeDraw");
      assert.deepEqual([draw!.dispute, draw!.seed, draw!.members], [id, String(event!.args.seed), members]);
      assert.ok(Number(draw!.blockNumber) > Number(continuations.at(-1)!.blockNumber), "the call that finishes emits CommitteeDrawn");
      const dispute = store.get("Dispute", id)!;
      assert.deepEqual([dispute.committeeDrawUnfinished, dispute.committeeSeed, dispute.committee], [true, String(event!.args.seed), members]);
    });
  });

  describe("games (Disputes over the training VM)", () => {
    it("records a game a challenger opened and won on time, and a forced dispute dismissed, with the jobs' programs", async () => {
      const p = await networkHelpers.loadFixture(withGameDisputes);
      const store = await indexChain(client, contractsOf(p));
      assert.equal(store.get("Job", String(p.jobId))!.program, truth.program.hash);
      assert.equal(store.get("Job", String(p.honestJob))!.program, truth.program.hash);
      const won = store.get("Dispute", "1")!;
      assert.deepEqual([won.status, won.gameId, won.providerWrong, won.bondRecipient], ["ProviderWrong", "1", true, lower(p.challenger.account.address)]);
      assert.deepEqual(history(store, "GameStart").map((g) => [g.dispute, g.gameId, g.checkpointIndex, g.forced]), [["1", "1", "2", false]]);
      assert.deepEqual(history(store, "GameDecision").map((g) => [g.dispute, g.gameId, g.providerWrong, g.bondRecipient]), [["1", "1", true, lower(p.challenger.account.address)]]);
      const dismissed = store.get("Dispute", "2")!;
      assert.deepEqual([dismissed.status, dismissed.providerWrong, dismissed.bondRecipient], ["ChallengerWrong", false, lower(p.providerA.account.address)]);
      assert.deepEqual([won.bondToTreasury, dismissed.bondToTreasury], [undefined, await lostToTreasury(p, 2n)]);
      assert.deepEqual(history(store, "Dismissal").map((d) => [d.dispute, d.checkpointIndex]), [["2", "7"]]);
      assert.equal(store.get("Job", String(p.jobId))!.status, "Failed");
      assert.equal(store.get("Job", String(p.honestJob))!.status, "Submitted");
      const timedOut = store.get("Game", "1")!;
      assert.deepEqual(
        [timedOut.status, timedOut.moveCount, timedOut.timedOut, timedOut.winner],
        ["ChallengerWon", 0, lower(p.providerA.account.address), lower(p.challenger.account.address)],
        "the provider, to move first, ran out of time",
      );
      assert.equal(store.get("Dispute", "1")!.game, "1");
    });

    it("records a dispute of a result as published answered on-chain, and one left unanswered", async () => {
      const p = await networkHelpers.loadFixture(withAvailabilityDisputes);
      const store = await indexChain(client, contractsOf(p));
      const answered = store.get("Dispute", "1")!;
      assert.deepEqual(
        [answered.status, answered.providerWrong, answered.bondRecipient, answered.tracePublished, answered.chunksPublished],
        ["ChallengerWrong", false, lower(p.providerA.account.address), 3, p.chunks],
      );
      assert.deepEqual(history(store, "ResultPublication").map((r) => [r.dispute, r.job]), [["1", String(p.jobId)]]);
      assert.equal(store.get("Job", String(p.jobId))!.status, "Submitted", "the window resumed");
      const silent = store.get("Dispute", "2")!;
      assert.deepEqual([silent.status, silent.providerWrong, silent.bondRecipient], ["ProviderWrong", true, lower(p.challenger.account.address)]);
      assert.deepEqual(history(store, "ResultWithholding").map((r) => r.dispute), ["2"]);
      assert.equal(store.get("Job", String(p.silentJob))!.status, "Failed");
    });

    it("records a game played out to the wrong instruction move by move, as the chain logged it", async () => {
      const p = await networkHelpers.loadFixture(withPlayedGame);
      const store = await indexChain(client, contractsOf(p));
      const [opened] = await p.bisectionGame.getEvents.GameOpened({ gameId: 1n }, { fromBlock: 0n });
      const [ended] = await p.bisectionGame.getEvents.GameEnded({ gameId: 1n }, { fromBlock: 0n });
      const game = store.get("Game", "1")!;
      assert.deepEqual(
        [game.provider, game.challenger, game.program, game.firstStep, game.steps, game.hashLo, game.hashHi],
        [lower(opened!.args.provider!), lower(opened!.args.challenger!), opened!.args.program, String(opened!.args.firstStep), String(opened!.args.steps), opened!.args.hashLo, opened!.args.hashHi],
      );
      assert.deepEqual([game.status, game.winner, game.payout, game.timedOut], ["ChallengerWon", lower(p.challenger.account.address), String(ended!.args.payout), undefined]);
      assert.equal(store.get("Dispute", "1")!.game, "1");
      const moves = history(store, "GameMove").filter((m) => m.game === "1").sort((a, b) => Number(a.number) - Number(b.number));
      const kind = { bisect: "Bisect", choose: "Choose", descend: "Descend", step: "Step" } as Record<string, string>;
      assert.deepEqual(moves.map((m) => m.kind), p.moves.map((m) => kind[m]), "every move, in order");
      assert.deepEqual(moves.map((m) => m.number), p.moves.map((_, i) => i + 1));
      assert.equal(game.moveCount, p.moves.length);
      const provider = lower(p.providerA.account.address);
      const challenger = lower(p.challenger.account.address);
      assert.ok(moves.every((m) => m.mover === (m.kind === "Bisect" || m.kind === "Descend" ? provider : challenger)), "the provider bisects and descends, the challenger chooses and steps");
      const bisected = await p.bisectionGame.getEvents.Bisected({ gameId: 1n }, { fromBlock: 0n });
      assert.deepEqual(
        moves.filter((m) => m.kind === "Bisect").map((m) => [m.level, m.mid, m.midHash, m.bond]),
        bisected.map((e) => [e.args.level, String(e.args.mid), e.args.midHash, String(e.args.bond)]),
      );
      const chosen = await p.bisectionGame.getEvents.Chosen({ gameId: 1n }, { fromBlock: 0n });
      assert.deepEqual(moves.filter((m) => m.kind === "Choose").map((m) => [m.agreed, m.lo, m.hi]), chosen.map((e) => [e.args.agreed, String(e.args.lo), String(e.args.hi)]));
      const descended = await p.bisectionGame.getEvents.Descended({ gameId: 1n }, { fromBlock: 0n });
      const descents = moves.filter((m) => m.kind === "Descend");
      assert.deepEqual(descents.map((m) => [m.level, m.step, m.operator, m.count]), descended.map((e) => [e.args.level, String(e.args.step), String(e.args.operator), String(e.args.count)]));
      assert.deepEqual([descents.at(-1)!.level, descents.at(-1)!.step, descents.at(-1)!.operator], [2, "2", "5"], "down to step 2's operator 5 (fc2's weight gradient)");
      const step = moves.at(-1)!;
      assert.equal(step.kind, "Step");
      assert.equal(step.instruction, String(9 * 40 + 8), "the chain executed the provider's one wrong instruction");
      assert.notEqual(step.postState, step.claimedState, "the true state differs from the provider's claim");

      // The web app's job page reads the game through its one query, and says what happened.
      const page = query(store, JOB_QUERY, { id: String(p.jobId), job: String(p.jobId) }) as JobData;
      const read = page.job!.disputes[0]!.game!;
      assert.deepEqual(read.moves.map((m) => m.number), p.moves.map((_, i) => i + 1));
      assert.equal(gameOutcome(read), `the challenger won after ${p.moves.length} moves`);
      assert.match(gameMoveText(read.moves.at(-1)!), /^the chain executed instruction 368: it gives 0x[0-9a-f]{8}…[0-9a-f]{8}, the provider claimed 0x/);
      assert.match(gameMoveText(read.moves[0]!), /^the provider claimed state 0x[0-9a-f]{8}…[0-9a-f]{8} after 1 of the game's steps$/);
    });
  });

  describe("RoundJobRegistry and round disputes", () => {
    it("follows a distributed job from its bids through its rounds, drops, disputes and payouts", async () => {
      const p = await networkHelpers.loadFixture(withDistributedJob);
      const store = await indexChain(client, contractsOf(p));
      await assertAccountsMatchChain(p, store);
      const { roundJob: job } = query(store, ROUND_JOB, { id: String(p.jobId) });
      const onChain = await p.roundJobRegistry.read.getRoundJob([p.jobId]);
      const escrow = 4n * 2n * ROUND_ORDER.priceLimit;
      // Slots 0 and 1 earned both rounds at 40, slot 3 round 0 at 50, slot 2 (dropped in round 0) nothing.
      const [slot0, slot1, slot3] = [parseEther("80"), parseEther("80"), parseEther("50")];
      const paid = slot0 + slot1 + slot3;
      assert.deepEqual(
        [job.status, job.consumer, job.dataset.id, job.specDigest, job.slotCount, job.roundCount, job.continueOnFault, job.currentRound, job.deadline],
        ["Finalized", lower(p.consumer.account.address), "1", ROUND_ORDER.specDigest, 4, 2, true, onChain.round, String(onChain.deadline)],
      );
      assert.deepEqual([job.escrow, job.paid, job.refund, job.slashed], [String(escrow), String(paid), String(escrow - paid), String(2n * ROUND_ORDER.minStake)]);
      assert.ok(Number(job.postedAt) < Number(job.settledAt) && Number(job.settledAt) < Number(job.endedAt));
      assert.equal(job.seed, await p.roundJobRegistry.read.seedOf([p.jobId]));
      const bids = [...job.bids].sort((a: any, b: any) => Number(a.blockNumber) - Number(b.blockNumber) || a.id.localeCompare(b.id));
      assert.deepEqual(
        bids.map((b: any) => [b.kind, b.provider, b.price]),
        [
          ...ROUND_BIDS.map((price, i) => ["Placed", lower(p.providers[i]!.account.address), String(price)]),
          ["Evicted", lower(p.providers[0]!.account.address), String(ROUND_BIDS[0])],
        ],
        "the fifth bid evicts the highest, the first",
      );

      const chainSlots = await p.roundJobRegistry.read.slotsOf([p.jobId]);
      assert.deepEqual(
        job.slots.map((s: any) => [s.number, s.provider, s.price, s.roundsEarned, s.active]),
        chainSlots.map((s, i) => [i, lower(s.provider), String(s.price), s.roundsEarned, s.active]),
      );
      assert.deepEqual(
        job.slots.map((s: any) => [s.droppedReason, s.droppedRound?.number ?? null, s.slashed, s.paid]),
        [
          [null, null, "0", String(slot0)],
          [null, null, "0", String(slot1)],
          ["FoundWrong", 0, String(ROUND_ORDER.minStake), null],
          ["MissedDeadline", 1, String(ROUND_ORDER.minStake), String(slot3)],
        ],
      );
      assert.deepEqual(
        job.slots.map((s: any) => s.contributions.map((c: any) => [c.round.number, c.digest])),
        [
          [[0, digest("update 0/0")], [1, digest("update 1/0")]],
          [[0, digest("update 0/1")], [1, digest("update 1/1")]],
          [[0, digest("update 0/2")]],
          [[0, digest("update 0/3")]],
        ],
      );

      const aggregator = lower(p.outsider.account.address);
      assert.deepEqual(
        job.rounds.map((r: any) => [r.number, r.closed, r.completed, r.aggregateDigest, r.aggregator, r.includedSlots, r.earnedSlots, r.voidedAggregates]),
        [
          [0, true, true, digest("global 0 without slot 2"), aggregator, 0b1011, 0b1011, 1],
          [1, true, true, digest("global 1"), aggregator, 0b0011, 0b0011, 0],
        ],
      );
      for (const [r, round] of job.rounds.entries()) {
        assert.equal(round.aggregateDigest, await p.roundJobRegistry.read.aggregateOf([p.jobId, r]));
        for (const c of round.contributions) assert.equal(c.digest, await p.roundJobRegistry.read.commitmentOf([p.jobId, r, c.slot.number]));
        assert.ok(Number(round.startedAt) < Number(round.trainingDeadline) && round.aggregationDeadline !== null && round.challengeDeadline !== null);
      }
      assert.deepEqual(job.rounds[0].aggregates.map((a: any) => [a.globalDigest, a.includedSlots]), [
        [digest("global 0"), 0b1111],
        [digest("global 0 without slot 2"), 0b1011],
      ]);
      assert.deepEqual(job.rounds[1].contributions.map((c: any) => [c.slot.number, c.provider]), [0, 1].map((s) => [s, lower(p.slots[s]!.account.address)]));
      assert.deepEqual(job.rounds.map((r: any) => r.disputes.map((d: any) => d.id)), [[String(p.disputeIds.slotWrong), String(p.disputeIds.aggregateRight)], [String(p.disputeIds.earlyRight)]]);

      const challenger = lower(p.challenger.account.address);
      assert.deepEqual(job.disputes, [
        { id: String(p.disputeIds.slotWrong), registry: "RoundJobs", job: null, round: { number: 0 }, slot: 2, checkpointIndex: "2", status: "ProviderWrong", providerWrong: true, challenger },
        { id: String(p.disputeIds.aggregateRight), registry: "RoundJobs", job: null, round: { number: 0 }, slot: AGGREGATE, checkpointIndex: String(AGGREGATE), status: "ChallengerWrong", providerWrong: false, challenger },
        { id: String(p.disputeIds.earlyRight), registry: "RoundJobs", job: null, round: { number: 1 }, slot: 1, checkpointIndex: String((1 << 8) | 1), status: "ChallengerWrong", providerWrong: false, challenger },
      ]);
      for (const d of job.disputes) assert.equal(d.checkpointIndex, String((await p.disputes.read.getDispute([BigInt(d.id)])).checkpointIndex));

      const { roundChallenges, roundDisputes, roundResumptions, aggregationReopenings, aggregateVoidings, slotDrops, slotPayments, roundJobs } = query(
        store,
        `{
          roundChallenges(orderBy: blockNumber) { dispute { id } job { id } round { number } slot claimedHash }
          roundDisputes(orderBy: blockNumber) { slot windowRemaining }
          roundResumptions { round { number } challengeDeadline }
          aggregationReopenings { round { number } aggregationDeadline }
          aggregateVoidings { round { number } aggregator slashed }
          slotDrops(orderBy: blockNumber) { slot { number } round { number } reason provider slashed }
          slotPayments { slot { number } amount }
          roundJobs(orderBy: id) { id status paid refund slots(orderBy: number) { id } rounds(orderBy: number) { id } }
        }`,
      );
      assert.deepEqual(roundChallenges, [
        { dispute: { id: String(p.disputeIds.slotWrong) }, job: { id: String(p.jobId) }, round: { number: 0 }, slot: 2, claimedHash: digest("claimed 0/2") },
        { dispute: { id: String(p.disputeIds.aggregateRight) }, job: { id: String(p.jobId) }, round: { number: 0 }, slot: AGGREGATE, claimedHash: digest(`claimed 0/${AGGREGATE}`) },
        { dispute: { id: String(p.disputeIds.earlyRight) }, job: { id: String(p.jobId) }, round: { number: 1 }, slot: 1, claimedHash: digest("claimed 1/1") },
      ]);
      assert.deepEqual(roundDisputes.map((d: any) => d.slot), [2, AGGREGATE, 1]);
      assert.ok(roundDisputes.every((d: any) => Number(d.windowRemaining) > 0));
      assert.deepEqual(roundResumptions.map((r: any) => [r.round.number, r.challengeDeadline]), [[0, job.rounds[0].challengeDeadline]]);
      // The dispute before round 1's aggregate gave aggregation a whole period again; the round shows that deadline.
      assert.deepEqual(aggregationReopenings.map((r: any) => [r.round.number, r.aggregationDeadline]), [[1, job.rounds[1].aggregationDeadline]]);
      assert.deepEqual(aggregateVoidings, [{ round: { number: 0 }, aggregator, slashed: "0" }], "a wrong slot voids the aggregate without slashing its aggregator");
      assert.deepEqual(slotDrops, [
        { slot: { number: 2 }, round: { number: 0 }, reason: "FoundWrong", provider: lower(p.slots[2]!.account.address), slashed: String(ROUND_ORDER.minStake) },
        { slot: { number: 3 }, round: { number: 1 }, reason: "MissedDeadline", provider: lower(p.slots[3]!.account.address), slashed: String(ROUND_ORDER.minStake) },
      ]);
      assert.deepEqual(
        slotPayments.map((s: any) => [s.slot.number, s.amount]).sort(),
        [
          [0, String(slot0)],
          [1, String(slot1)],
          [3, String(slot3)],
        ],
      );
      assert.deepEqual(roundJobs, [
        {
          id: String(p.jobId),
          status: "Finalized",
          paid: String(paid),
          refund: String(escrow - paid),
          slots: [0, 1, 2, 3].map((s) => ({ id: `${p.jobId}-${s}` })),
          rounds: [0, 1].map((r) => ({ id: `${p.jobId}-${r}` })),
        },
        { id: String(p.cancelled), status: "Cancelled", paid: null, refund: String(escrow), slots: [], rounds: [] },
        { id: String(p.failed), status: "Failed", paid: "0", refund: String(escrow), slots: [], rounds: [] },
      ]);
      const { dataset } = query(store, `{ dataset(id: "1") { roundJobs(orderBy: id) { id } } }`);
      assert.deepEqual(dataset.roundJobs.map((j: any) => j.id), [p.jobId, p.cancelled, p.failed].map(String));
      const { trainingRound } = query(store, `{ trainingRound(id: "${p.jobId}-0") { secAggPosts(orderBy: blockNumber) { job { id } stage slot { number } digest message } } }`);
      const posted = (stage: string, slot: number, label: string) => ({ job: { id: String(p.jobId) }, stage, slot: { number: slot }, digest: sha256(stringToHex(label)), message: stringToHex(label) });
      assert.deepEqual(trainingRound.secAggPosts, [...[0, 1, 2, 3].map((s) => posted("Keys", s, `keys 0/${s}`)), posted("Shares", 0, "shares 0/0"), posted("Shares", 2, "shares 0/2"), posted("Complaints", 0, "complaints 0/0"), posted("Complaints", 2, "complaints 0/2"), posted("Unmask", 0, "unmask 0/0")]);
      const { trainingRound: recovered } = query(store, `{ trainingRound(id: "${p.jobId}-0") { secAggRecoveries { job { id } owner { number } slot { number } digest message } } }`);
      assert.deepEqual(recovered.secAggRecoveries, [{ job: { id: String(p.jobId) }, owner: { number: 2 }, slot: { number: 0 }, digest: sha256(stringToHex("recovery of 2 by 0")), message: stringToHex("recovery of 2 by 0") }]);
      const { trainingRound: owners } = query(store, `{ trainingRound(id: "${p.jobId}-0") { ownerCommitments { job { id } slot { number } dataRoot noiseSeedCommitment } } }`);
      assert.deepEqual(
        [...owners.ownerCommitments].sort((a: any, b: any) => a.slot.number - b.slot.number),
        [0, 2].map((slot) => ({ job: { id: String(p.jobId) }, slot: { number: slot }, dataRoot: digest(`data ${slot}`), noiseSeedCommitment: digest(`noise seed 0/${slot}`) })),
      );
      const { trainingRound: opened } = query(store, `{ trainingRound(id: "${p.jobId}-0") { noiseSeedOpenings { job { id } round { number } slot { number } digest envelopes } } }`);
      const sealed = stringToHex("noise seed 0/2 sealed to the committee");
      assert.deepEqual(opened.noiseSeedOpenings, [{ job: { id: String(p.jobId) }, round: { number: 0 }, slot: { number: 2 }, digest: sha256(sealed), envelopes: sealed }]);
      const { openingKeys } = query(store, `{ openingKeys(orderBy: updatedAtBlock) { id account key updatedAt updatedAtBlock } }`);
      const [first, second] = [p.validators[1]!, p.validators[0]!].map((v) => lower(v.account.address));
      assert.deepEqual(
        openingKeys.map((k: any) => [k.id, k.account, k.key]),
        [
          [first, first, digest("opening key 1 first")],
          [second, second, digest("opening key 0 second")],
        ],
        "validator 0's second key replaced its first",
      );
      for (const k of openingKeys) {
        assert.equal(k.key, await p.secureAggregationLedger.read.openingKeyOf([k.account]));
        assert.equal(k.updatedAt, String((await client.getBlock({ blockNumber: BigInt(k.updatedAtBlock) })).timestamp));
      }
    });
  });

  describe("availability disputes of round updates", () => {
    it("records an update published on-chain, and one left unanswered that drops its slot", async () => {
      const p = await networkHelpers.loadFixture(withUpdateAvailabilityDisputes);
      const store = await indexChain(client, contractsOf(p));
      const published = store.get("Dispute", "1")!;
      assert.deepEqual(
        [published.registry, published.slot, published.claimedHash, published.status, published.providerWrong, published.bondRecipient, published.chunksPublished],
        ["RoundJobs", 2, `0x${"00".repeat(32)}`, "ChallengerWrong", false, lower(p.slotWallets[2]!.account.address), p.chunks],
      );
      assert.deepEqual(history(store, "UpdatePublication").map((u) => [u.dispute, u.roundJob, u.round, u.slot]), [["1", String(p.jobId), `${p.jobId}-0`, 2]]);
      const silent = store.get("Dispute", "2")!;
      assert.deepEqual([silent.slot, silent.status, silent.providerWrong, silent.bondRecipient], [1, "ProviderWrong", true, lower(p.challenger.account.address)]);
      assert.deepEqual(history(store, "ResultWithholding").map((r) => r.dispute), ["2"]);
      const { roundJob: job } = query(store, ROUND_JOB, { id: String(p.jobId) });
      assert.deepEqual(job.slots.map((slot: { active: boolean }) => slot.active), [true, false, true, true], "slot 1 dropped");
    });
  });

  describe("AggregateReferee", () => {
    it("records a refuted aggregate (its words, coordinate and values) and an upheld one, with no committee", async () => {
      const p = await networkHelpers.loadFixture(withRefutedThenUpheld);
      const store = await indexChain(client, contractsOf(p));
      const refuted = store.get("Dispute", "1")!;
      assert.deepEqual(
        [refuted.slot, refuted.status, refuted.providerWrong, refuted.bondRecipient, refuted.evidenceCoordinate, refuted.wordsProven, refuted.committeeRequestId],
        [255, "ProviderWrong", true, lower(p.challenger.account.address), "5000", 8, undefined],
      );
      const [refutation] = history(store, "AggregateRefutation");
      const [event] = await p.referee.getEvents.AggregateRefuted({}, { fromBlock: 0n });
      assert.deepEqual(
        [refutation!.dispute, refutation!.prover, refutation!.coordinate, refutation!.posted, refutation!.computed],
        ["1", lower(p.challenger.account.address), "5000", String(event!.args.posted), String(event!.args.computed)],
      );
      assert.equal(refuted.evidenceProver, lower(p.challenger.account.address));
      const upheld = store.get("Dispute", "2")!;
      assert.deepEqual([upheld.status, upheld.providerWrong, upheld.bondRecipient, upheld.wordsProven], ["ChallengerWrong", false, lower(p.outsider.account.address), undefined]);
      assert.deepEqual([refuted.bondToTreasury, upheld.bondToTreasury], [undefined, await lostToTreasury(p, 2n)]);
      assert.equal(store.get("RoundJob", String(p.jobId))!.aggregation, aggregationProgramHash(PROGRAM));
      // The round job page's query and wording: no committee, the referee's refutation; the upheld one, no evidence.
      const page = query(store, ROUND_JOB_QUERY, { id: String(p.jobId), job: String(p.jobId) }) as RoundJobData;
      const [first, second] = page.roundJob!.disputes;
      assert.deepEqual(first!.refutations, [{ coordinate: "5000", posted: String(event!.args.posted), computed: String(event!.args.computed) }]);
      assert.match(roundDecider({ slot: first!.slot, claimedHash: first!.claimedHash, refereed: true })!, /^none: the aggregate referee/);
      assert.match(refereeEvidence(first!)!, /^refuted at coordinate 5000: posted parameter .*, momentum .*; the referee computes parameter /);
      assert.deepEqual(second!.refutations, []);
      assert.equal(refereeEvidence(second!), undefined);
    });
  });

  describe("DatasetRegistry", () => {
    it("records registration, placement, acceptance, exit, release and settlement", async () => {
      const p = await networkHelpers.loadFixture(withDataset);
      const holders = await p.datasetRegistry.read.holders([1n]);
      const holderWallet = p.storageProviders.find((w) => lower(w.account.address) === lower(holders[0]!))!;
      await p.datasetRegistry.write.acceptColumn([1n, 0n], { account: holderWallet.account });
      const idle = p.storageProviders[0]!;
      await stake(p, idle, await p.datasetRegistry.read.providerStake());
      await p.datasetRegistry.write.join(["/ip4/127.0.0.1/tcp/4999"], { account: idle.account });
      await p.datasetRegistry.write.exit({ account: idle.account });
      const { endsAt } = await p.datasetRegistry.read.getDataset([1n]);
      await networkHelpers.time.setNextBlockTimestamp(endsAt);
      await p.datasetRegistry.write.settle([1n]);
      const store = await indexChain(client, contractsOf(p));
      await assertAccountsMatchChain(p, store);

      const dataset = store.get("Dataset", "1")!;
      assert.equal(dataset.status, "Settled");
      assert.equal(dataset.owner, lower(p.consumer.account.address));
      assert.equal(dataset.n, 2);
      assert.deepEqual(dataset.columnRoots, await p.datasetRegistry.read.columnRoots([1n]));
      assert.equal(dataset.endsAt, String(endsAt));
      assert.equal(dataset.perColumn, String(parseEther("10") / 2n));
      const columns = [0, 1].map((c) => store.get("Column", `1-${c}`)!);
      assert.deepEqual(columns.map((c) => c.holder), holders.map(lower));
      assert.deepEqual(columns.map((c) => c.accepted), [true, false]);
      assert.deepEqual(
        store.all("AcceptanceListenerSetting").map((setting) => setting.listener),
        [lower(p.storageProofs.address)],
      );
      assert.equal(history(store, "Placement").length, 2);
      assert.equal(history(store, "PlacementRequest")[0]!.column, undefined, "the whole placement names no column");
      assert.equal(history(store, "ColumnAcceptance")[0]!.column, "1-0");
      assert.equal(history(store, "DatasetActivation")[0]!.endsAt, String(endsAt));
      assert.equal(history(store, "DatasetSettlement")[0]!.refund, dataset.refund);
      const provider = store.get("StorageProvider", lower(idle.account.address))!;
      assert.deepEqual([provider.active, provider.released, provider.endpoint], [false, true, "/ip4/127.0.0.1/tcp/4999"]);
      assert.equal(history(store, "ProviderExit")[0]!.provider, lower(idle.account.address));
      assert.equal(history(store, "ProviderRelease")[0]!.provider, lower(idle.account.address));
      assert.equal(history(store, "ProviderJoin").length, 3);
    });

    it("records a faulty column and its redraw (registry with a fault reporter)", async () => {
      const p = await networkHelpers.loadFixture(withReporter);
      const before = await p.registry.read.holders([1n]);
      await p.registry.write.reportFaulty([1n, 1n]);
      await p.registry.write.reassign([1n, 1n]);
      const requests = await p.registry.getEvents.PlacementRequested({}, { fromBlock: 0n });
      await p.vrfCoordinator.write.fulfillRandomWords([requests.at(-1)!.args.requestId!, p.registry.address]);
      const store = await indexChain(client, { [p.registry.address]: "DatasetRegistry" });
      const [fault] = history(store, "ColumnFault");
      assert.deepEqual([fault!.dataset, fault!.column, fault!.provider], ["1", "1-1", lower(before[1]!)]);
      assert.equal(history(store, "PlacementRequest").at(-1)!.column, "1-1");
      const column = store.get("Column", "1-1")!;
      assert.equal(column.holder, lower((await p.registry.read.holders([1n]))[1]!));
      assert.equal(column.faulty, false, "a redrawn column is sound again");
      assert.equal(store.get("Column", "1-1", Number(fault!.blockNumber))!.faulty, true, "time travel to the fault");
      assert.equal(history(store, "PlacementSeeding")[0]!.seed, store.get("Dataset", "1")!.placementSeed);
    });

    it("records a redraw's word kept while an audit round holds its column", async () => {
      const p = await networkHelpers.loadFixture(withDataset);
      const [holder] = await p.datasetRegistry.read.holders([1n]);
      const wallet = p.storageProviders.find((w) => lower(w.account.address) === lower(holder!))!;
      await p.datasetRegistry.write.acceptColumn([1n, 0n], { account: wallet.account });
      await p.datasetRegistry.write.exit({ account: wallet.account });
      await p.datasetRegistry.write.reassign([1n, 0n]);
      const requests = await p.datasetRegistry.getEvents.PlacementRequested({ datasetId: 1n }, { fromBlock: 0n });
      // An audit round is requested before the redraw's word lands: the round will audit the exited holder.
      await p.storageProofs.write.openRound([1n], { account: p.outsider.account });
      await p.vrfCoordinator.write.fulfillRandomWords([requests.at(-1)!.args.requestId!, p.datasetRegistry.address]);
      const [held] = await p.datasetRegistry.getEvents.RedrawHeld({ datasetId: 1n }, { fromBlock: 0n });
      const store = await indexChain(client, contractsOf(p));
      const [hold] = history(store, "RedrawHold");
      assert.deepEqual([hold!.dataset, hold!.column, hold!.seed], ["1", "1-0", String(held!.args.seed)]);
      assert.equal(history(store, "PlacementRequest").at(-1)!.range, String(requests.at(-1)!.args.range));
      assert.equal(store.get("Column", "1-0")!.holder, lower(holder!), "still the holder");
    });

    it("records an ignored late answer and a cancelled placement", async () => {
      const p = await networkHelpers.loadFixture(withReporter);
      // Column 0's redraw goes unanswered past the cooldown and is requested again.
      await p.registry.write.reportFaulty([1n, 0n]);
      await p.registry.write.reassign([1n, 0n]);
      await networkHelpers.time.increase(600);
      await p.registry.write.reassign([1n, 0n]);
      const requests = await p.registry.getEvents.PlacementRequested({ datasetId: 1n }, { fromBlock: 0n });
      const stale = requests.at(-2)!.args.requestId!;
      await p.vrfCoordinator.write.fulfillRandomWords([stale, p.registry.address]);
      // Dataset 2 is never answered and is cancelled after the placement timeout.
      await p.registry.write.register([{ ...REPORTER_REGISTRATION, payment: parseEther("3") }], { account: p.consumer.account });
      await networkHelpers.time.increase(3600);
      await p.registry.write.cancelPlacement([2n]);
      const store = await indexChain(client, { [p.registry.address]: "DatasetRegistry" });
      const [ignored] = history(store, "IgnoredPlacementAnswer");
      assert.deepEqual([ignored!.dataset, ignored!.column, ignored!.requestId], ["1", "1-0", String(stale)]);
      const dataset = store.get("Dataset", "2")!;
      assert.deepEqual([dataset.status, dataset.refund], ["Cancelled", String(parseEther("3"))]);
      assert.equal(history(store, "DatasetCancellation")[0]!.refund, String(parseEther("3")));
    });
  });

  describe("StorageProofs (synthetic logs ABI-encoded from IStorageProofs)", () => {
    it("follows a round from request to close and records each proof's outcome", async () => {
      const p = await networkHelpers.loadFixture(withDataset);
      const store = await indexChain(client, contractsOf(p));
      const address: Hex = "0x00000000000000000000000000000000000000aa";
      const provider = lower(p.storageProviders.at(-1)!.account.address) as Hex;
      const abi = [...mappings.events.get("StorageProofs")!.values()];
      const head = await client.getBlock();
      let logIndex = 0;
      const log = (eventName: string, args: Record<string, unknown>) => {
        const event = abi.find((e) => e.name === eventName)!;
        const data = event.inputs.filter((input) => !input.indexed);
        return {
          address,
          topics: encodeEventTopics({ abi: [event], eventName, args } as never) as [Hex, ...Hex[]],
          data: encodeAbiParameters(data, data.map((input) => args[input.name!])),
          blockHash: head.hash,
          blockNumber: head.number,
          logIndex: logIndex++,
          transactionHash: keccak256(toHex("one transaction")),
          transactionIndex: 0,
          removed: false,
        };
      };
      const verifyingKeyHash = keccak256(stringToHex("vk"));
      const logs = [
        log("VerifierAdded", { version: 1n, verifier: "0x00000000000000000000000000000000000000bb", verifyingKeyHash }),
        log("DatasetBound", { datasetId: 1n, version: 1n }),
        log("ColumnPrepared", { datasetId: 1n, column: 0n, holder: provider, version: 1n }),
        log("RoundRequested", { datasetId: 1n, round: 1n, requestId: 76n }),
        log("RoundRequested", { datasetId: 1n, round: 1n, requestId: 77n }),
        log("RoundAnswerIgnored", { datasetId: 1n, requestId: 76n }),
        log("RoundOpened", { datasetId: 1n, round: 1n, seed: 123n, deadline: 9_999n, audited: 3n }),
        log("ProofAccepted", { datasetId: 1n, round: 1n, column: 0n, provider }),
        log("ProofRejected", { datasetId: 1n, round: 1n, column: 1n, provider }),
        log("ProofMissed", { datasetId: 1n, round: 1n, column: 1n, provider }),
        log("RoundClosed", { datasetId: 1n, round: 1n, proved: 1n }),
      ];
      await store.writeBlocks([
        {
          block: { number: Number(head.number) + 1, hash: keccak256(toHex("block")), parentHash: head.hash, timestamp: Number(head.timestamp) + 1 },
          write: (view) => {
            for (const entry of logs) mappings.handle({ contract: "StorageProofs", log: entry, block: { ...head, number: head.number + 1n, transactions: [] } as never }, view);
          },
        },
      ]);
      assert.deepEqual(store.get("VerifierVersion", "1"), {
        id: "1",
        verifier: "0x00000000000000000000000000000000000000bb",
        verifyingKeyHash,
      });
      assert.equal(store.get("Dataset", "1")!.verifierVersion, "1");
      const round = store.get("AuditRound", "1-1")!;
      assert.deepEqual([round.status, round.seed, round.deadline, round.audited, round.proved, round.requestId], ["Closed", "123", "9999", "3", "1", "77"]);
      assert.deepEqual(
        history(store, "Proof").map((proof) => [proof.column, proof.outcome, proof.provider, proof.round]),
        [
          ["1-0", "Accepted", provider, "1-1"],
          ["1-1", "Rejected", provider, "1-1"],
          ["1-1", "Missed", provider, "1-1"],
        ],
      );
      assert.deepEqual(
        history(store, "ColumnPreparation").map((preparation) => [preparation.dataset, preparation.column, preparation.holder, preparation.version]),
        [["1", "1-0", provider, "1"]],
      );
      assert.deepEqual(history(store, "IgnoredRoundAnswer").map((ignored) => [ignored.dataset, ignored.requestId]), [["1", "76"]]);
      assert.equal(history(store, "RoundRequest").length, 2, "a renewed request is recorded too");
      for (const entity of ["VerifierAddition", "DatasetBinding", "RoundOpening", "RoundClosure"]) assert.equal(store.all(entity).length, 1, entity);
    });
  });

  describe("when a mapping breaks the schema", () => {
    it("fails the block with the mapping's error and stores nothing of it", async () => {
      const p = await networkHelpers.loadFixture(withDataset);
      const store = await indexChain(client, contractsOf(p));
      const head = store.head()!;
      // BidPlaced for a job the subgraph never saw: the mapping's `Job.load(id)!` aborts.
      const event = [...mappings.events.get("JobRegistry")!.values()].find((e) => e.name === "BidPlaced")!;
      const block = await client.getBlock();
      await assert.rejects(
        store.writeBlocks([
          {
            block: { number: head.number + 1, hash: keccak256(toHex("x")), parentHash: head.hash, timestamp: head.timestamp + 1 },
            write: (view) =>
              mappings.handle(
                {
                  contract: "JobRegistry",
                  log: {
                    address: p.jobRegistry.address,
                    topics: encodeEventTopics({ abi: [event], eventName: "BidPlaced", args: { jobId: 9n, provider: zeroAddress } } as never) as [Hex, ...Hex[]],
                    data: encodeAbiParameters([{ type: "uint256" }], [1n]),
                    blockHash: block.hash,
                    blockNumber: block.number,
                    logIndex: 0,
                    transactionHash: keccak256(toHex("tx")),
                    transactionIndex: 0,
                    removed: false,
                  },
                  block: { ...block, transactions: [] } as never,
                },
                view,
              ),
          },
        ]),
        (error: Error & { code?: string }) => error.code === "MAPPING_FAILED",
      );
      assert.equal(store.head()!.number, head.number);
      assert.equal(store.all("Bid").length, 0);
    });
  });
});

/** The 1 + 1 dataset the standalone registry stores (it has no listener, so no verifier version is bound). */
const REPORTER_REGISTRATION = {
  manifestDigest: keccak256(stringToHex("manifest")),
  datasetRoot: fieldRoot("dataset root"),
  columnRoots: [fieldRoot("column 0"), fieldRoot("column 1")],
  k: 1,
  n: 2,
  shardSize: 1024,
  stripeCount: 1,
  byteLength: 1000n,
  payment: parseEther("10"),
  term: 3600,
  verifierVersion: 0,
};

/** A standalone registry whose FAULT_REPORTER_ROLE is held by the deployer (StorageProofs' future role). */
async function withReporter() {
  const p = await deployProtocol();
  const admin = p.deployer.account.address;
  const stakeManager = await viem.deployContract("StakeManager", [p.token.address, admin, 1n, 0, admin]);
  const { subscriptionId, keyHash, callbackGasLimit, requestConfirmations } = await p.committee.read.config();
  const registry = await viem.deployContract("DatasetRegistry", [
    p.vrfCoordinator.address,
    p.governance.address,
    stakeManager.address,
    1n,
    1n,
    { placementTimeout: 3600, acceptancePeriod: 3600, reassignCooldown: 600 },
    { keyHash, subscriptionId, callbackGasLimit, requestConfirmations },
    admin,
  ]);
  await stakeManager.write.grantRole([keccak256(stringToHex("MODULE_ROLE")), registry.address]);
  await registry.write.grantRole([keccak256(stringToHex("FAULT_REPORTER_ROLE")), admin]);
  await p.vrfCoordinator.write.addConsumer([subscriptionId, registry.address]);
  for (const wallet of p.storageProviders.slice(0, 4)) {
    await p.token.write.approve([stakeManager.address, maxUint256], { account: wallet.account });
    await stakeManager.write.stake([1n], { account: wallet.account });
    await registry.write.join([`/ip4/127.0.0.1/tcp/4001/p2p/${wallet.account.address}`], { account: wallet.account });
  }
  await p.token.write.approve([registry.address, maxUint256], { account: p.consumer.account });
  await registry.write.register([REPORTER_REGISTRATION], { account: p.consumer.account });
  const [requested] = await registry.getEvents.PlacementRequested({}, { fromBlock: 0n });
  await p.vrfCoordinator.write.fulfillRandomWords([requested!.args.requestId!, registry.address]);
  await registry.write.applyPlacement([1n, 2n]);
  return { ...p, registry };
}
