import { readFileSync } from "node:fs";
import type { Address, PublicClient } from "viem";
import { openEntityStore, type EntityStore } from "../../../keepers/src/indexer/entityStore.ts";
import { indexBlocks } from "../../../keepers/src/indexer/indexBlocks.ts";
import { loadMappings, type Mappings } from "../../../keepers/src/indexer/mappingHost.ts";
import type { SubgraphContractName } from "../../../keepers/src/indexer/subgraphContracts.ts";
import { parseSubgraphSchema } from "../../../keepers/src/indexer/subgraphSchema.ts";
import type { Protocol } from "../../contracts/fixture.ts";

/** The subgraph's schema and built mappings (run `npm run subgraph:build` first). */
export const schema = parseSubgraphSchema(readFileSync(new URL("../../../subgraph/schema.graphql", import.meta.url), "utf8"));
const built = loadMappings({ schema });

/** Names of the events handled so far by any harness test, by contract. */
export const handledEvents = new Set<string>();

/** The built mappings, recording every event they handle in {@link handledEvents}. */
export const mappings: Mappings = {
  events: built.events,
  handle(trigger, store) {
    const event = built.events.get(trigger.contract)?.get(trigger.log.topics[0]!);
    if (event) handledEvents.add(`${trigger.contract}.${event.name}`);
    built.handle(trigger, store);
  },
};

/** The indexed contracts of a deployed protocol, by address. */
export function contractsOf(p: Protocol): Record<string, SubgraphContractName> {
  return {
    [p.stakeManager.address]: "StakeManager",
    [p.jobRegistry.address]: "JobRegistry",
    [p.roundJobRegistry.address]: "RoundJobRegistry",
    [p.secureAggregationLedger.address]: "SecureAggregationLedger",
    [p.disputes.address]: "Disputes",
    [p.bisectionGame.address]: "BisectionGame",
    [p.aggregateReferee.address]: "AggregateReferee",
    [p.committee.address]: "ValidatorCommittee",
    [p.datasetRegistry.address]: "DatasetRegistry",
  };
}

/** Indexes every block of `client`'s chain into a new in-memory store and returns it. */
export async function indexChain(client: PublicClient, contracts: Record<string, SubgraphContractName>): Promise<EntityStore> {
  const store = await openEntityStore({ schema });
  const sources = new Map(Object.entries(contracts).map(([address, name]) => [address.toLowerCase() as Address, name]));
  for (let step = 0; step < 100; step++) {
    const { head, chainHead } = await indexBlocks({ client, sources, mappings, store, startBlock: 0 });
    if (head === chainHead) return store;
  }
  throw new Error("indexing did not reach the chain head in 100 steps");
}
