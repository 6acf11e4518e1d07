import { Address, BigInt, ethereum } from "@graphprotocol/graph-ts";
import {
  ColumnPrepared,
  DatasetBound,
  ProofAccepted,
  ProofMissed,
  ProofRejected,
  RoundAnswerIgnored,
  RoundClosed,
  RoundOpened,
  RoundRequested,
  VerifierAdded,
} from "../generated/StorageProofs/StorageProofs";
import {
  AuditRound,
  ColumnPreparation,
  Dataset,
  DatasetBinding,
  IgnoredRoundAnswer,
  Proof,
  RoundClosure,
  RoundOpening,
  RoundRequest,
  VerifierAddition,
  VerifierVersion,
} from "../generated/schema";
import { eventId, pairId, stamped } from "./history";

function loadRound(datasetId: BigInt, round: BigInt): AuditRound {
  return AuditRound.load(pairId(datasetId, round))!;
}

export function handleVerifierAdded(event: VerifierAdded): void {
  let version = new VerifierVersion(event.params.version.toString());
  version.verifier = event.params.verifier;
  version.verifyingKeyHash = event.params.verifyingKeyHash;
  version.save();
  let addition = stamped(new VerifierAddition(eventId(event)), event);
  addition.version = version.id;
  addition.verifier = event.params.verifier;
  addition.verifyingKeyHash = event.params.verifyingKeyHash;
  addition.save();
}

export function handleDatasetBound(event: DatasetBound): void {
  let dataset = Dataset.load(event.params.datasetId.toString())!;
  dataset.verifierVersion = event.params.version.toString();
  dataset.save();
  let binding = stamped(new DatasetBinding(eventId(event)), event);
  binding.dataset = dataset.id;
  binding.version = event.params.version.toString();
  binding.save();
}

export function handleColumnPrepared(event: ColumnPrepared): void {
  let preparation = stamped(new ColumnPreparation(eventId(event)), event);
  preparation.dataset = event.params.datasetId.toString();
  preparation.column = pairId(event.params.datasetId, event.params.column);
  preparation.holder = event.params.holder;
  preparation.version = event.params.version.toString();
  preparation.save();
}

export function handleRoundRequested(event: RoundRequested): void {
  let round = new AuditRound(pairId(event.params.datasetId, event.params.round));
  round.dataset = event.params.datasetId.toString();
  round.number = event.params.round;
  round.status = "Requested";
  round.requestId = event.params.requestId;
  round.save();
  let request = stamped(new RoundRequest(eventId(event)), event);
  request.round = round.id;
  request.dataset = round.dataset;
  request.requestId = event.params.requestId;
  request.save();
}

export function handleRoundAnswerIgnored(event: RoundAnswerIgnored): void {
  let ignored = stamped(new IgnoredRoundAnswer(eventId(event)), event);
  ignored.dataset = event.params.datasetId.toString();
  ignored.requestId = event.params.requestId;
  ignored.save();
}

export function handleRoundOpened(event: RoundOpened): void {
  let round = loadRound(event.params.datasetId, event.params.round);
  round.status = "Open";
  round.seed = event.params.seed;
  round.deadline = event.params.deadline;
  round.audited = event.params.audited;
  round.save();
  let opening = stamped(new RoundOpening(eventId(event)), event);
  opening.round = round.id;
  opening.dataset = round.dataset;
  opening.seed = event.params.seed;
  opening.deadline = event.params.deadline;
  opening.audited = event.params.audited;
  opening.save();
}

function recordProof(
  event: ethereum.Event,
  datasetId: BigInt,
  round: BigInt,
  column: BigInt,
  provider: Address,
  outcome: string,
): void {
  let proof = stamped(new Proof(eventId(event)), event);
  proof.round = pairId(datasetId, round);
  proof.dataset = datasetId.toString();
  proof.column = pairId(datasetId, column);
  proof.provider = provider;
  proof.outcome = outcome;
  proof.save();
}

export function handleProofAccepted(event: ProofAccepted): void {
  recordProof(event, event.params.datasetId, event.params.round, event.params.column, event.params.provider, "Accepted");
}

export function handleProofRejected(event: ProofRejected): void {
  let p = event.params;
  recordProof(event, p.datasetId, p.round, p.column, p.provider, "Rejected");
}

export function handleProofMissed(event: ProofMissed): void {
  let p = event.params;
  recordProof(event, p.datasetId, p.round, p.column, p.provider, "Missed");
}

export function handleRoundClosed(event: RoundClosed): void {
  let round = loadRound(event.params.datasetId, event.params.round);
  round.status = "Closed";
  round.proved = event.params.proved;
  round.save();
  let closure = stamped(new RoundClosure(eventId(event)), event);
  closure.round = round.id;
  closure.dataset = round.dataset;
  closure.proved = event.params.proved;
  closure.save();
}
