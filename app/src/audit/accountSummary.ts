import type { AuditEntry } from "../../../keepers/src/audit/auditTrail.ts";

/** An account's history in the sections of its audit page, plus its tallies. */
export type AccountSummary = {
  /** StakeManager movements: deposits, locks, unlocks, slashes, unbonding, withdrawals. */
  stake: AuditEntry[];
  bids: AuditEntry[];
  /** Storage proofs and how they went. */
  proofs: { entries: AuditEntry[]; accepted: number; rejected: number; missed: number };
  /** Slashes, with the faults and expiries that caused them. */
  slashes: AuditEntry[];
  /** Job payments received (`JobFinalization`). */
  payouts: AuditEntry[];
  /** Challenges this account raised. */
  disputes: AuditEntry[];
  /** Storage-provider membership and the columns drawn for and accepted by it. */
  storage: AuditEntry[];
  validator: AuditEntry[];
  /** Sum of `payouts`' payments and of `Slash` amounts, in wei. */
  totals: { paid: bigint; slashed: bigint };
};

const SECTIONS = {
  stake: ["StakeDeposit", "StakeLock", "StakeUnlock", "Slash", "UnbondingStart", "Withdrawal"],
  bids: ["Bid"],
  slashes: ["Slash", "ColumnFault", "ExecutionExpiry"],
  payouts: ["JobFinalization"],
  disputes: ["Challenge"],
  storage: ["ProviderJoin", "ProviderExit", "ProviderRelease", "Placement", "ColumnAcceptance"],
  validator: ["ValidatorJoin", "ValidatorExit", "ValidatorRelease"],
} as const;

const amount = (entry: AuditEntry, field: string) => BigInt(String(entry.fields[field] ?? 0));

/**
 * Splits an account's audit history (`auditTrailFrom` of a provider subject) into the sections
 * of its audit page, oldest first, and tallies its proofs, payments and slashes.
 *
 * @example
 * const { proofs, totals } = accountSummary(trail.history);
 */
export function accountSummary(history: readonly AuditEntry[]): AccountSummary {
  const of = (events: readonly string[]) => history.filter((entry) => events.includes(entry.event));
  const proofs = of(["Proof"]);
  const outcomes = (outcome: string) => proofs.filter((entry) => entry.fields.outcome === outcome).length;
  const payouts = of(SECTIONS.payouts);
  return {
    stake: of(SECTIONS.stake),
    bids: of(SECTIONS.bids),
    proofs: { entries: proofs, accepted: outcomes("Accepted"), rejected: outcomes("Rejected"), missed: outcomes("Missed") },
    slashes: of(SECTIONS.slashes),
    payouts,
    disputes: of(SECTIONS.disputes),
    storage: of(SECTIONS.storage),
    validator: of(SECTIONS.validator),
    totals: {
      paid: payouts.reduce((sum, entry) => sum + amount(entry, "payment"), 0n),
      slashed: of(["Slash"]).reduce((sum, entry) => sum + amount(entry, "amount"), 0n),
    },
  };
}
