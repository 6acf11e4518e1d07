import { formatEther } from "viem";
import type { ProtocolConnection } from "./protocolContracts.ts";

/**
 * A formatter of token amounts in the deployed token's own symbol (read from the chain), e.g.
 * `10.5 VTT` for 10.5 × 10^18 wei.
 *
 * @example
 * const tokens = await tokenFormatter(chain); tokens(10n ** 19n) // "10 VTT"
 */
export async function tokenFormatter(chain: ProtocolConnection): Promise<(wei: bigint) => string> {
  const symbol = await chain.contracts.VeritrainToken.read.symbol();
  return (wei) => `${formatEther(wei)} ${symbol}`;
}
