import { BigInt } from "@graphprotocol/graph-ts";
import {
  AggregatePosted,
  AggregateVoided,
  AggregationReopened,
  JobSeeded,
  RoundBidEvicted,
  RoundBidPlaced,
  RoundCompleted,
  RoundDisputed,
  RoundJobCancelled,
  RoundJobFailed,
  RoundJobFinalized,
  RoundJobPosted,
  RoundResumed,
  RoundStarted,
  SeedRequested,
  SlotAssigned,
  SlotDropped,
  SlotPaid,
  TrainingClosed,
  UpdateCommitted,
} from "../generated/RoundJobRegistry/RoundJobRegistry";
import {
  AggregateVoiding,
  AggregationReopening,
  RoundAggregate,
  RoundBid,
  RoundCompletion,
  RoundContribution,
  RoundDispute,
  RoundJob,
  RoundJobCancellation,
  RoundJobFailure,
  RoundJobFinalization,
  RoundJobPost,
  RoundResumption,
  RoundSlot,
  RoundStart,
  SlotAssignment,
  SlotDrop,
  SlotPayment,
  TrainingClosure,
  TrainingRound,
} from "../generated/schema";
import { eventId, pairId, stamped } from "./history";

/** IRoundJobRegistry.DropReason, by its uint8. */
const DROP_REASONS = ["MissedDeadline", "FoundWrong"];
/** IRoundJobRegistry.MAX_SLOTS: bitmaps of slots have this many bits. */
const MAX_SLOTS = 16;

function loadJob(jobId: BigInt): RoundJob {
  return RoundJob.load(jobId.toString())!;
}

function loadSlot(jobId: BigInt, slot: BigInt): RoundSlot {
  return RoundSlot.load(pairId(jobId, slot))!;
}

function loadRound(jobId: BigInt, round: BigInt): TrainingRound {
  return TrainingRound.load(pairId(jobId, round))!;
}

export function handleRoundJobPosted(event: RoundJobPosted): void {
  let order = event.params.order;
  let job = new RoundJob(event.params.jobId.toString());
  job.consumer = event.params.consumer;
  job.dataset = order.datasetId.toString();
  job.specDigest = order.specDigest;
  job.priceLimit = order.priceLimit;
  job.minStake = order.minStake;
  job.slotCount = order.slots;
  job.roundCount = order.rounds;
  job.biddingPeriod = order.biddingPeriod;
  job.roundPeriod = order.roundPeriod;
  job.aggregationPeriod = order.aggregationPeriod;
  job.challengeWindow = order.challengeWindow;
  job.continueOnFault = order.continueOnFault;
  job.aggregation = order.aggregation;
  job.status = "Bidding";
  job.deadline = event.params.biddingDeadline;
  job.currentRound = 0;
  job.escrow = event.params.escrow;
  job.slashed = BigInt.zero();
  job.postedAt = event.block.timestamp;
  job.postedAtBlock = event.block.number;
  job.save();
  let post = stamped(new RoundJobPost(eventId(event)), event);
  post.job = job.id;
  post.consumer = event.params.consumer;
  post.escrow = event.params.escrow;
  post.biddingDeadline = event.params.biddingDeadline;
  post.save();
}

export function handleRoundBidPlaced(event: RoundBidPlaced): void {
  let bid = stamped(new RoundBid(eventId(event)), event);
  bid.job = event.params.jobId.toString();
  bid.kind = "Placed";
  bid.provider = event.params.provider;
  bid.price = event.params.price;
  bid.save();
}

export function handleRoundBidEvicted(event: RoundBidEvicted): void {
  let bid = stamped(new RoundBid(eventId(event)), event);
  bid.job = event.params.jobId.toString();
  bid.kind = "Evicted";
  bid.provider = event.params.provider;
  bid.price = event.params.price;
  bid.save();
}

export function handleRoundJobCancelled(event: RoundJobCancelled): void {
  let job = loadJob(event.params.jobId);
  job.status = "Cancelled";
  job.refund = event.params.refund;
  job.endedAt = event.block.timestamp;
  job.save();
  let cancellation = stamped(new RoundJobCancellation(eventId(event)), event);
  cancellation.job = job.id;
  cancellation.refund = event.params.refund;
  cancellation.save();
}

export function handleSlotAssigned(event: SlotAssigned): void {
  let slot = new RoundSlot(pairId(event.params.jobId, event.params.slot));
  slot.job = event.params.jobId.toString();
  slot.number = event.params.slot.toI32();
  slot.provider = event.params.provider;
  slot.price = event.params.price;
  slot.roundsEarned = 0;
  slot.active = true;
  slot.slashed = BigInt.zero();
  slot.assignedAt = event.block.timestamp;
  slot.save();
  let assignment = stamped(new SlotAssignment(eventId(event)), event);
  assignment.job = slot.job;
  assignment.slot = slot.id;
  assignment.provider = event.params.provider;
  assignment.price = event.params.price;
  assignment.save();
}

