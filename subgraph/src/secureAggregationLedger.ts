import { BigInt } from "@graphprotocol/graph-ts";
import { NoiseSeedOpened, OpeningKeySet, OwnerCommitted, SecAggPosted, SecAggRecovered } from "../generated/SecureAggregationLedger/SecureAggregationLedger";
import { NoiseSeedOpening, OpeningKey, OwnerCommitment, SecAggPost, SecAggRecovery } from "../generated/schema";
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

export function handleNoiseSeedOpened(event: NoiseSeedOpened): void {
  let opening = stamped(new NoiseSeedOpening(eventId(event)), event);
  opening.job = event.params.jobId.toString();
  opening.round = pairId(event.params.jobId, BigInt.fromI32(event.params.round));
  opening.slot = pairId(event.params.jobId, BigInt.fromI32(event.params.slot));
  opening.digest = event.params.digest;
  opening.envelopes = event.params.envelopes;
  opening.save();
}

export function handleOpeningKeySet(event: OpeningKeySet): void {
  // The new key replaces the whole entity: nothing of the old one is kept.
  let key = new OpeningKey(event.params.account);
  key.account = event.params.account;
  key.key = event.params.key;
  key.updatedAt = event.block.timestamp;
  key.updatedAtBlock = event.block.number;
  key.save();
}
