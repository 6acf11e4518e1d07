import { approveThenSend } from "./approveThenSend.ts";
import type { ProtocolConnection } from "./protocolContracts.ts";

/**
 * Stakes `amount` of the connected account's tokens in StakeManager. StakeManager has no permit
 * path, so this is approve then stake ({@link approveThenSend}: balances checked and `stake`
 * simulated before anything is sent, no allowance left behind).
 *
 * @example
 * await stakeTokens({ chain, amount: providerStake, action: "joining as a storage provider" });
 */
export async function stakeTokens({ chain, amount, action }: { chain: ProtocolConnection; amount: bigint; action: string }): Promise<void> {
  const { StakeManager } = chain.contracts;
  const account = chain.account;
  await approveThenSend({
    chain,
    action,
    spender: StakeManager.address,
    tokens: { amount, label: "stake" },
    simulate: () => StakeManager.simulate.stake([amount], { account }),
    estimateGas: () => StakeManager.estimateGas.stake([amount], { account }),
    write: () => StakeManager.write.stake([amount]),
  });
}
