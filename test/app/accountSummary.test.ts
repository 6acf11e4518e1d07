import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AuditEntry } from "../../keepers/src/audit/auditTrail.ts";
import { accountSummary } from "../../app/src/audit/accountSummary.ts";
import { eventLabel } from "../../app/src/audit/eventLabel.ts";

const entry = (blockNumber: number, event: string, fields: Record<string, unknown> = {}): AuditEntry => ({ blockNumber, blockTimestamp: 1000 + blockNumber, transactionHash: `0x${blockNumber}`, event, fields });

describe("accountSummary", () => {
  const history = [
    entry(1, "StakeDeposit", { amount: "100" }),
    entry(2, "ProviderJoin", { stake: "50", endpoint: "/ip4/127.0.0.1/tcp/1/p2p/x" }),
    entry(3, "Proof", { dataset: "1", round: "1", column: 0, outcome: "Accepted" }),
    entry(4, "Proof", { dataset: "1", round: "2", column: 0, outcome: "Missed" }),
    entry(5, "ColumnFault", { dataset: "1", column: 0, slashed: "5" }),
    entry(5, "Slash", { amount: "5", toBeneficiary: "2", toTreasury: "3" }),
    entry(6, "Bid", { job: "1", price: "40" }),
    entry(7, "JobFinalization", { job: "1", payment: "40" }),
    entry(8, "JobFinalization", { job: "2", payment: "2" }),
    entry(9, "Challenge", { job: "3", dispute: "1", bond: "10" }),
    entry(10, "ValidatorJoin", { stake: "20" }),
  ];
  it("sorts the history into the page's sections", () => {
    const summary = accountSummary(history);
    assert.deepEqual(summary.stake.map((e) => e.event), ["StakeDeposit", "Slash"]);
    assert.deepEqual(summary.slashes.map((e) => e.event), ["ColumnFault", "Slash"]);
    assert.deepEqual(summary.bids.map((e) => e.blockNumber), [6]);
    assert.deepEqual(summary.disputes.map((e) => e.blockNumber), [9]);
    assert.deepEqual(summary.storage.map((e) => e.event), ["ProviderJoin"]);
    assert.deepEqual(summary.validator.map((e) => e.event), ["ValidatorJoin"]);
  });
  it("tallies proofs, payments and slashes", () => {
    const { proofs, totals } = accountSummary(history);
    assert.deepEqual({ accepted: proofs.accepted, missed: proofs.missed, rejected: proofs.rejected }, { accepted: 1, missed: 1, rejected: 0 });
    assert.deepEqual(totals, { paid: 42n, slashed: 5n });
  });
  it("is empty for an account without history", () => {
    const summary = accountSummary([]);
    assert.equal(summary.stake.length + summary.bids.length + summary.proofs.entries.length, 0);
    assert.deepEqual(summary.totals, { paid: 0n, slashed: 0n });
  });
  it("names events for readers", () => {
    assert.equal(eventLabel("AuctionSettlement"), "Auction settled");
    assert.equal(eventLabel("SomethingNew"), "SomethingNew");
  });
});
