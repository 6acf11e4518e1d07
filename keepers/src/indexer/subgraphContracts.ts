import type { AbiEvent as ViemAbiEvent } from "viem";

/**
 * The contracts the subgraph indexes, by the name of their data source in subgraph.yaml (their
 * interface is contracts/interfaces/I<Name>.sol; their ABI subgraph/abis/<Name>.json).
 */
export const SUBGRAPH_CONTRACTS = ["StakeManager", "JobRegistry", "RoundJobRegistry", "SecureAggregationLedger", "Disputes", "BisectionGame", "AggregateReferee", "ValidatorCommittee", "DatasetRegistry", "StorageProofs"] as const;

export type SubgraphContractName = (typeof SUBGRAPH_CONTRACTS)[number];

export type AbiEvent = ViemAbiEvent;

type AbiParameter = ViemAbiEvent["inputs"][number];

function canonicalType(parameter: AbiParameter): string {
  if (!parameter.type.startsWith("tuple")) return parameter.type;
  const components = (parameter as { components: readonly AbiParameter[] }).components;
  return `(${components.map(canonicalType).join(",")})${parameter.type.slice("tuple".length)}`;
}

/**
 * The event signature as subgraph.yaml writes it, e.g. `BidPlaced(indexed uint256,indexed address,uint256)`.
 *
 * @example
 * eventSignature(abi.find((item) => item.name === "BidPlaced"))
 */
export function eventSignature(event: AbiEvent): string {
  return `${event.name}(${event.inputs.map((input) => `${input.indexed ? "indexed " : ""}${canonicalType(input)}`).join(",")})`;
}
