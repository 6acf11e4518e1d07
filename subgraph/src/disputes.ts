import { BigInt } from "@graphprotocol/graph-ts";
import {
  AggregateUpheld,
  BondForfeited,
  CheckpointChunkPublished,
  DisputeDecidedByGame,
  DisputeDecidedByReferee,
  DisputeDismissed,
  DisputeExpired,
  DisputeGameStarted,
  DisputeNoCommittee,
  DisputeOpened,
  DisputeSettled,
  ResultPublished,
  ResultWithheld,
  RoundDisputeOpened,
  TracePublished,
  UpdateChunkPublished,
  UpdatePublished,
} from "../generated/Disputes/Disputes";
import { Challenge, Dismissal, Dispute, DisputeExpiry, GameDecision, GameStart, Job, NoCommitteeExpiry, ResultPublication, ResultWithholding, RoundChallenge, UpdatePublication, Verdict } from "../generated/schema";
import { eventId, pairId, stamped } from "./history";

function loadDispute(disputeId: BigInt): Dispute {
  return Dispute.load(disputeId.toString())!;
}

export function handleDisputeOpened(event: DisputeOpened): void {
  let dispute = new Dispute(event.params.disputeId.toString());
  dispute.registry = "Jobs";
  dispute.job = event.params.jobId.toString();
  dispute.challenger = event.params.challenger;
  dispute.checkpointIndex = event.params.checkpointIndex;
  dispute.claimedHash = event.params.claimedHash;
  dispute.bond = event.params.bond;
  dispute.verdictDeadline = event.params.verdictDeadline;
  dispute.status = "Open";
  dispute.save();
  let challenge = stamped(new Challenge(eventId(event)), event);
  challenge.dispute = dispute.id;
  challenge.job = dispute.job!;
  challenge.challenger = event.params.challenger;
  challenge.checkpointIndex = event.params.checkpointIndex;
  challenge.claimedHash = event.params.claimedHash;
  challenge.bond = event.params.bond;
  challenge.verdictDeadline = event.params.verdictDeadline;
  challenge.save();
}

export function handleRoundDisputeOpened(event: RoundDisputeOpened): void {
  let dispute = new Dispute(event.params.disputeId.toString());
  dispute.registry = "RoundJobs";
  dispute.roundJob = event.params.jobId.toString();
  dispute.round = pairId(event.params.jobId, event.params.round);
  dispute.slot = event.params.slot.toI32();
  dispute.challenger = event.params.challenger;
  // As Disputes stores it, so getDispute and the subgraph agree.
  dispute.checkpointIndex = BigInt.fromI32((event.params.round.toI32() << 8) | event.params.slot.toI32());
  dispute.claimedHash = event.params.claimedHash;
  dispute.bond = event.params.bond;
  dispute.verdictDeadline = event.params.verdictDeadline;
  dispute.status = "Open";
  dispute.save();
  let challenge = stamped(new RoundChallenge(eventId(event)), event);
  challenge.dispute = dispute.id;
  challenge.job = dispute.roundJob!;
  challenge.round = dispute.round!;
  challenge.slot = dispute.slot;
  challenge.challenger = event.params.challenger;
  challenge.claimedHash = event.params.claimedHash;
  challenge.bond = event.params.bond;
  challenge.verdictDeadline = event.params.verdictDeadline;
  challenge.save();
}

export function handleDisputeSettled(event: DisputeSettled): void {
  let dispute = loadDispute(event.params.disputeId);
  dispute.status = event.params.providerWrong ? "ProviderWrong" : "ChallengerWrong";
  dispute.providerWrong = event.params.providerWrong;
  dispute.bondRecipient = event.params.bondRecipient;
  dispute.signerBitmap = event.params.signerBitmap;
  dispute.save();
  let verdict = stamped(new Verdict(eventId(event)), event);
  verdict.dispute = dispute.id;
  verdict.providerWrong = event.params.providerWrong;
  verdict.bondRecipient = event.params.bondRecipient;
  verdict.signerBitmap = event.params.signerBitmap;
  verdict.save();
}

export function handleDisputeExpired(event: DisputeExpired): void {
  let dispute = loadDispute(event.params.disputeId);
  dispute.status = "Expired";
  dispute.save();
  let expiry = stamped(new DisputeExpiry(eventId(event)), event);
  expiry.dispute = dispute.id;
  expiry.save();
}

export function handleDisputeNoCommittee(event: DisputeNoCommittee): void {
  let dispute = loadDispute(event.params.disputeId);
  dispute.status = "NoCommittee";
  dispute.save();
  let expiry = stamped(new NoCommitteeExpiry(eventId(event)), event);
  expiry.dispute = dispute.id;
  expiry.save();
}

