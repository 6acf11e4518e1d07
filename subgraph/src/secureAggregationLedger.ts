import { OwnerCommitted, SecAggPosted, SecAggRecovered } from "../generated/SecureAggregationLedger/SecureAggregationLedger";
import { OwnerCommitment, SecAggPost, SecAggRecovery } from "../generated/schema";
import { eventId, pairId, stamped } from "./history";

/** ISecureAggregationLedger.Stage by its number. */
const STAGES = ["Keys", "Shares", "Complaints", "Unmask"];

export function handleSecAggPosted(event: SecAggPosted): void {
  let post = stamped(new SecAggPost(eventId(event)), event);
  post.job = event.params.jobId.toString();
  post.round = pairId(event.params.jobId, event.params.round);
  post.slot = pairId(event.params.jobId, event.params.slot);
  post.stage = STAGES[event.params.stage];
  post.digest = event.params.digest;
  post.message = event.params.message;
  post.save();
}

export function handleSecAggRecovered(event: SecAggRecovered): void {
  let recovery = stamped(new SecAggRecovery(eventId(event)), event);
  recovery.job = event.params.jobId.toString();
  recovery.round = pairId(event.params.jobId, event.params.round);
  recovery.owner = pairId(event.params.jobId, event.params.owner);
  recovery.slot = pairId(event.params.jobId, event.params.slot);
  recovery.digest = event.params.digest;
  recovery.message = event.params.message;
  recovery.save();
}

export function handleOwnerCommitted(event: OwnerCommitted): void {
  let commitment = stamped(new OwnerCommitment(eventId(event)), event);
  commitment.job = event.params.jobId.toString();
  commitment.round = pairId(event.params.jobId, event.params.round);
  commitment.slot = pairId(event.params.jobId, event.params.slot);
  commitment.dataRoot = event.params.dataRoot;
  commitment.noiseSeedCommitment = event.params.noiseSeedCommitment;
  commitment.save();
}
