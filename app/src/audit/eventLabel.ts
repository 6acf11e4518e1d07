/** Readable names of the subgraph's history entities, as the audit views list them. */
const LABELS: Record<string, string> = {
  JobPost: "Job posted",
  Bid: "Bid",
  AuctionSettlement: "Auction settled",
  JobCancellation: "Job cancelled, reward refunded",
  Result: "Result submitted",
  ExecutionExpiry: "Execution expired, provider slashed",
  Challenge: "Challenged",
  JobDispute: "Job disputed",
  CommitteeRequest: "Committee requested",
  CommitteeRequestFailure: "Committee request refused",
  UnfinishedCommitteeDraw: "Committee draw left to continueDraw",
  CommitteeDrawContinuation: "Committee draw continued",
  CommitteeDraw: "Committee drawn",
  Verdict: "Verdict",
  DisputeExpiry: "Dispute expired",
  NoCommitteeExpiry: "Dispute expired without a committee",
  JobResumption: "Job resumed",
  JobFailure: "Job failed, consumer refunded",
  JobFinalization: "Job finalized: provider paid, remainder refunded",
  StakeDeposit: "Staked",
  StakeLock: "Stake locked",
  StakeUnlock: "Stake unlocked",
  Slash: "Slashed",
  UnbondingStart: "Unbonding started",
  Withdrawal: "Withdrawn",
  ProviderJoin: "Joined the storage providers",
  ProviderExit: "Left the storage providers",
  ProviderRelease: "Storage stake released",
  Placement: "Column drawn",
  ColumnAcceptance: "Column accepted",
  ColumnFault: "Column fault, holder slashed",
  Proof: "Storage proof",
  ValidatorJoin: "Joined the validators",
  ValidatorExit: "Left the validators",
  ValidatorRelease: "Validator stake released",
};

/**
 * A history entry's event as a reader names it, e.g. `AuctionSettlement` → "Auction settled";
 * an unknown entity's own name.
 *
 * @example
 * eventLabel("JobFinalization"); // "Job finalized: provider paid, remainder refunded"
 */
export function eventLabel(event: string): string {
  return LABELS[event] ?? event;
}
