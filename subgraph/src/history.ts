import { BigInt, Bytes, Entity, Value, ethereum } from "@graphprotocol/graph-ts";

/** The id of the history entity of `event`: transaction hash ++ log index. */
export function eventId(event: ethereum.Event): Bytes {
  return event.transaction.hash.concatI32(event.logIndex.toI32());
}

/** `entity` (a new history entity) stamped with the block and transaction of `event`. */
export function stamped<T extends Entity>(entity: T, event: ethereum.Event): T {
  entity.set("blockNumber", Value.fromBigInt(event.block.number));
  entity.set("blockTimestamp", Value.fromBigInt(event.block.timestamp));
  entity.set("transactionHash", Value.fromBytes(event.transaction.hash));
  return entity;
}

/** `"<a>-<b>"`, the id of a dataset's column or audit round. */
export function pairId(a: BigInt, b: BigInt): string {
  return a.toString() + "-" + b.toString();
}
