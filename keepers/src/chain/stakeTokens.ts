import { explainReverts } from "./describeRevert.ts";
import { isAllowanceShortfall } from "./isAllowanceShortfall.ts";
import type { ProtocolConnection } from "./protocolContracts.ts";
import { requireFunds } from "./requireFunds.ts";

/**
 * Stakes `amount` of the connected account's tokens in StakeManager. StakeManager has no permit
 * path, so this takes two transactions (approve, then stake) unless the allowance already covers
 * the amount; nothing is sent unless the account holds the tokens and the ETH for the first one
 * ({@link requireFunds}) and `stake`, simulated first, can fail only for the missing allowance
 * ({@link isAllowanceShortfall}); the approval is exactly the amount, so `stake` leaves no
 * allowance behind.
 *
 * @example
 * await stakeTokens({ chain, amount: providerStake, action: "joining as a storage provider" });
 */
export async function stakeTokens({ chain, amount, action }: { chain: ProtocolConnection; amount: bigint; action: string }): Promise<void> {
  const { StakeManager, VeritrainToken } = chain.contracts;
  const account = chain.account;
  await requireFunds({ chain, action, tokens: { amount, label: "stake" } });
  const short = (await VeritrainToken.read.allowance([account.address, StakeManager.address])) < amount;
  // Before the approval, the simulation may fail only for the allowance.
  await explainReverts(() => StakeManager.simulate.stake([amount], { account })).catch((error: unknown) => {
    if (!(short && isAllowanceShortfall(error))) throw error;
  });
  if (short) {
    // `stake` cannot be estimated before the approval: it is taken as two approvals' worth.
    const gas = await explainReverts(() => VeritrainToken.estimateGas.approve([StakeManager.address, amount], { account }));
    await requireFunds({ chain, action, gas: 3n * gas });
    await chain.send(() => VeritrainToken.write.approve([StakeManager.address, amount]));
  } else {
    await requireFunds({ chain, action, gas: await StakeManager.estimateGas.stake([amount], { account }) });
  }
  await chain.send(() => StakeManager.write.stake([amount]));
}
