import { Address, BigInt, Bytes } from "@graphprotocol/graph-ts";
import {
  AcceptanceListenerSet,
  ColumnAccepted,
  ColumnFaulty,
  ColumnPlaced,
  DatasetActivated,
  DatasetCancelled,
  DatasetRegistered,
  DatasetSettled,
  PlacementAnswerIgnored,
  PlacementRequested,
  PlacementSeeded,
  ProviderExited,
  ProviderJoined,
  ProviderReleased,
  RedrawHeld,
} from "../generated/DatasetRegistry/DatasetRegistry";
import {
  AcceptanceListenerSetting,
  Column,
  ColumnAcceptance,
  ColumnFault,
  Dataset,
  DatasetActivation,
  DatasetCancellation,
  DatasetRegistration,
  DatasetSettlement,
  IgnoredPlacementAnswer,
  Placement,
  PlacementRequest,
  PlacementSeeding,
  ProviderExit,
  ProviderJoin,
  ProviderRelease,
  RedrawHold,
  StorageProvider,
} from "../generated/schema";
import { eventId, pairId, stamped } from "./history";

/** PlacementRequested's column for "the whole placement". */
const WHOLE_PLACEMENT = BigInt.fromUnsignedBytes(Bytes.fromHexString("0x" + "ff".repeat(32)));

function loadDataset(datasetId: BigInt): Dataset {
  return Dataset.load(datasetId.toString())!;
}

function loadColumn(datasetId: BigInt, column: BigInt): Column {
  return Column.load(pairId(datasetId, column))!;
}

export function handleDatasetRegistered(event: DatasetRegistered): void {
  let registration = event.params.registration;
  let dataset = new Dataset(event.params.datasetId.toString());
  dataset.owner = event.params.owner;
  dataset.status = "Placing";
  dataset.manifestDigest = registration.manifestDigest;
  dataset.datasetRoot = registration.datasetRoot;
  dataset.columnRoots = registration.columnRoots;
  dataset.k = registration.k;
  dataset.n = registration.n;
  dataset.shardSize = registration.shardSize.toI32();
  dataset.stripeCount = registration.stripeCount.toI32();
  dataset.byteLength = registration.byteLength;
  dataset.payment = registration.payment;
  dataset.term = registration.term;
  dataset.endsAt = BigInt.zero();
  dataset.registeredAtBlock = event.block.number;
  dataset.save();
  for (let i = 0; i < registration.n; i++) {
    let column = new Column(pairId(event.params.datasetId, BigInt.fromI32(i)));
    column.dataset = dataset.id;
    column.index = i;
    column.root = registration.columnRoots[i];
    column.accepted = false;
    column.faulty = false;
    column.save();
  }
  let entry = stamped(new DatasetRegistration(eventId(event)), event);
  entry.dataset = dataset.id;
  entry.owner = event.params.owner;
  entry.payment = registration.payment;
  entry.save();
}

export function handlePlacementRequested(event: PlacementRequested): void {
  let request = stamped(new PlacementRequest(eventId(event)), event);
  request.dataset = event.params.datasetId.toString();
  if (!event.params.column.equals(WHOLE_PLACEMENT)) request.column = pairId(event.params.datasetId, event.params.column);
  request.requestId = event.params.requestId;
  request.range = event.params.range;
  request.save();
}

export function handleRedrawHeld(event: RedrawHeld): void {
  let hold = stamped(new RedrawHold(eventId(event)), event);
  hold.dataset = event.params.datasetId.toString();
  hold.column = pairId(event.params.datasetId, event.params.column);
  hold.seed = event.params.seed;
  hold.save();
}

export function handlePlacementSeeded(event: PlacementSeeded): void {
  let dataset = loadDataset(event.params.datasetId);
  dataset.placementSeed = event.params.seed;
  dataset.save();
  let seeding = stamped(new PlacementSeeding(eventId(event)), event);
  seeding.dataset = dataset.id;
  seeding.seed = event.params.seed;
  seeding.save();
}

export function handlePlacementAnswerIgnored(event: PlacementAnswerIgnored): void {
  let ignored = stamped(new IgnoredPlacementAnswer(eventId(event)), event);
  ignored.dataset = event.params.datasetId.toString();
  if (!event.params.column.equals(WHOLE_PLACEMENT)) ignored.column = pairId(event.params.datasetId, event.params.column);
  ignored.requestId = event.params.requestId;
  ignored.save();
}

