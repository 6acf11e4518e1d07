import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rawDigestCid } from "../../keepers/src/content/rawDigestCid.ts";
import { disputeSubject, refereeEvidence, roundDecider, roundVerdict } from "../../app/src/rounds/roundDispute.ts";
import { ledgerRows } from "../../app/src/rounds/ledgerRows.ts";
import type { ContributionData, NoiseSeedOpeningData, OwnerCommitmentData, RoundDisputeData, RoundSlotData, SecAggPostData, SecAggRecoveryData, TrainingRoundData } from "../../app/src/rounds/roundJobQuery.ts";
import { phaseDeadline, roundProgress } from "../../app/src/rounds/roundProgress.ts";
import { roundRows } from "../../app/src/rounds/roundRows.ts";
import { rawBlockUrl } from "../../app/src/ui/rawBlockUrl.ts";

const digest = (byte: string) => `0x${byte.repeat(32)}` as const;

const slot = (number: number, dropped?: { round: number; reason: "MissedDeadline" | "FoundWrong" }): RoundSlotData => ({
  number,
  provider: `0x${String(number + 1).repeat(40)}`,
  price: "1000",
  roundsEarned: 0,
  active: dropped === undefined,
  droppedReason: dropped?.reason ?? null,
  droppedRound: dropped === undefined ? null : { number: dropped.round },
  slashed: "0",
  paid: null,
});

const round = (number: number, fields: Partial<TrainingRoundData> = {}): TrainingRoundData => ({
  number,
  startedAt: String(1000 + 100 * number),
  trainingDeadline: String(1050 + 100 * number),
  closed: true,
  aggregationDeadline: null,
  aggregateDigest: null,
  aggregator: null,
  includedSlots: null,
  challengeDeadline: null,
  completed: false,
  earnedSlots: null,
  voidedAggregates: 0,
  ...fields,
});

const contribution = (roundNumber: number, slotNumber: number, byte: string): ContributionData => ({
  id: `0x${roundNumber}${slotNumber}`,
  blockNumber: String(10 * roundNumber + slotNumber),
  blockTimestamp: String(1010 + 100 * roundNumber + slotNumber),
  transactionHash: `0x${byte.repeat(32)}`,
  round: { number: roundNumber },
  slot: { number: slotNumber },
  provider: `0x${String(slotNumber + 1).repeat(40)}`,
  digest: digest(byte),
});

const dispute = (roundNumber: number, slotNumber: number): RoundDisputeData => ({
  id: String(roundNumber + 1),
  challenger: `0x${"c".repeat(40)}`,
  checkpointIndex: String((roundNumber << 8) | slotNumber),
  claimedHash: digest("e"),
  bond: "10",
  verdictDeadline: "5000",
  status: "ProviderWrong",
  committeeRequestFailed: false,
  committee: [],
  providerWrong: true,
  bondRecipient: `0x${"c".repeat(40)}`,
  bondToTreasury: null,
  round: { number: roundNumber },
  slot: slotNumber,
  evidenceCoordinate: null,
  wordsProven: null,
  refutations: [],
});

