import type { Hex } from "viem";
import type { BlockPointer } from "../../../keepers/src/indexer/entityStore.ts";
import type { EntityData, MappingStore } from "../../../keepers/src/indexer/mappingHost.ts";
import { parseSubgraphSchema } from "../../../keepers/src/indexer/subgraphSchema.ts";

/** A small subgraph schema: mutable entities with references and a derived list, an immutable one. */
export const schema = parseSubgraphSchema(`
  enum JobStatus { Bidding Assigned Finalized }
  type Dataset @entity { id: ID! owner: Bytes! jobs: [Job!]! @derivedFrom(field: "dataset") }
  type Job @entity { id: ID! dataset: Dataset! provider: Bytes status: JobStatus! price: BigInt bids: [Bid!]! @derivedFrom(field: "job") }
  type Bid @entity(immutable: true) { id: ID! job: Job! provider: Bytes! price: BigInt! }
`);

/** Two provider addresses. */
export const ALICE = "0x00000000000000000000000000000000000000a1";
export const BOB = "0x00000000000000000000000000000000000000b0";

/** Block `number` with made-up hashes. */
export const pointer = (number: number): BlockPointer => ({
  number,
  hash: `0x${number.toString(16).padStart(64, "0")}` as Hex,
  parentHash: `0x${(number - 1).toString(16).padStart(64, "0")}` as Hex,
  timestamp: 1_000 + number,
});

/** One block's writes: [entity, data] pairs set in order. */
export const block = (number: number, ...sets: [string, EntityData][]) => ({
  block: pointer(number),
  write: (view: MappingStore) => {
    for (const [entity, data] of sets) view.set(entity, data.id as string, data);
  },
});