export function handleDisputeGameStarted(event: DisputeGameStarted): void {
  let dispute = loadDispute(event.params.disputeId);
  dispute.status = "InGame";
  dispute.gameId = event.params.gameId;
  dispute.game = event.params.gameId.toString();
  dispute.save();
  let start = stamped(new GameStart(eventId(event)), event);
  start.dispute = dispute.id;
  start.gameId = event.params.gameId;
  start.checkpointIndex = event.params.checkpoint;
  start.forced = event.params.forced;
  start.save();
}

export function handleDisputeDecidedByGame(event: DisputeDecidedByGame): void {
  let dispute = loadDispute(event.params.disputeId);
  dispute.status = event.params.providerWrong ? "ProviderWrong" : "ChallengerWrong";
  dispute.providerWrong = event.params.providerWrong;
  dispute.bondRecipient = event.params.bondRecipient;
  dispute.save();
  let decision = stamped(new GameDecision(eventId(event)), event);
  decision.dispute = dispute.id;
  decision.gameId = event.params.gameId;
  decision.providerWrong = event.params.providerWrong;
  decision.bondRecipient = event.params.bondRecipient;
  decision.save();
}

export function handleDisputeDismissed(event: DisputeDismissed): void {
  let dispute = loadDispute(event.params.disputeId);
  dispute.status = "ChallengerWrong";
  dispute.providerWrong = false;
  // Only a single-provider job's provider can force a game, and the bond went to it.
  dispute.bondRecipient = Job.load(dispute.job!)!.provider;
  dispute.save();
  let dismissal = stamped(new Dismissal(eventId(event)), event);
  dismissal.dispute = dispute.id;
  dismissal.checkpointIndex = event.params.checkpoint;
  dismissal.save();
}

export function handleTracePublished(event: TracePublished): void {
  let dispute = loadDispute(event.params.disputeId);
  dispute.tracePublished = event.params.from.toI32() + event.params.hashes.length;
  dispute.save();
}

export function handleCheckpointChunkPublished(event: CheckpointChunkPublished): void {
  let dispute = loadDispute(event.params.disputeId);
  dispute.chunksPublished = dispute.chunksPublished + 1; // 0 while unset
  dispute.save();
}

export function handleResultPublished(event: ResultPublished): void {
  let dispute = loadDispute(event.params.disputeId);
  dispute.status = "ChallengerWrong";
  dispute.providerWrong = false;
  dispute.bondRecipient = event.params.bondRecipient;
  dispute.save();
  let publication = stamped(new ResultPublication(eventId(event)), event);
  publication.dispute = dispute.id;
  publication.job = event.params.jobId.toString();
  publication.save();
}

export function handleResultWithheld(event: ResultWithheld): void {
  let dispute = loadDispute(event.params.disputeId);
  dispute.status = "ProviderWrong";
  dispute.providerWrong = true;
  dispute.bondRecipient = dispute.challenger;
  dispute.save();
  let withholding = stamped(new ResultWithholding(eventId(event)), event);
  withholding.dispute = dispute.id;
  withholding.save();
}

export function handleUpdateChunkPublished(event: UpdateChunkPublished): void {
  let dispute = loadDispute(event.params.disputeId);
  dispute.chunksPublished = dispute.chunksPublished + 1; // 0 while unset
  dispute.save();
}

export function handleUpdatePublished(event: UpdatePublished): void {
  let dispute = loadDispute(event.params.disputeId);
  dispute.status = "ChallengerWrong";
  dispute.providerWrong = false;
  dispute.bondRecipient = event.params.bondRecipient;
  dispute.save();
  let publication = stamped(new UpdatePublication(eventId(event)), event);
  publication.dispute = dispute.id;
  publication.roundJob = event.params.jobId.toString();
  publication.round = pairId(event.params.jobId, event.params.round);
  publication.slot = event.params.slot.toI32();
  publication.save();
}

export function handleDisputeDecidedByReferee(event: DisputeDecidedByReferee): void {
  let dispute = loadDispute(event.params.disputeId);
  dispute.status = "ProviderWrong";
  dispute.providerWrong = true;
  dispute.bondRecipient = event.params.bondRecipient;
  dispute.save();
}

export function handleAggregateUpheld(event: AggregateUpheld): void {
  let dispute = loadDispute(event.params.disputeId);
  dispute.status = "ChallengerWrong";
  dispute.providerWrong = false;
  dispute.bondRecipient = event.params.bondRecipient;
  dispute.save();
}

/** A lost bond: the accused's part went to bondRecipient (set by the event that ended the dispute), the rest here. */
export function handleBondForfeited(event: BondForfeited): void {
  let dispute = loadDispute(event.params.disputeId);
  dispute.bondToTreasury = event.params.toTreasury;
  dispute.save();
}
