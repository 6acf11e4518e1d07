import { Address, Bytes } from "@graphprotocol/graph-ts";
import { CommitteeDrawn, CommitteeRequested, ValidatorExited, ValidatorJoined } from "../generated/ValidatorCommittee/ValidatorCommittee";
import { CommitteeDraw, CommitteeRequest, Dispute, Validator, ValidatorExit, ValidatorJoin } from "../generated/schema";
import { eventId, stamped } from "./history";

export function handleValidatorJoined(event: ValidatorJoined): void {
  let validator = new Validator(event.params.validator);
  validator.stake = event.params.stake;
  validator.active = true;
  validator.save();
  let join = stamped(new ValidatorJoin(eventId(event)), event);
  join.validator = event.params.validator;
  join.stake = event.params.stake;
  join.save();
}

export function handleValidatorExited(event: ValidatorExited): void {
  let validator = Validator.load(event.params.validator)!;
  validator.active = false;
  validator.save();
  let exit = stamped(new ValidatorExit(eventId(event)), event);
  exit.validator = event.params.validator;
  exit.save();
}

// The committee is requested inside Disputes.challenge, after DisputeOpened: the dispute exists.
export function handleCommitteeRequested(event: CommitteeRequested): void {
  let dispute = Dispute.load(event.params.disputeId.toString())!;
  dispute.committeeRequestId = event.params.requestId;
  dispute.save();
  let request = stamped(new CommitteeRequest(eventId(event)), event);
  request.dispute = dispute.id;
  request.requestId = event.params.requestId;
  request.save();
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
