import { Bytes } from "@graphprotocol/graph-ts";
import {
  CommitteeDrawContinued,
  CommitteeDrawn,
  CommitteeDrawUnfinished,
  CommitteeRequested,
  CommitteeRequestFailed,
  ValidatorExited,
  ValidatorJoined,
  ValidatorReleased,
} from "../generated/ValidatorCommittee/ValidatorCommittee";
import {
  CommitteeDraw,
  CommitteeDrawContinuation,
  CommitteeRequest,
  CommitteeRequestFailure,
  Dispute,
  UnfinishedCommitteeDraw,
  Validator,
  ValidatorExit,
  ValidatorJoin,
  ValidatorRelease,
} from "../generated/schema";
import { eventId, stamped } from "./history";

// A validator that rejoins after its release starts a fresh entry, as on-chain.
export function handleValidatorJoined(event: ValidatorJoined): void {
  let validator = new Validator(event.params.validator);
  validator.stake = event.params.stake;
  validator.active = true;
  validator.joinedAt = event.block.timestamp;
  validator.released = false;
  validator.save();
  let join = stamped(new ValidatorJoin(eventId(event)), event);
  join.validator = event.params.validator;
  join.stake = event.params.stake;
  join.save();
}

export function handleValidatorExited(event: ValidatorExited): void {
  let validator = Validator.load(event.params.validator)!;
  validator.active = false;
  validator.leftAt = event.block.timestamp;
  validator.releasableAt = event.params.releasableAt;
  validator.save();
  let exit = stamped(new ValidatorExit(eventId(event)), event);
  exit.validator = event.params.validator;
  exit.releasableAt = event.params.releasableAt;
  exit.save();
}

export function handleValidatorReleased(event: ValidatorReleased): void {
  let validator = Validator.load(event.params.validator)!;
  validator.released = true;
  validator.save();
  let release = stamped(new ValidatorRelease(eventId(event)), event);
  release.validator = event.params.validator;
  release.stake = event.params.stake;
  release.save();
}

// The committee is requested inside Disputes.challenge, after DisputeOpened: the dispute exists.
export function handleCommitteeRequested(event: CommitteeRequested): void {
  let dispute = Dispute.load(event.params.disputeId.toString())!;
  dispute.committeeRequestId = event.params.requestId;
  dispute.committeeRequestFailed = false;
  dispute.committeeDrawUnfinished = false;
  dispute.save();
  let request = stamped(new CommitteeRequest(eventId(event)), event);
  request.dispute = dispute.id;
  request.requestId = event.params.requestId;
  request.save();
}

export function handleCommitteeRequestFailed(event: CommitteeRequestFailed): void {
  let dispute = Dispute.load(event.params.disputeId.toString())!;
  dispute.committeeRequestFailed = true;
  dispute.save();
  let failure = stamped(new CommitteeRequestFailure(eventId(event)), event);
  failure.dispute = dispute.id;
  failure.save();
}

export function handleCommitteeDrawn(event: CommitteeDrawn): void {
  let members = changetype<Array<Bytes>>(event.params.members);
  let dispute = Dispute.load(event.params.disputeId.toString())!;
  dispute.committeeSeed = event.params.seed;
  dispute.committee = members;
  dispute.save();
  let draw = stamped(new CommitteeDraw(eventId(event)), event);
  draw.dispute = dispute.id;
  draw.seed = event.params.seed;
  draw.members = members;
  draw.save();
}

export function handleCommitteeDrawUnfinished(event: CommitteeDrawUnfinished): void {
  let dispute = Dispute.load(event.params.disputeId.toString())!;
  dispute.committeeDrawUnfinished = true;
  dispute.save();
  let unfinished = stamped(new UnfinishedCommitteeDraw(eventId(event)), event);
  unfinished.dispute = dispute.id;
  unfinished.seed = event.params.seed;
  unfinished.save();
}

// The call that finishes the draw emits CommitteeDrawn instead.
export function handleCommitteeDrawContinued(event: CommitteeDrawContinued): void {
  let continuation = stamped(new CommitteeDrawContinuation(eventId(event)), event);
  continuation.dispute = event.params.disputeId.toString();
  continuation.nextStep = event.params.nextStep;
  continuation.picked = event.params.picked;
  continuation.save();
}
