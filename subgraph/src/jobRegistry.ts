import { BigInt } from "@graphprotocol/graph-ts";
import {
  AuctionSettled,
  BidPlaced,
  ExecutionExpired,
  JobCancelled,
  JobDisputed,
  JobFailed,
  JobFinalized,
  JobPosted,
  JobResumed,
  ResultSubmitted,
} from "../generated/JobRegistry/JobRegistry";
import {
  AuctionSettlement,
  Bid,
  ExecutionExpiry,
  Job,
  JobCancellation,
  JobDispute,
  JobFailure,
  JobFinalization,
  JobPost,
  JobResumption,
  Result,
} from "../generated/schema";
import { eventId, stamped } from "./history";

function loadJob(jobId: BigInt): Job {
  return Job.load(jobId.toString())!;
}

export function handleJobPosted(event: JobPosted): void {
  let order = event.params.order;
  let job = new Job(event.params.jobId.toString());
  job.consumer = event.params.consumer;
  job.dataset = order.datasetId.toString();
  job.specDigest = order.specDigest;
  job.program = order.program;
  job.reward = order.reward;
  job.minStake = order.minStake;
  job.biddingPeriod = order.biddingPeriod;
  job.executionPeriod = order.executionPeriod;
  job.challengeWindow = order.challengeWindow;
  job.status = "Bidding";
  job.deadline = event.params.biddingDeadline;
  job.slashed = BigInt.zero();
  job.postedAtBlock = event.block.number;
  job.save();
  let post = stamped(new JobPost(eventId(event)), event);
  post.job = job.id;
  post.consumer = event.params.consumer;
  post.reward = order.reward;
  post.biddingDeadline = event.params.biddingDeadline;
  post.save();
}

export function handleBidPlaced(event: BidPlaced): void {
  let job = loadJob(event.params.jobId);
  job.provider = event.params.provider;
  job.price = event.params.price;
  job.save();
  let bid = stamped(new Bid(eventId(event)), event);
  bid.job = job.id;
  bid.provider = event.params.provider;
  bid.price = event.params.price;
  bid.save();
}

export function handleAuctionSettled(event: AuctionSettled): void {
  let job = loadJob(event.params.jobId);
  job.status = "Assigned";
  job.provider = event.params.provider;
  job.price = event.params.price;
  job.deadline = event.params.executionDeadline;
  job.save();
  let settlement = stamped(new AuctionSettlement(eventId(event)), event);
  settlement.job = job.id;
  settlement.provider = event.params.provider;
  settlement.price = event.params.price;
  settlement.executionDeadline = event.params.executionDeadline;
  settlement.save();
}

export function handleJobCancelled(event: JobCancelled): void {
  let job = loadJob(event.params.jobId);
  job.status = "Cancelled";
  job.refund = event.params.refund;
  job.save();
  let cancellation = stamped(new JobCancellation(eventId(event)), event);
  cancellation.job = job.id;
  cancellation.refund = event.params.refund;
  cancellation.save();
}

export function handleResultSubmitted(event: ResultSubmitted): void {
  let job = loadJob(event.params.jobId);
  job.status = "Submitted";
  job.resultDigest = event.params.resultDigest;
  job.traceRoot = event.params.traceRoot;
  job.metric = event.params.metric.toI32();
  job.deadline = event.params.challengeDeadline;
  job.save();
  let result = stamped(new Result(eventId(event)), event);
  result.job = job.id;
  result.provider = event.params.provider;
  result.resultDigest = event.params.resultDigest;
  result.traceRoot = event.params.traceRoot;
  result.metric = event.params.metric.toI32();
  result.challengeDeadline = event.params.challengeDeadline;
  result.save();
}

export function handleExecutionExpired(event: ExecutionExpired): void {
  let job = loadJob(event.params.jobId);
  job.status = "Bidding";
  job.provider = null;
  job.price = null;
  job.deadline = event.params.biddingDeadline;
  job.slashed = job.slashed.plus(event.params.slashed);
  job.save();
  let expiry = stamped(new ExecutionExpiry(eventId(event)), event);
  expiry.job = job.id;
  expiry.provider = event.params.provider;
  expiry.slashed = event.params.slashed;
  expiry.biddingDeadline = event.params.biddingDeadline;
  expiry.save();
}

export function handleJobDisputed(event: JobDisputed): void {
  let job = loadJob(event.params.jobId);
  job.status = "Disputed";
  job.save();
  let dispute = stamped(new JobDispute(eventId(event)), event);
  dispute.job = job.id;
  dispute.windowRemaining = event.params.windowRemaining;
  dispute.save();
}

export function handleJobResumed(event: JobResumed): void {
  let job = loadJob(event.params.jobId);
  job.status = "Submitted";
  job.deadline = event.params.challengeDeadline;
  job.save();
  let resumption = stamped(new JobResumption(eventId(event)), event);
  resumption.job = job.id;
  resumption.challengeDeadline = event.params.challengeDeadline;
  resumption.save();
}

export function handleJobFailed(event: JobFailed): void {
  let job = loadJob(event.params.jobId);
  job.status = "Failed";
  job.slashed = job.slashed.plus(event.params.slashed);
  job.refund = event.params.refund;
  job.save();
  let failure = stamped(new JobFailure(eventId(event)), event);
  failure.job = job.id;
  failure.slashed = event.params.slashed;
  failure.refund = event.params.refund;
  failure.save();
}

export function handleJobFinalized(event: JobFinalized): void {
  let job = loadJob(event.params.jobId);
  job.status = "Finalized";
  job.payment = event.params.payment;
  job.refund = event.params.refund;
  job.save();
  let finalization = stamped(new JobFinalization(eventId(event)), event);
  finalization.job = job.id;
  finalization.provider = event.params.provider;
  finalization.payment = event.params.payment;
  finalization.refund = event.params.refund;
  finalization.save();
}
