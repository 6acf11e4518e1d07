import { useMemo } from "react";
import type { Address } from "viem";
import * as abis from "../generated/abis.ts";
import { useAppConfig } from "../config/appContext.ts";

type Abis = typeof abis;
type Name = keyof Abis extends `${infer N}Abi` ? N : never;

/** The protocol's contracts: each one's deployed address and its ABI from the Hardhat artifact. */
export type ProtocolContracts = { [N in Name]: { address: Address; abi: Abis[`${N}Abi`] } };

/**
 * The protocol's contracts on the configured network, for wagmi's `useReadContract` and
 * `writeContract` (`{ ...contracts.StakeManager, functionName: "stake", args }`).
 *
 * @example
 * const { StakeManager } = useProtocol();
 */
export function useProtocol(): ProtocolContracts {
  const { addresses } = useAppConfig();
  return useMemo(() => {
    const entries = Object.entries(abis).map(([key, abi]) => {
      const name = key.slice(0, -"Abi".length);
      return [name, { address: addresses[name]!, abi }];
    });
    return Object.fromEntries(entries) as ProtocolContracts;
  }, [addresses]);
}