// The auction settles and requests the job's seed; round 0 starts when the seed arrives.
export function handleSeedRequested(event: SeedRequested): void {
  let job = loadJob(event.params.jobId);
  job.status = "Seeding";
  job.deadline = event.params.seedDeadline;
  job.settledAt = event.block.timestamp;
  job.save();
}

export function handleJobSeeded(event: JobSeeded): void {
  let job = loadJob(event.params.jobId);
  job.seed = event.params.seed;
  job.save();
}

// Round 0 starts in the transaction that brings the job's seed, later rounds in the one that advances.
export function handleRoundStarted(event: RoundStarted): void {
  let job = loadJob(event.params.jobId);
  job.status = "Training";
  job.currentRound = event.params.round.toI32();
  job.deadline = event.params.trainingDeadline;
  job.save();
  let round = new TrainingRound(pairId(event.params.jobId, event.params.round));
  round.job = job.id;
  round.number = event.params.round.toI32();
  round.startedAt = event.block.timestamp;
  round.trainingDeadline = event.params.trainingDeadline;
  round.closed = false;
  round.completed = false;
  round.voidedAggregates = 0;
  round.save();
  let start = stamped(new RoundStart(eventId(event)), event);
  start.job = job.id;
  start.round = round.id;
  start.trainingDeadline = event.params.trainingDeadline;
  start.save();
}

export function handleUpdateCommitted(event: UpdateCommitted): void {
  let slot = loadSlot(event.params.jobId, event.params.slot);
  let contribution = stamped(new RoundContribution(eventId(event)), event);
  contribution.job = slot.job;
  contribution.round = pairId(event.params.jobId, event.params.round);
  contribution.slot = slot.id;
  contribution.provider = slot.provider;
  contribution.digest = event.params.digest;
  contribution.save();
}

export function handleTrainingClosed(event: TrainingClosed): void {
  let job = loadJob(event.params.jobId);
  job.status = "Aggregating";
  job.deadline = event.params.aggregationDeadline;
  job.save();
  let round = loadRound(event.params.jobId, event.params.round);
  round.closed = true;
  round.aggregationDeadline = event.params.aggregationDeadline;
  round.save();
  let closure = stamped(new TrainingClosure(eventId(event)), event);
  closure.job = job.id;
  closure.round = round.id;
  closure.aggregationDeadline = event.params.aggregationDeadline;
  closure.save();
}

export function handleSlotDropped(event: SlotDropped): void {
  let reason = DROP_REASONS[event.params.reason];
  let job = loadJob(event.params.jobId);
  job.slashed = job.slashed.plus(event.params.slashed);
  job.save();
  let slot = loadSlot(event.params.jobId, event.params.slot);
  slot.active = false;
  slot.droppedReason = reason;
  slot.droppedRound = pairId(event.params.jobId, event.params.round);
  slot.slashed = slot.slashed.plus(event.params.slashed);
  slot.save();
  let drop = stamped(new SlotDrop(eventId(event)), event);
  drop.job = job.id;
  drop.round = slot.droppedRound!;
  drop.slot = slot.id;
  drop.provider = event.params.provider;
  drop.reason = reason;
  drop.slashed = event.params.slashed;
  drop.save();
}

export function handleAggregatePosted(event: AggregatePosted): void {
  let job = loadJob(event.params.jobId);
  job.status = "Aggregated";
  job.deadline = event.params.challengeDeadline;
  job.save();
  let round = loadRound(event.params.jobId, event.params.round);
  round.aggregateDigest = event.params.globalDigest;
  round.aggregator = event.params.aggregator;
  round.includedSlots = event.params.includedSlots;
  round.challengeDeadline = event.params.challengeDeadline;
  round.save();
  let posted = stamped(new RoundAggregate(eventId(event)), event);
  posted.job = job.id;
  posted.round = round.id;
  posted.aggregator = event.params.aggregator;
  posted.globalDigest = event.params.globalDigest;
  posted.includedSlots = event.params.includedSlots;
  posted.challengeDeadline = event.params.challengeDeadline;
  posted.save();
}