export function handleDatasetCancelled(event: DatasetCancelled): void {
  let dataset = loadDataset(event.params.datasetId);
  dataset.status = "Cancelled";
  dataset.refund = event.params.refund;
  dataset.save();
  let cancellation = stamped(new DatasetCancellation(eventId(event)), event);
  cancellation.dataset = dataset.id;
  cancellation.refund = event.params.refund;
  cancellation.save();
}

export function handleColumnPlaced(event: ColumnPlaced): void {
  let placed = !event.params.provider.equals(Address.zero());
  let column = loadColumn(event.params.datasetId, event.params.column);
  column.holder = placed ? changetype<Bytes>(event.params.provider) : null;
  column.accepted = false;
  column.faulty = false;
  column.save();
  let placement = stamped(new Placement(eventId(event)), event);
  placement.dataset = column.dataset;
  placement.column = column.id;
  if (placed) placement.provider = event.params.provider;
  placement.seed = event.params.seed;
  placement.save();
}

export function handleDatasetActivated(event: DatasetActivated): void {
  let dataset = loadDataset(event.params.datasetId);
  dataset.status = "Active";
  dataset.endsAt = event.params.endsAt;
  dataset.save();
  let activation = stamped(new DatasetActivation(eventId(event)), event);
  activation.dataset = dataset.id;
  activation.endsAt = event.params.endsAt;
  activation.save();
}

export function handleAcceptanceListenerSet(event: AcceptanceListenerSet): void {
  let setting = stamped(new AcceptanceListenerSetting(eventId(event)), event);
  setting.listener = event.params.listener;
  setting.save();
}

export function handleColumnAccepted(event: ColumnAccepted): void {
  let column = loadColumn(event.params.datasetId, event.params.column);
  column.accepted = true;
  column.save();
  let acceptance = stamped(new ColumnAcceptance(eventId(event)), event);
  acceptance.dataset = column.dataset;
  acceptance.column = column.id;
  acceptance.provider = event.params.provider;
  acceptance.save();
}

export function handleColumnFaulty(event: ColumnFaulty): void {
  let column = loadColumn(event.params.datasetId, event.params.column);
  column.faulty = true;
  column.save();
  let fault = stamped(new ColumnFault(eventId(event)), event);
  fault.dataset = column.dataset;
  fault.column = column.id;
  fault.provider = event.params.provider;
  fault.slashed = event.params.slashed;
  fault.save();
}

export function handleDatasetSettled(event: DatasetSettled): void {
  let dataset = loadDataset(event.params.datasetId);
  dataset.status = "Settled";
  dataset.perColumn = event.params.perColumn;
  dataset.refund = event.params.refund;
  dataset.save();
  let settlement = stamped(new DatasetSettlement(eventId(event)), event);
  settlement.dataset = dataset.id;
  settlement.perColumn = event.params.perColumn;
  settlement.refund = event.params.refund;
  settlement.save();
}

export function handleProviderJoined(event: ProviderJoined): void {
  let provider = new StorageProvider(event.params.provider);
  provider.endpoint = event.params.endpoint;
  provider.stake = event.params.stake;
  provider.active = true;
  provider.released = false;
  provider.joinedAtBlock = event.block.number;
  provider.save();
  let join = stamped(new ProviderJoin(eventId(event)), event);
  join.provider = event.params.provider;
  join.stake = event.params.stake;
  join.endpoint = event.params.endpoint;
  join.save();
}

export function handleProviderExited(event: ProviderExited): void {
  let provider = StorageProvider.load(event.params.provider)!;
  provider.active = false;
  provider.save();
  let exit = stamped(new ProviderExit(eventId(event)), event);
  exit.provider = event.params.provider;
  exit.save();
}

export function handleProviderReleased(event: ProviderReleased): void {
  let provider = StorageProvider.load(event.params.provider)!;
  provider.released = true;
  provider.save();
  let release = stamped(new ProviderRelease(eventId(event)), event);
  release.provider = event.params.provider;
  release.stake = event.params.stake;
  release.save();
}
