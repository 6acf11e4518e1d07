import { AggregateRefuted, WordProven } from "../generated/AggregateReferee/AggregateReferee";
import { AggregateRefutation, Dispute } from "../generated/schema";
import { eventId, stamped } from "./history";

export function handleWordProven(event: WordProven): void {
  let dispute = Dispute.load(event.params.disputeId.toString())!;
  // A word of another prover, or for another coordinate, starts the count over (a prover's own evidence starts over
  // at a new coordinate).
  let same = dispute.evidenceProver !== null && dispute.evidenceProver!.equals(event.params.prover)
    && dispute.evidenceCoordinate !== null && dispute.evidenceCoordinate!.equals(event.params.coordinate);
  dispute.wordsProven = same ? dispute.wordsProven + 1 : 1; // 0 while unset
  dispute.evidenceProver = event.params.prover;
  dispute.evidenceCoordinate = event.params.coordinate;
  dispute.save();
}

export function handleAggregateRefuted(event: AggregateRefuted): void {
  let refutation = stamped(new AggregateRefutation(eventId(event)), event);
  refutation.dispute = event.params.disputeId.toString();
  refutation.prover = event.params.prover;
  refutation.coordinate = event.params.coordinate;
  refutation.posted = event.params.posted;
  refutation.computed = event.params.computed;
  refutation.save();
}