describe("round job views", () => {
  describe("roundRows", () => {
    it("orders the rounds, reads their slot bitmaps and gives each slot its committed update", () => {
      const rows = roundRows({
        slots: [slot(1), slot(0)],
        rounds: [round(1, { closed: false }), round(0, { aggregateDigest: digest("a"), includedSlots: 3, completed: true, earnedSlots: 2 })],
        contributions: [contribution(0, 1, "b"), contribution(0, 0, "c"), contribution(1, 0, "d")],
        disputes: [],
        ended: false,
      });
      assert.deepEqual(rows.map((r) => [r.number, r.includedSlots, r.earnedSlots]), [[0, [0, 1], [1]], [1, [], []]]);
      assert.deepEqual(rows[0]!.contributions, [
        { slot: 0, state: "committed", digest: digest("c"), at: 1010, transactionHash: digest("c"), foundWrong: false },
        { slot: 1, state: "committed", digest: digest("b"), at: 1011, transactionHash: digest("b"), foundWrong: false },
      ]);
      assert.deepEqual(rows[1]!.contributions.map((c) => c.state), ["committed", "due"], "round 1's training is still open: slot 1's update is due");
    });

    it("says missing once training closed or the job ended, and nothing for a slot dropped earlier", () => {
      const slots = [slot(0), slot(1, { round: 0, reason: "MissedDeadline" }), slot(2)];
      const rows = roundRows({ slots, rounds: [round(0), round(1, { closed: false })], contributions: [contribution(0, 0, "a"), contribution(0, 2, "b"), contribution(1, 0, "c")], disputes: [], ended: false });
      assert.deepEqual(rows.map((r) => r.contributions.map((c) => c.state)), [["committed", "missing", "committed"], ["committed", "gone", "due"]]);
      const failed = roundRows({ slots, rounds: [round(0), round(1, { closed: false })], contributions: [contribution(0, 0, "a"), contribution(0, 2, "b")], disputes: [], ended: true });
      assert.deepEqual(failed[1]!.contributions.map((c) => c.state), ["missing", "gone", "missing"], "the job failed with round 1 open: its updates will never come");
    });

    it("marks the update a dispute found wrong, in its round only, and files each dispute under its round", () => {
      const rows = roundRows({
        slots: [slot(0), slot(1, { round: 1, reason: "FoundWrong" })],
        rounds: [round(0), round(1)],
        contributions: [contribution(0, 0, "a"), contribution(0, 1, "b"), contribution(1, 0, "c"), contribution(1, 1, "d")],
        disputes: [dispute(1, 1), dispute(1, 255)],
        ended: false,
      });
      assert.deepEqual(rows.map((r) => r.contributions.map((c) => c.state === "committed" && c.foundWrong)), [[false, false], [false, true]]);
      assert.deepEqual(rows.map((r) => r.disputes.map((d) => d.slot)), [[], [1, 255]]);
    });
  });

  describe("ledgerRows", () => {
    const logged = (n: number) => ({ id: `0x${n}`, blockNumber: String(n), blockTimestamp: String(2000 + n), transactionHash: digest("f") });
    const post = (n: number, roundNumber: number, slotNumber: number, stage: SecAggPostData["stage"], message: `0x${string}`): SecAggPostData => ({
      ...logged(n), round: { number: roundNumber }, slot: { number: slotNumber }, stage, digest: digest(String(n)), message,
    });
    const owner = (n: number, roundNumber: number, slotNumber: number): OwnerCommitmentData => ({
      ...logged(n), round: { number: roundNumber }, slot: { number: slotNumber }, dataRoot: digest("d"), noiseSeedCommitment: digest(String(n)),
    });

    const recovery = (n: number, roundNumber: number, ownerNumber: number, slotNumber: number): SecAggRecoveryData => ({
      ...logged(n), round: { number: roundNumber }, owner: { number: ownerNumber }, slot: { number: slotNumber }, digest: digest(String(n)), message: "0xaabb",
    });
    const opening = (n: number, roundNumber: number, slotNumber: number, envelopes: `0x${string}`): NoiseSeedOpeningData => ({
      ...logged(n), round: { number: roundNumber }, slot: { number: slotNumber }, digest: digest(String(n)), envelopes,
    });

    it("gathers each slot's owner commitments, posts, recovery shares and noise-seed openings by round and slot, with each message's size", () => {
      const rows = ledgerRows({
        posts: [post(3, 0, 1, "Keys", "0xaabbcc"), post(4, 0, 0, "Keys", "0x00"), post(5, 0, 1, "Shares", "0x"), post(10, 0, 1, "Complaints", "0x0a0b0c0d"), post(7, 1, 0, "Unmask", "0x0102")],
        recoveries: [recovery(9, 1, 3, 0), recovery(8, 1, 2, 0)],
        commitments: [owner(1, 0, 1), owner(2, 0, 0), owner(6, 1, 0), owner(11, 2, 1)],
        // Slot 1's round-2 update in the clear, disputed twice: an opening for each dispute, in the chain's order.
        openings: [opening(12, 2, 1, "0x0102030405"), opening(13, 2, 1, "0x01")],
      });
      assert.deepEqual(rows.map((r) => [r.round, r.slot]), [[0, 0], [0, 1], [1, 0], [2, 1]]);
      assert.deepEqual(rows[0], { round: 0, slot: 0, owner: { dataRoot: digest("d"), noiseSeedCommitment: digest("2") }, keys: { digest: digest("4"), bytes: 1 }, shares: undefined, complaints: undefined, unmask: undefined, recoveries: [], openings: [] });
      assert.deepEqual(rows[1], {
        round: 0, slot: 1, owner: { dataRoot: digest("d"), noiseSeedCommitment: digest("1") }, keys: { digest: digest("3"), bytes: 3 }, shares: { digest: digest("5"), bytes: 0 },
        complaints: { digest: digest("10"), bytes: 4 }, unmask: undefined, recoveries: [], openings: [],
      });
      assert.deepEqual(rows[2], {
        round: 1, slot: 0, owner: { dataRoot: digest("d"), noiseSeedCommitment: digest("6") }, keys: undefined, shares: undefined, complaints: undefined, unmask: { digest: digest("7"), bytes: 2 },
        recoveries: [{ owner: 2, digest: digest("8"), bytes: 2 }, { owner: 3, digest: digest("9"), bytes: 2 }], openings: [],
      });
      assert.deepEqual(rows[3], {
        round: 2, slot: 1, owner: { dataRoot: digest("d"), noiseSeedCommitment: digest("11") }, keys: undefined, shares: undefined, complaints: undefined, unmask: undefined,
        recoveries: [], openings: [{ digest: digest("12"), bytes: 5 }, { digest: digest("13"), bytes: 1 }],
      });
    });

    it("puts each stage's post in its own column, Complaints between Shares and Unmask", () => {
      const stages: SecAggPostData["stage"][] = ["Unmask", "Complaints", "Shares", "Keys"];
      const [row] = ledgerRows({ posts: stages.map((stage, i) => post(i + 1, 2, 5, stage, `0x${"ab".repeat(i + 1)}`)), recoveries: [], commitments: [], openings: [] });
      assert.deepEqual(row, {
        round: 2, slot: 5, owner: undefined, keys: { digest: digest("4"), bytes: 4 }, shares: { digest: digest("3"), bytes: 3 },
        complaints: { digest: digest("2"), bytes: 2 }, unmask: { digest: digest("1"), bytes: 1 }, recoveries: [], openings: [],
      });
      assert.deepEqual(Object.keys(row!).filter((key) => ["keys", "shares", "complaints", "unmask"].includes(key)), ["keys", "shares", "complaints", "unmask"]);
    });

    it("is empty for a job with none: a plain round job shows no ledger", () => {
      assert.deepEqual(ledgerRows({ posts: [], recoveries: [], commitments: [], openings: [] }), []);
    });
  });

  describe("roundProgress", () => {
    it("names the round under way, counting from 0 as the chain does", () => {
      assert.equal(roundProgress({ status: "Seeding", currentRound: 0, roundCount: 2 }), "not started");
      assert.equal(roundProgress({ status: "Training", currentRound: 0, roundCount: 2 }), "round 0 (0 of 2 done)");
      assert.equal(roundProgress({ status: "Aggregated", currentRound: 1, roundCount: 3 }), "round 1 (1 of 3 done)");
    });
    it("counts the rounds done at the end, and none before the auction settled", () => {
      assert.equal(roundProgress({ status: "Finalized", currentRound: 2, roundCount: 2 }), "2 of 2 done");
      assert.equal(roundProgress({ status: "Failed", currentRound: 1, roundCount: 3 }), "1 of 3 done");
      assert.equal(roundProgress({ status: "Bidding", currentRound: 0, roundCount: 3 }), "not started");
      assert.equal(roundProgress({ status: "Cancelled", currentRound: 0, roundCount: 3 }), "never started");
    });
  });

  describe("phaseDeadline", () => {
    it("says what the job's deadline ends in each waiting status, and nothing otherwise", () => {
      assert.deepEqual(
        (["Bidding", "Training", "Aggregating", "Aggregated", "Disputed", "Finalized", "Cancelled", "Failed"] as const).map(phaseDeadline),
        ["Bidding closes", "Updates due", "Aggregate due", "Challenge window closes", undefined, undefined, undefined, undefined],
      );
    });
  });

  describe("round disputes", () => {
    it("names a slot's update or, for slot 255, the round's aggregate", () => {
      assert.equal(disputeSubject(3), "slot 3's update");
      assert.equal(disputeSubject(255), "the aggregate");
    });
    it("says what each verdict did", () => {
      assert.match(roundVerdict({ slot: 1, providerWrong: true }), /^slot 1's update was wrong: the slot was slashed and dropped/);
      assert.match(roundVerdict({ slot: 255, providerWrong: true }), /^the aggregate was wrong: its aggregator was slashed/);
      assert.equal(roundVerdict({ slot: 255, providerWrong: false }), "the challenger was wrong: the aggregate stands");
    });
    it("says what decides a dispute without a committee: an availability dispute, or the referee for a refereed job's aggregate", () => {
      const claimed = `0x${"ab".repeat(32)}`;
      const none = `0x${"00".repeat(32)}`;
      assert.equal(roundDecider({ slot: 2, claimedHash: none, refereed: false }), "none: an availability dispute, the slot publishes the blob on-chain by the deadline or loses");
      assert.match(roundDecider({ slot: 255, claimedHash: none, refereed: true })!, /^none: an availability dispute, the aggregator publishes/);
      assert.match(roundDecider({ slot: 255, claimedHash: claimed, refereed: true })!, /^none: the aggregate referee recomputes one coordinate on-chain/);
      // A committee decides a slot's update, and the aggregate of a job that commits no program.
      assert.equal(roundDecider({ slot: 2, claimedHash: claimed, refereed: true }), undefined);
      assert.equal(roundDecider({ slot: 255, claimedHash: claimed, refereed: false }), undefined);
    });
    it("tells the referee's evidence, then its refutation: a coordinate's posted and computed words, a non-finite one, or the header", () => {
      assert.equal(refereeEvidence({ evidenceCoordinate: null, wordsProven: null, refutations: [] }), undefined);
      assert.equal(refereeEvidence({ evidenceCoordinate: "5000", wordsProven: 3, refutations: [] }), "3 words proven for coordinate 5000, not yet decided");
      const pair = (parameter: number, momentum: number) => ((BigInt(parameter) << 32n) | BigInt(momentum)).toString();
      assert.equal(
        refereeEvidence({ evidenceCoordinate: "5000", wordsProven: 8, refutations: [{ coordinate: "5000", posted: pair(0x3f000001, 0x80000000), computed: pair(0x3f000000, 0x80000000) }] }),
        "refuted at coordinate 5000: posted parameter 0.5000000596046448 (0x3f000001), momentum -0 (0x80000000); the referee computes parameter 0.5 (0x3f000000), momentum -0 (0x80000000)",
      );
      // μ = 0: no momentum half on either side.
      assert.equal(
        refereeEvidence({ evidenceCoordinate: "7", wordsProven: 6, refutations: [{ coordinate: "7", posted: pair(0x7fc00000, 0), computed: pair(0x40000000, 0) }] }),
        "refuted at coordinate 7: posted parameter NaN (0x7fc00000); the referee computes parameter 2 (0x40000000)",
      );
      assert.match(refereeEvidence({ evidenceCoordinate: "7", wordsProven: 6, refutations: [{ coordinate: "7", posted: pair(0x7f800000, 0), computed: pair(0x7f800000, 0) }] })!, /Infinity \(0x7f800000\) \(not finite: no global model holds NaN or ±∞\)$/);
      assert.equal(refereeEvidence({ evidenceCoordinate: null, wordsProven: null, refutations: [{ coordinate: (2n ** 32n - 1n).toString(), posted: "1", computed: "2" }] }), "refuted from the posted global model's header or length");
    });
  });

  describe("rawBlockUrl", () => {
    it("addresses a digest's raw block on the gateway, with or without a trailing slash", () => {
      const cid = rawDigestCid(digest("ab"));
      assert.equal(rawBlockUrl("http://127.0.0.1:9601/", cid), `http://127.0.0.1:9601/ipfs/${cid}?format=raw`);
      assert.equal(rawBlockUrl("http://127.0.0.1:9601", cid.toString()), `http://127.0.0.1:9601/ipfs/${cid}?format=raw`);
      assert.match(cid.toString(), /^bafkrei/);
    });
  });
});
