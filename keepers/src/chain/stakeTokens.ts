import { explainReverts } from "./describeRevert.ts";
import type { ProtocolConnection } from "./protocolContracts.ts";
import { requireFunds } from "./requireFunds.ts";

/**
 * Stakes `amount` of the connected account's tokens in StakeManager. StakeManager has no permit
 * path, so this takes two transactions (approve, then stake) unless the allowance already covers
 * the amount; nothing is sent unless the account holds the tokens and the ETH for the first one
 * ({@link requireFunds}), and the approval is exactly what is missing, so `stake` leaves no
 * allowance behind. With the allowance in place, `stake` is simulated first.
 *
 * @example
 * await stakeTokens({ chain, amount: providerStake, action: "joining as a storage provider" });
 */
export async function stakeTokens({ chain, amount, action }: { chain: ProtocolConnection; amount: bigint; action: string }): Promise<void> {
  const { StakeManager, VeritrainToken } = chain.contracts;
  const account = chain.account;
  await requireFunds({ chain, action, tokens: { amount, label: "stake" } });
  const allowance = await VeritrainToken.read.allowance([account.address, StakeManager.address]);
  if (allowance < amount) {
    // The stake call cannot be simulated before the approval; its gas is about the approval's again.
    const gas = await explainReverts(() => VeritrainToken.estimateGas.approve([StakeManager.address, amount], { account }));
    await requireFunds({ chain, action, gas: 2n * gas });
    await chain.send(() => VeritrainToken.write.approve([StakeManager.address, amount]));
  } else {
    const gas = await explainReverts(() => StakeManager.estimateGas.stake([amount], { account }));
    await requireFunds({ chain, action, gas });
  }
  await chain.send(() => StakeManager.write.stake([amount]));
}
