import type { Address, Hash, TransactionReceipt } from "viem";
import { explainReverts } from "./describeRevert.ts";
import { isAllowanceShortfall } from "./isAllowanceShortfall.ts";
import type { ProtocolConnection } from "./protocolContracts.ts";
import { requireFunds } from "./requireFunds.ts";

/** Parameters of {@link approveThenSend}. */
export type ApproveThenSendParameters = {
  chain: ProtocolConnection;
  /** What the account is about to do, as failures say it: "staking", "posting". */
  action: string;
  /** The contract that takes the tokens. */
  spender: Address;
  /** The tokens it takes and what they are, e.g. `{ amount, label: "stake" }`. */
  tokens: { amount: bigint; label: string };
  /** The spending call, simulated (`contract.simulate.f(args, { account })`). */
  simulate: () => Promise<unknown>;
  /** The spending call's gas estimate (`contract.estimateGas.f(args, { account })`). */
  estimateGas: () => Promise<bigint>;
  /** The spending call sent (`contract.write.f(args)`). */
  write: () => Promise<Hash>;
};

/**
 * Sends a call that takes protocol tokens from the account, approving `spender` first when the
 * allowance is short — and nothing at all unless the whole action can succeed: the tokens and ETH
 * are checked ({@link requireFunds}) and the call is simulated first. Before the approval, the
 * simulation may fail only for the allowance ({@link isAllowanceShortfall}): the protocol's
 * contracts take tokens after every other check. The approval is exactly the amount, so the call
 * leaves no allowance behind. For tokens with EIP-2612, a `…WithPermit` call is one transaction
 * instead (`signPermit`); this is the path for calls that have none.
 *
 * @example
 * await approveThenSend({ chain, action: "staking", spender: StakeManager.address, tokens: { amount, label: "stake" },
 *   simulate: () => StakeManager.simulate.stake([amount], { account }), estimateGas: () => StakeManager.estimateGas.stake([amount], { account }), write: () => StakeManager.write.stake([amount]) });
 */
export async function approveThenSend({ chain, action, spender, tokens, simulate, estimateGas, write }: ApproveThenSendParameters): Promise<TransactionReceipt> {
  const token = chain.contracts.VeritrainToken;
  const account = chain.account;
  await requireFunds({ chain, action, tokens });
  const short = (await token.read.allowance([account.address, spender])) < tokens.amount;
  await explainReverts(simulate).catch((error: unknown) => {
    if (!(short && isAllowanceShortfall(error))) throw error;
  });
  if (short) {
    // The call cannot be estimated before the approval: it is taken as a few approvals' worth.
    const gas = await explainReverts(() => token.estimateGas.approve([spender, tokens.amount], { account }));
    await requireFunds({ chain, action, gas: 5n * gas });
    await chain.send(() => token.write.approve([spender, tokens.amount]));
  } else {
    await requireFunds({ chain, action, gas: await explainReverts(estimateGas) });
  }
  return chain.send(write);
}