// The round's aggregate fields go back to null, as aggregateOf answers 0 for a void aggregate;
// RoundAggregate keeps every aggregate posted.
export function handleAggregateVoided(event: AggregateVoided): void {
  let job = loadJob(event.params.jobId);
  job.status = "Aggregating";
  job.deadline = event.params.aggregationDeadline;
  job.slashed = job.slashed.plus(event.params.slashed);
  job.save();
  let round = loadRound(event.params.jobId, event.params.round);
  round.unset("aggregateDigest");
  round.unset("aggregator");
  round.unset("includedSlots");
  round.unset("challengeDeadline");
  round.aggregationDeadline = event.params.aggregationDeadline;
  round.voidedAggregates = round.voidedAggregates + 1;
  round.save();
  let voiding = stamped(new AggregateVoiding(eventId(event)), event);
  voiding.job = job.id;
  voiding.round = round.id;
  voiding.aggregator = event.params.aggregator;
  voiding.slashed = event.params.slashed;
  voiding.aggregationDeadline = event.params.aggregationDeadline;
  voiding.save();
}

export function handleRoundCompleted(event: RoundCompleted): void {
  let earned = event.params.earnedSlots;
  let job = loadJob(event.params.jobId);
  job.currentRound = event.params.round.toI32() + 1;
  job.save();
  for (let s = 0; s < MAX_SLOTS; s++) {
    if ((earned & (1 << s)) == 0) continue;
    let slot = loadSlot(event.params.jobId, BigInt.fromI32(s));
    slot.roundsEarned = slot.roundsEarned + 1;
    slot.save();
  }
  let round = loadRound(event.params.jobId, event.params.round);
  round.completed = true;
  round.earnedSlots = earned;
  round.save();
  let completion = stamped(new RoundCompletion(eventId(event)), event);
  completion.job = job.id;
  completion.round = round.id;
  completion.earnedSlots = earned;
  completion.save();
}

export function handleRoundDisputed(event: RoundDisputed): void {
  let job = loadJob(event.params.jobId);
  job.status = "Disputed";
  job.save();
  let dispute = stamped(new RoundDispute(eventId(event)), event);
  dispute.job = job.id;
  dispute.round = pairId(event.params.jobId, event.params.round);
  dispute.slot = event.params.slot.toI32();
  dispute.windowRemaining = event.params.windowRemaining;
  dispute.save();
}

export function handleRoundResumed(event: RoundResumed): void {
  let job = loadJob(event.params.jobId);
  job.status = "Aggregated";
  job.deadline = event.params.challengeDeadline;
  job.save();
  let round = loadRound(event.params.jobId, event.params.round);
  round.challengeDeadline = event.params.challengeDeadline;
  round.save();
  let resumption = stamped(new RoundResumption(eventId(event)), event);
  resumption.job = job.id;
  resumption.round = round.id;
  resumption.challengeDeadline = event.params.challengeDeadline;
  resumption.save();
}

export function handleAggregationReopened(event: AggregationReopened): void {
  let job = loadJob(event.params.jobId);
  job.status = "Aggregating";
  job.deadline = event.params.aggregationDeadline;
  job.save();
  let round = loadRound(event.params.jobId, event.params.round);
  round.aggregationDeadline = event.params.aggregationDeadline;
  round.save();
  let reopening = stamped(new AggregationReopening(eventId(event)), event);
  reopening.job = job.id;
  reopening.round = round.id;
  reopening.aggregationDeadline = event.params.aggregationDeadline;
  reopening.save();
}

export function handleSlotPaid(event: SlotPaid): void {
  let slot = loadSlot(event.params.jobId, event.params.slot);
  slot.paid = event.params.amount;
  slot.save();
  let payment = stamped(new SlotPayment(eventId(event)), event);
  payment.job = slot.job;
  payment.slot = slot.id;
  payment.provider = event.params.provider;
  payment.amount = event.params.amount;
  payment.save();
}

export function handleRoundJobFinalized(event: RoundJobFinalized): void {
  let job = loadJob(event.params.jobId);
  job.status = "Finalized";
  job.paid = event.params.paid;
  job.refund = event.params.refund;
  job.endedAt = event.block.timestamp;
  job.save();
  let finalization = stamped(new RoundJobFinalization(eventId(event)), event);
  finalization.job = job.id;
  finalization.paid = event.params.paid;
  finalization.refund = event.params.refund;
  finalization.save();
}

export function handleRoundJobFailed(event: RoundJobFailed): void {
  let job = loadJob(event.params.jobId);
  job.status = "Failed";
  job.paid = event.params.paid;
  job.refund = event.params.refund;
  job.endedAt = event.block.timestamp;
  job.save();
  let failure = stamped(new RoundJobFailure(eventId(event)), event);
  failure.job = job.id;
  failure.paid = event.params.paid;
  failure.refund = event.params.refund;
  failure.save();
}
